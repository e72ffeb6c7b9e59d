"""Departure times: Ceder's constructions, the CP-SAT model's hard constraints, and bad input."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from optimizer.timetable.departures import even_headway_departures, even_load_departures, optimize_departures
from optimizer.timetable.model import Infeasible, Status
from optimizer.timetable.settings import FleetLimit, Search
from optimizer.timetable.spans import cut_spans, span_at
from tests.optimizer.departure_inputs import at, day, direction, period, profile, running

DAY_PEAKS = [40, 120, 420, 600, 300, 180, 160, 200, 180, 160, 220, 400, 560, 320, 180, 120, 80, 40, 30]


def two_hours(peaks=(300, 600), max_min=30):
    """07:00-09:00, one period, d0 = 50."""
    return direction([period("am", "07:00", "09:01", max_min, 2, 50)], profile("07:00", peaks),
                     running("07:00", 30, bins=2), "07:00", "09:00")


def frequencies(peaks, d0=50):
    return [p / d0 for p in peaks]


def test_even_headway_crosses_integers_of_the_cumulative_frequency():
    # 6 veh/h in 07-08 (every 600 s), 12 veh/h in 08-09 (every 300 s): integral reaches
    # 1..6 at 07:10..08:00, then one more every 300 s: 08:05 ... 08:55, and 09:00 last.
    table = even_headway_departures(two_hours(), [6, 12])
    expected = [at("07:00") + 600 * i for i in range(7)] + [at("08:00") + 300 * i for i in range(1, 13)]
    assert table.departures_s == tuple(expected)
    assert table.status is Status.CONSTRUCTED and table.construction == "even_headway"


def test_even_headway_smooths_the_transition_between_periods():
    # From 07:05: 6 veh/h to 08:00, 3 after. 07:05, 07:15 ... 07:55; from 07:55 the curve
    # gains 5 min x 6/h = 0.5 by 08:00 and the other 0.5 at 3/h in 10 min: 08:10 (between
    # the two headways), then every 20 min: 08:30, 08:50, and the last at 09:00.
    line = replace(two_hours(), first_departure_s=at("07:05"))
    table = even_headway_departures(line, [6, 3])
    clock = ["07:05", "07:15", "07:25", "07:35", "07:45", "07:55", "08:10", "08:30", "08:50", "09:00"]
    assert table.departures_s == tuple(at(c) for c in clock)


def test_even_load_reaches_the_desired_load_at_the_peak_load_point():
    # 300 passengers/h cross the peak-load point in 07-08: d0 = 50 every 10 min;
    # 600/h in 08-09: every 5 min.
    table = even_load_departures(two_hours())
    gaps = [b - a for a, b in zip(table.departures_s, table.departures_s[1:])]
    assert gaps[:6] == [600] * 6 and set(gaps[6:]) == {300}
    assert table.construction == "even_load"


def test_even_load_never_waits_longer_than_the_policy_headway():
    # 60 passengers/h: d0 = 50 would take 50 min, the policy says 20.
    table = even_load_departures(two_hours(peaks=(60, 60), max_min=20))
    gaps = {b - a for a, b in zip(table.departures_s, table.departures_s[1:])}
    assert gaps == {1200}


def test_a_period_without_demand_data_runs_at_the_policy_headway_with_a_note():
    line = direction([period("am", "07:00", "08:00", 20), period("late", "08:00", "09:01", 30)],
                     profile("07:00", [300]), running("07:00", 30, bins=2), "07:00", "09:00")
    table = even_load_departures(line)
    late = [b - a for a, b in zip(table.departures_s, table.departures_s[1:]) if a >= at("08:00")]
    assert late == [1800, 1800]
    note = next(b for b in table.bindings if b.constraint == "no_demand")
    assert note.period == "late" and note.amount == 1800


def check_hard_constraints(line, table, fleet=None):
    deps = table.departures_s
    assert deps[0] == line.first_departure_s and deps[-1] == line.last_departure_s
    spans = cut_spans(line)
    for a, b in zip(deps, deps[1:]):
        policy = span_at(spans, a).period
        assert policy.min_headway_s <= b - a <= policy.max_headway_s, (a, b - a, policy.name)
    if fleet:
        n = fleet.vehicles
        assert all(deps[k + n] - deps[k] >= fleet.cycle_s for k in range(len(deps) - n))


def test_cp_sat_keeps_every_hard_constraint_and_proves_its_bound():
    line = day()
    table = optimize_departures(line, frequencies(DAY_PEAKS), search=Search(grid_s=30))
    check_hard_constraints(line, table)
    assert table.status is Status.OPTIMAL and table.bound <= table.objective + 1e-9
    assert all((t - line.first_departure_s) % 30 == 0 for t in table.departures_s[:-1])


def test_more_demand_in_a_period_gives_shorter_gaps_there():
    def am_gap(peaks):
        deps = optimize_departures(day(peaks), frequencies(peaks)).departures_s
        am = [b - a for a, b in zip(deps, deps[1:]) if at("07:00") <= a < at("09:00")]
        return sum(am) / len(am)

    busier = list(DAY_PEAKS)
    busier[2:4] = [2 * p for p in busier[2:4]]
    assert am_gap(busier) < am_gap(DAY_PEAKS)


def test_a_tighter_fleet_runs_fewer_peak_trips_and_says_the_fleet_binds():
    line = day()
    free = optimize_departures(line, frequencies(DAY_PEAKS))
    fleet = FleetLimit(12, 6000)
    tight = optimize_departures(line, frequencies(DAY_PEAKS), fleet=fleet, search=Search(time_limit_s=1.0))
    check_hard_constraints(line, tight, fleet)

    def peak_trips(deps):
        return sum(at("07:00") <= t < at("09:00") for t in deps)

    assert peak_trips(tight.departures_s) < peak_trips(free.departures_s)
    assert any(b.constraint == "fleet" for b in tight.bindings)


def test_the_time_limit_returns_the_best_found_with_its_bound():
    table = optimize_departures(day(), frequencies(DAY_PEAKS), fleet=FleetLimit(12, 6000),
                                search=Search(grid_s=30, time_limit_s=0.05))
    assert table.status is Status.FEASIBLE
    assert table.bound <= table.objective and table.gap is not None and table.gap > 0
    assert any(b.constraint == "time_limit" for b in table.bindings)


def bindings_of(call):
    with pytest.raises(Infeasible) as refused:
        call()
    return {b.constraint: b for b in refused.value.bindings}


def test_a_fleet_too_small_for_the_policy_headway_says_how_many_vehicles_are_missing():
    # AM peak: at most 10 min on a 100 min cycle needs ceil(100 / 10) = 10 vehicles.
    found = bindings_of(lambda: optimize_departures(day(), frequencies(DAY_PEAKS), fleet=FleetLimit(7, 6000)))
    assert found["fleet"].amount == 3 and found["fleet"].unit == "vehicles"


def test_a_first_departure_after_the_last_says_by_how_much():
    line = replace(day(), first_departure_s=at("23:30"))
    found = bindings_of(lambda: optimize_departures(line, frequencies(DAY_PEAKS)))
    assert found["first_last"].amount == 1800


def test_running_times_longer_than_the_service_span():
    line = direction([period("am", "07:00", "08:01", 20)], profile("07:00", [100]), running("07:00", 90, bins=2),
                     "07:00", "08:00")
    found = bindings_of(lambda: even_load_departures(line))
    assert found["running_time"].amount == 1800


def test_a_line_with_one_stop():
    line = direction([period("am", "07:00", "08:01", 20)], profile("07:00", [100], stops=("A",)),
                     running("07:00", 0, bins=2, stops=1), "07:00", "08:00")
    assert bindings_of(lambda: even_load_departures(line))["stops"].amount == 1


def test_a_minimum_headway_over_the_maximum():
    line = direction([period("am", "07:00", "08:01", 5, 8)], profile("07:00", [100]), running("07:00", 30, 2),
                     "07:00", "08:00")
    found = bindings_of(lambda: optimize_departures(line, [2]))
    assert found["min_headway"].amount == 180 and found["min_headway"].period == "am"


def test_a_span_the_allowed_trips_cannot_cover():
    # 07:00-08:00 at most 20 min apart takes 4 departures; 3 are allowed.
    line = two_hours()
    line = replace(line, last_departure_s=at("08:00"))
    short = replace(line, periods=(period("am", "07:00", "08:01", 20),))
    found = bindings_of(lambda: optimize_departures(short, [3, 3], search=Search(max_trips=3)))
    assert found["first_last"].amount == 1 and found["first_last"].unit == "trips"


def test_cp_sat_infeasible_anyway_names_the_fleet_and_the_vehicles_missing():
    # A 30 min peak at most 2 min apart inside a 100 min cycle: the policy check lets it
    # through (the period is shorter than a cycle), the solver refuses.
    periods = (period("early", "06:30", "07:00", 20, 3), period("rush", "07:00", "07:30", 2, 2),
               period("day", "07:30", "08:31", 20, 3))
    line = direction(periods, profile("06:00", [100] * 3), running("06:00", 40, 3), "06:30", "08:30")
    found = bindings_of(lambda: optimize_departures(line, [3] * 3, fleet=FleetLimit(10, 6000)))
    assert found["fleet"].unit == "vehicles" and found["fleet"].amount >= 1
    needed = 10 + found["fleet"].amount
    relieved = optimize_departures(line, [3] * 3, fleet=FleetLimit(int(needed), 6000))
    assert math.isfinite(relieved.objective)
