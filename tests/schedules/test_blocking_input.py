"""A stored schedule's day as the blocking engine's input, on a small city
whose fleet is known: terminals, deadheads, depots, layover and cap, and the
figures measured on the engine's blocks and on the feed's own."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest

from feeds.schedules.blocking import ScheduleProblem, schedule_problem
from feeds.schedules.days import DayType, NoServiceDay, typical_day
from feeds.schedules.depots import DepotSite
from feeds.schedules.kpis import engine_blocks, existing_blocks, measure
from feeds.schedules.params import BadParams, BlockingParams
from feeds.schedules.terminals import find_terminals
from optimizer.blocks import Status, block_trips
from tests.optimizer.helpers import seconds
from tests.schedules.smallcity import small_city
from transit.geo import distance_m
from transit.model.network import Network, Pattern, Stop, Trip

DEPOT = DepotSite("D", 35.0, 109.001, 3)


def _problem(params: BlockingParams | None = None) -> ScheduleProblem:
    network = small_city()
    params = params or BlockingParams()
    return schedule_problem(network, typical_day(network, DayType.WEEKDAY).trips, [DEPOT], params)


def test_the_typical_weekday_skips_the_holiday() -> None:
    day = typical_day(small_city(), DayType.WEEKDAY)
    assert (day.day, day.service_ids, [t.trip_id for t in day.trips]) == (
        date(2026, 1, 2), frozenset({"WK"}), ["a", "b", "c", "d"])
    with pytest.raises(NoServiceDay, match="no service on any saturday"):
        typical_day(small_city(), DayType.SATURDAY)


def test_stands_a_short_walk_apart_are_one_terminal() -> None:
    problem = _problem()
    assert problem.terminal_of["SB"] is problem.terminal_of["SB2"]
    assert problem.terminal_of["SB"].stop_ids == ("SB", "SB2")
    assert [(t.trip_id, t.start_place, t.end_place) for t in problem.blocking_input.trips] == [
        ("a", "SA", "SB"), ("b", "SB", "SC"), ("c", "SC", "SB"), ("d", "SB", "SA")]
    apart = _problem(dataclasses.replace(BlockingParams(), terminal_merge_m=50.0))
    assert apart.terminal_of["SB"] is not apart.terminal_of["SB2"]


def test_stands_merge_only_when_all_are_a_short_walk_apart() -> None:
    """X1, X2, X3 in a row 200 m apart: X1 and X2 are one terminal; X3 is 200 m
    from X2 but 400 m from X1, so it stays apart (the drive between any two
    stands of a terminal must fit in a layover)."""
    step = 200 / 110_574  # degrees of latitude
    stops = {f"X{k}": Stop(f"X{k}", f"X{k}", 35.0 + k * step, 109.0) for k in (1, 2, 3)}
    patterns = {"P": Pattern("P", "R", 0, "", ("X1", "X3"), (0.0, 400.0)),
                "Q": Pattern("Q", "R", 1, "", ("X2", "X1"), (0.0, 200.0))}
    trips = [Trip("t", "R", "WK", "P", 0, None, "", (0, 60), (0, 60)),
             Trip("u", "R", "WK", "Q", 1, None, "", (120, 180), (120, 180))]
    network = Network("TC", "Asia/Shanghai", stops, {}, {}, patterns, {t.trip_id: t for t in trips}, {})
    terminal_of = find_terminals(network, trips, 300.0)
    assert {stop: place.place_id for stop, place in terminal_of.items()} == {"X1": "X1", "X2": "X1", "X3": "X3"}


def test_deadheads_are_the_straight_line_with_the_detour_at_one_speed() -> None:
    params = BlockingParams()
    problem = _problem(params)
    deadheads = {(h.from_place, h.to_place): h for h in problem.blocking_input.deadheads}
    sa_sc = distance_m(35.0, 109.0, 35.036, 109.0)
    assert deadheads["SA", "SC"].time_s == params.drive_s(sa_sc) == pytest.approx(
        sa_sc * 1.3 / (25 / 3.6), abs=1)
    assert deadheads["SA", "SC"].cost == round(sa_sc * 1.3 / 1000 * 6 * 100)  # fen
    assert ("depot:D", "SA") in deadheads and ("SC", "depot:D") in deadheads
    engine = problem.blocking_input
    assert (engine.min_layover_s, engine.max_wait_s) == (300, 90 * 60)
    assert (engine.costs.vehicle, engine.costs.idle_per_hour) == (200_000, 3_600)
    assert [(d.depot_id, d.capacity, d.place) for d in engine.depots] == [("D", 3, "depot:D")]


def test_one_bus_runs_both_lines_where_their_own_blocks_use_two() -> None:
    problem = _problem()
    blocking = block_trips(problem.blocking_input, seconds())
    assert (blocking.fleet, blocking.status) == (1, Status.OPTIMAL)
    assert blocking.blocks[0].trip_ids == ("a", "b", "c", "d")
    ours = measure(problem, engine_blocks(blocking, "weekday"))
    theirs = measure(problem, existing_blocks(problem))
    assert ours.cost_fen == blocking.cost  # the figures price blocks as the engine does
    assert (ours.fleet, ours.peak_by_depot, ours.too_short) == (1, (("D", 1),), 0)
    assert (theirs.fleet, theirs.peak_by_depot) == (2, (("D", 2),))
    assert ours.idle_s == 3 * 600 and ours.revenue_km == pytest.approx(theirs.revenue_km)
    lines_m = distance_m(35.0, 109.0, 35.018, 109.0) + distance_m(35.0189, 109.0, 35.036, 109.0)
    assert ours.revenue_km == pytest.approx(2 * lines_m / 1000, rel=0.01)


def test_a_layover_longer_than_the_gaps_needs_a_second_bus() -> None:
    problem = _problem(dataclasses.replace(BlockingParams(), min_layover_s=900))
    blocking = block_trips(problem.blocking_input, seconds())
    # a then c: 08:10 at SB, 15 min, 6 min to SC, leaves 08:40; b then d likewise.
    assert blocking.fleet == blocking.fleet_bounds.best == 2
    assert sorted(b.trip_ids for b in blocking.blocks) == [("a", "c"), ("b", "d")]
    assert measure(problem, existing_blocks(problem)).too_short == 1  # line 2's b -> c: 10 min


@pytest.mark.parametrize(("change", "message"), [
    ({"max_wait_s": 60}, "max_wait_s = 60: no trip could follow another"),
    ({"deadhead_speed_kmh": 0}, "deadhead_speed_kmh = 0: give a number above 0"),
    ({"terminal_merge_m": 5_000}, "terminal_merge_m = 5000: driving between two stops"),
])
def test_parameters_out_of_range_name_themselves(change: dict[str, Any], message: str) -> None:
    with pytest.raises(BadParams, match=message):
        dataclasses.replace(BlockingParams(), **change)
