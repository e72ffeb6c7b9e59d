"""The timetable engine's inputs for every line direction of the demo city,
from a simulated weekday (low ridership, to stay fast) whose flow is inferred
from its taps and its buses' true stop passages."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from feeds.democity import build_demo_feed, stop_demand
from feeds.schedules.days import DayType, typical_day
from feeds.simulator import SimulatedDay, SimulationParams, simulate_day
from feeds.timetables.inputs import demo_tourist_marks, direction_inputs, load_scenario
from transit.flow.day import DayFlow, infer_flow
from transit.gtfs.feed import load_feed
from transit.gtfs.tables import write_tables
from transit.model.network import Network
from transit.records import StopEvent, Tap

WEEKDAY = date(2026, 11, 25)


def stop_events(network: Network, day: SimulatedDay) -> list[StopEvent]:
    """The simulator's true passages as the tracker would report them."""
    events = []
    for p in day.passages:
        pattern = network.patterns[network.trips[p.trip_id].pattern_id]
        first, last = p.stop_sequence == 1, p.stop_sequence == len(pattern.stop_ids)
        events.append(StopEvent(day.service_date, p.trip_id, pattern.sequence_at(p.stop_sequence - 1),
                                p.stop_id, p.vehicle_id, None if first else p.arrival,
                                None if last else p.departure))
    return events


@pytest.fixture(scope="module")
def demo() -> tuple[Network, list[StopEvent], DayFlow]:
    tables = build_demo_feed(7)
    network = load_feed(write_tables(tables), "demo.zip").network
    day = simulate_day(network, WEEKDAY, seed=7, demand=stop_demand(tables),
                       params=SimulationParams(boardings_per_stop_hour=2.0, chained_riders=True))
    events = stop_events(network, day)
    taps = [Tap(t.tap_id, t.vehicle_id, t.timestamp, t.medium, t.account, t.lat, t.lon,
                t.received_at) for t in day.taps]
    return network, events, infer_flow(network, events, taps)


def test_every_line_direction_of_the_demo_weekday_gets_plausible_inputs(demo) -> None:
    network, events, flow = demo
    inputs, notes = direction_inputs(network, flow, events, load_scenario("weekday", network))
    trips = typical_day(network, DayType.WEEKDAY).trips
    assert [(i.route_id, i.direction_id) for i in inputs] == sorted(
        {(t.route_id, t.direction_id) for t in trips})
    counted = 0.0
    for found in inputs:
        loads = np.array(found.profile.loads)
        assert (loads >= 0).all() and loads.max() > 0, found.route_id
        # A bus's riders in a bin, per trip, stay under a few busloads.
        assert loads.max() < 4 * found.vehicle_capacity * max(
            1, sum(t.route_id == found.route_id and t.direction_id == found.direction_id
                   for t in trips) / found.profile.bins)
        assert found.running.trip_time_s(found.first_departure_s) > 0
        names = [p.name for p in found.periods]
        if found.route_id.startswith("L"):  # day lines: the AM peak carries riders
            assert "am_peak" in names
            peak = next(p for p in found.periods if p.name == "am_peak")
            bins = range((peak.start_s - found.profile.start_s) // 3600,
                         (peak.end_s - 1 - found.profile.start_s) // 3600 + 1)
            assert max(max(found.profile.loads[b]) for b in bins) > 0, found.route_id
        counted += float(np.sum(found.profile.boardings))
    # Every boarding of the flow is in some direction's profile (one pattern per direction).
    assert counted == pytest.approx(sum(float(f.boardings.sum()) for f in flow.trips), rel=1e-6)
    assert notes[0] == "trips of 2026-01-05 (weekday, scenario weekday)"


def test_the_tourist_season_grows_the_tourist_lines_only(demo) -> None:
    network, events, flow = demo
    sites, lines = demo_tourist_marks(network)
    assert len(sites) == 4 and lines == {"T1", "T2", "T3", "T4"}
    weekday, _ = direction_inputs(network, flow, events, load_scenario("weekday", network))
    season, _ = direction_inputs(network, flow, events, load_scenario("tourist_season", network))
    for plain, busy in zip(weekday, season):
        before, after = np.sum(plain.profile.loads), np.sum(busy.profile.loads)
        if plain.route_id in lines:
            # The site is a terminal: every rider of its segment rides to or from it.
            stops = plain.profile.stop_ids
            segment = 0 if stops[0] in sites else len(stops) - 2
            assert stops[0] in sites or stops[-1] in sites
            site_loads = [np.array(p.profile.loads)[:, segment] for p in (plain, busy)]
            assert site_loads[1] == pytest.approx(3 * site_loads[0], abs=1e-4), plain.route_id
            assert after > before, plain.route_id
        elif not sites & set(plain.profile.stop_ids):
            assert after == pytest.approx(before), plain.route_id
