"""Whole lines rebuilt: the fleet shared among lines, the two directions meshed
within a line's vehicles, CP-SAT time spent within the run's budget, refusals kept."""

from __future__ import annotations

from dataclasses import replace

from optimizer.timetable.fleet import line_vehicles, share_fleet
from optimizer.timetable.model import Status
from optimizer.timetable.rebuild import RebuildParams, line_cycles, rebuild_lines
from optimizer.timetable.settings import Search
from tests.optimizer.departure_inputs import at, day


def _line(route_id: str, peaks: list[float] | None = None, trip_min: float = 40):  # type: ignore[no-untyped-def]
    outbound = replace(day(peaks, trip_min=trip_min), route_id=route_id)
    back = replace(outbound, direction_id=1,
                   profile=replace(outbound.profile, stop_ids=outbound.profile.stop_ids[::-1]))
    return [outbound, back]


def test_deficit_functions_count_the_vehicles_of_two_terminals() -> None:
    # A -> D takes 40 min (+5 min layover): a bus leaving A at 06:00 can leave D at 06:45.
    outbound, back = _line("L1")
    assert line_vehicles([(outbound, [at("06:00")]), (back, [at("06:45")])]) == 1
    # Leaving D at 06:30, before the first bus is there: a second bus starts the day at D.
    assert line_vehicles([(outbound, [at("06:00")]), (back, [at("06:30")])]) == 2
    # Three departures from A within one trip time: three buses, wherever they end up.
    assert line_vehicles([(outbound, [at("06:00"), at("06:10"), at("06:20")]), (back, [])]) == 3


def test_the_fleet_goes_first_to_each_lines_policy_then_where_it_is_wanted() -> None:
    shares = share_fleet({"busy": 12.0, "quiet": 2.0}, {"busy": 3, "quiet": 3}, total=12)
    assert shares == {"busy": 9, "quiet": 3}  # quiet keeps its policy minimum
    assert share_fleet({"a": 4.0, "b": 4.0}, {"a": 1, "b": 1}, total=5) == {"a": 3, "b": 2}  # ties: first id
    assert share_fleet({"a": 4.0}, {"a": 6}, total=2) == {"a": 6}  # below the policy: the policy, flagged later


def test_a_line_never_needs_more_vehicles_than_it_was_given() -> None:
    inputs = _line("L1", [40, 120, 900, 1200, 600, 300, 300, 300, 300, 300, 400, 900, 1100, 600, 300, 200, 100,
                          60, 40])
    rebuilt = rebuild_lines(inputs, {"L1": 10}, RebuildParams(budget_s=0.5))
    assert len(rebuilt.directions) == 2 and not rebuilt.refused
    assert line_vehicles([(r.direction, r.timetable.departures_s) for r in rebuilt.directions]) <= 10
    assert any(b.constraint == "fleet" for r in rebuilt.directions for b in r.timetable.bindings)
    unlimited = rebuild_lines(inputs, None, RebuildParams(budget_s=0))
    assert sum(len(r.timetable.departures_s) for r in unlimited.directions) > sum(
        len(r.timetable.departures_s) for r in rebuilt.directions)


def test_a_shared_fleet_follows_demand_between_lines() -> None:
    busy = _line("BUSY", [100, 300, 1500, 1800, 900, 600, 600, 600, 600, 600, 800, 1400, 1600, 900, 500, 300,
                          200, 100, 60])
    quiet = _line("QUIET", [10, 20, 60, 80, 40, 30, 30, 30, 30, 30, 40, 60, 80, 40, 30, 20, 10, 10, 10])
    # Each line's 10-minute peak policy on a 90-minute cycle needs 9; the 8 more go where riders are.
    rebuilt = rebuild_lines(busy + quiet, 26, RebuildParams(budget_s=0))
    assert rebuilt.vehicles == {"BUSY": 17, "QUIET": 9}
    cycles = line_cycles(busy + quiet)
    assert rebuilt.fleets["QUIET"].cycle_s == cycles["QUIET"] == 2 * (40 * 60 + 300)


def test_without_a_budget_no_direction_is_polished_and_each_says_so() -> None:
    inputs = _line("L1", [40, 120, 900, 1200, 600, 300, 300, 300, 300, 300, 400, 900, 1100, 600, 300, 200, 100,
                          60, 40])
    rebuilt = rebuild_lines(inputs, {"L1": 10}, RebuildParams(budget_s=0, search=Search(time_limit_s=1.0)))
    for r in rebuilt.directions:
        t = r.timetable
        assert t.bound is not None and t.objective is not None and t.bound <= t.objective
        if t.status is Status.FEASIBLE:
            assert any("not polished" in b.message for b in t.bindings)


def test_a_direction_the_engine_refuses_is_kept_out_with_its_reason() -> None:
    good = _line("L1")
    one_stop = replace(good[0], route_id="L2", profile=replace(good[0].profile, stop_ids=("A",), segment_km=(),
                                                               loads=((),) * good[0].profile.bins,
                                                               boardings=((0.0,),) * good[0].profile.bins))
    rebuilt = rebuild_lines([*good, one_stop], None, RebuildParams(budget_s=0))
    assert [(r.route_id, r.direction_id) for r in rebuilt.refused] == [("L2", 0)]
    assert rebuilt.refused[0].bindings[0].constraint == "one_stop"
    assert {r.key for r in rebuilt.directions} == {("L1", 0), ("L1", 1)}
