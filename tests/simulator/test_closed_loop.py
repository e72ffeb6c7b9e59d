"""The closed-loop check: a draft and the live timetable run against the same
riders and measured alike (waits, loads, denied boardings, fleet)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from rich.console import Console

from feeds.simulator import SimulationParams
from feeds.simulator.closed_loop import closed_loop_table, compare_timetables
from feeds.simulator.demand import GRID_STEP_S, DemandModel, PatternDemand, build_demand
from feeds.simulator.measures import measure_service
from feeds.simulator.service import InvalidTimetable, simulate_service
from tests.simulator.helpers import WEEKDAY, halve_headway, make_network
from transit.model.network import Network
from transit.model.service_days import list_trips_on

BUSY = SimulationParams(boardings_per_stop_hour=40.0)
# Buses run exactly to time and dwell no time, so headways stay as scheduled.
TO_TIME = SimulationParams(trip_factor_sigma=0.0, segment_sigma=0.0, congestion=(),
                           dwell_base_s=(0.0, 0.0), dwell_per_boarding_s=0.0,
                           dwell_per_alighting_s=0.0)
DEMO_WEEKDAY = date(2026, 3, 11)  # a Wednesday in the demo feed's period


def steady_demand(network: Network, per_hour: float, from_s: float) -> DemandModel:
    """``per_hour`` riders an hour at every stop from ``from_s`` on (none
    before, so the first bus does not collect a night's riders); destinations alike."""
    grid = np.arange(0.0, 30 * 3600 + GRID_STEP_S, GRID_STEP_S)
    patterns = {}
    for pid, pattern in network.patterns.items():
        count = len(pattern.stop_ids)
        cumulative = np.zeros((count, len(grid)))
        cumulative[:-1] = np.maximum(grid - from_s, 0.0) * per_hour / 3600.0
        cdfs = tuple(np.cumsum(np.ones(count - 1 - i)) for i in range(count - 1)) + (np.zeros(1),)
        patterns[pid] = PatternDemand(cumulative, cdfs)
    return DemandModel(grid, patterns)


@pytest.mark.parametrize("headway_s", [600, 900])
def test_a_steady_headway_with_steady_demand_waits_half_the_headway(headway_s):
    # Trips of 660 s and layovers of 240 s: a 1800 s cycle, so whole blocks
    # keep the headway even.
    network = make_network(lines=1, headway_s=headway_s, layover_s=240)
    starts = sorted(t.start for t in network.trips.values() if t.direction_id == 0)
    assert set(np.diff(starts)) == {headway_s}
    trips = list_trips_on(network, WEEKDAY)
    demand = steady_demand(network, per_hour=30.0, from_s=trips[0].start)
    run = simulate_service(network, WEEKDAY, trips, demand, TO_TIME, seed=3)
    measures = measure_service(run, demand, capacity=TO_TIME.capacity, seed=3)
    assert measures.total.riders > 5_000
    assert measures.total.mean_wait_s == pytest.approx(headway_s / 2, rel=0.02)
    assert measures.total.p95_wait_s == pytest.approx(0.95 * headway_s, rel=0.02)
    assert measures.total.denied_boardings == measures.total.stranded == 0


def test_the_same_trips_twice_measure_the_same(network):
    trips = list_trips_on(network, WEEKDAY)
    live, draft = compare_timetables(network, trips, list(reversed(trips)), WEEKDAY, BUSY, seed=4)
    assert live == draft
    again, _ = compare_timetables(network, trips, trips, WEEKDAY, BUSY, seed=4)
    assert again == live
    other, _ = compare_timetables(network, trips, trips, WEEKDAY, BUSY, seed=5)
    assert other.total.mean_wait_s != live.total.mean_wait_s


def test_too_few_trips_leave_riders_behind(network):
    params = replace(TO_TIME, boardings_per_stop_hour=30.0)
    trips = list_trips_on(network, WEEKDAY)
    line = [t for t in trips if t.route_id == "L1"]
    thin = [t for t in trips if t.route_id != "L1"] + line[::2]
    live, draft = compare_timetables(network, trips, thin, WEEKDAY, params, seed=2)
    before, after = live.lines["L1"], draft.lines["L1"]
    assert before.denied_boardings == 0 < after.denied_boardings
    assert before.max_load_factor < 1.0 == after.max_load_factor
    assert after.full_trips > before.full_trips == 0
    assert after.over_desired_share > before.over_desired_share
    assert after.mean_wait_s > 1.5 * before.mean_wait_s
    assert after.p95_wait_s > before.p95_wait_s
    assert draft.lines["L2"] == live.lines["L2"]
    assert draft.total.denied_boardings == after.denied_boardings + live.lines["L2"].denied_boardings


def test_vehicles_at_peak_count_the_blocks_out_at_once(network):
    trips = list_trips_on(network, WEEKDAY)
    live, _ = compare_timetables(network, trips, trips, WEEKDAY, BUSY, seed=1)
    blocks = {line: len({t.block_id for t in trips if t.route_id == line}) for line in ("L1", "L2")}
    assert {line: live.lines[line].vehicles_at_peak for line in blocks} == blocks
    assert live.total.vehicles_at_peak == sum(blocks.values())
    for (line, _), direction in live.directions.items():
        assert 0 < direction.vehicles_at_peak <= blocks[line]
        assert direction.vehicle_hours < live.lines[line].vehicle_hours


def test_a_draft_needs_the_live_patterns_and_whole_trips(network):
    trips = list_trips_on(network, WEEKDAY)
    demand = build_demand(network, [t for t in trips if t.route_id == "L1"], WEEKDAY, BUSY)
    with pytest.raises(InvalidTimetable, match="pattern L2-0 has no riders"):
        simulate_service(network, WEEKDAY, trips, demand, BUSY, seed=1)
    short = replace(trips[0], arrivals=trips[0].arrivals[:-1], departures=trips[0].departures[:-1])
    with pytest.raises(InvalidTimetable, match="11 stop times for the 12 stops"):
        compare_timetables(network, trips, [short, *trips[1:]], WEEKDAY, BUSY, seed=1)
    with pytest.raises(InvalidTimetable, match="given twice"):
        compare_timetables(network, trips, [*trips, trips[0]], WEEKDAY, BUSY, seed=1)
    with pytest.raises(ValueError, match="desired load must be above 0 and at most the capacity"):
        compare_timetables(network, trips, trips, WEEKDAY, BUSY, seed=1, desired_load=90)
    with pytest.raises(ValueError, match="live timetable has no trips"):
        compare_timetables(network, [], trips, WEEKDAY, BUSY, seed=1)


@pytest.fixture(scope="module")
def demo():
    from feeds.democity import build_demo_feed, stop_demand
    from transit.gtfs.feed import load_feed
    from transit.gtfs.tables import write_tables

    tables = build_demo_feed(7)
    network = load_feed(write_tables(tables), "demo.zip").network
    trips = list_trips_on(network, DEMO_WEEKDAY)
    draft = halve_headway(trips, "L01", 7 * 3600, 9 * 3600)
    live, drafted = compare_timetables(network, trips, draft, DEMO_WEEKDAY, seed=7,
                                       stop_demand=stop_demand(tables))
    return network, trips, draft, live, drafted


def test_halving_a_demo_line_peak_headway_cuts_its_waits_and_loads_only(demo):
    network, trips, draft, live, drafted = demo
    assert len(draft) > len(trips)
    before, after = live.lines["L01"], drafted.lines["L01"]
    assert after.trips == before.trips + len(draft) - len(trips)
    assert after.mean_wait_s < 0.97 * before.mean_wait_s
    assert after.mean_load_factor < before.mean_load_factor
    assert after.vehicles_at_peak > before.vehicles_at_peak
    for direction in (0, 1):
        assert (drafted.directions[("L01", direction)].mean_wait_s
                < live.directions[("L01", direction)].mean_wait_s)
    others = set(live.lines) - {"L01"}
    assert len(others) == len(network.routes) - 1
    assert all(drafted.lines[line] == live.lines[line] for line in others)
    assert drafted.total.mean_wait_s < live.total.mean_wait_s


def test_the_side_by_side_table_shows_every_line_and_the_network(demo):
    network, _, _, live, drafted = demo
    console = Console(record=True, width=250)
    console.print(closed_loop_table(network, live, drafted))
    text = console.export_text()
    rows = {line.split("│")[1].strip(): line for line in text.splitlines() if line.count("│") > 2}
    assert {network.routes[r].short_name for r in live.lines} | {"all lines"} <= set(rows)
    changed = rows[network.routes["L01"].short_name]
    assert f"{live.lines['L01'].trips} -> {drafted.lines['L01'].trips}" in changed
    assert "->" not in rows[network.routes["L02"].short_name]
    assert f"{live.total.riders:,}" in rows["all lines"]
