"""Trips expected over capacity, and the vehicles a line would need (issue 13, tourist season)."""

from __future__ import annotations

from optimizer.timetable.capacity import capacity_bindings, capacity_vehicles, over_capacity_trips
from optimizer.timetable.rebuild import line_cycles, rebuild_lines
from tests.optimizer.departure_inputs import at, direction, period, profile, running


def busy(peak_per_hour: float = 480, *, capacity: float = 80):
    """06:00-08:00, one period; ``peak_per_hour`` riders an hour across the peak-load point."""
    return direction([period("day", "06:00", "08:01", 30, 3)], profile("06:00", [peak_per_hour] * 3),
                     running("06:00", 25), "06:00", "08:00", capacity=capacity)


def every(minutes: int) -> list[int]:
    return list(range(at("06:00"), at("08:00") + 1, minutes * 60))


def test_over_capacity_trips_counts_the_trips_whose_gap_brings_more_than_a_bus():
    d = busy(480)  # 8 a minute at the peak-load point
    assert over_capacity_trips(d, every(15)) == 8  # 120 a trip
    assert over_capacity_trips(d, every(10)) == 0  # exactly 80: full, not over
    assert over_capacity_trips(d, every(12)) == 10  # 96 a trip


def test_capacity_vehicles_is_a_bus_per_capacity_of_the_busiest_hour_around_the_cycle():
    d = busy(480)
    assert capacity_vehicles([d], 3600) == 6
    assert capacity_vehicles([d], 5400) == 9
    assert capacity_vehicles([busy(481)], 3600) == 7  # one rider more: a bus more
    assert capacity_vehicles([busy(0)], 3600) == 0


def test_capacity_binding_says_how_many_more_vehicles_the_line_needs():
    d = busy(480)
    (binding,) = capacity_bindings([(d, every(15))], {"L1": 5400}, {"L1": 4})
    assert binding.constraint == "capacity" and binding.unit == "vehicles"
    assert binding.amount == 5  # 9 needed on a 90 min cycle, 4 there
    assert "line L1: 8 trip(s) expected over capacity" in binding.message
    assert "5 more vehicle(s) needed: 9" in binding.message


def test_capacity_binding_says_when_the_line_had_the_vehicles():
    (binding,) = capacity_bindings([(busy(480), every(15))], {"L1": 5400}, {"L1": 9})
    assert binding.amount == 0 and "its 9 vehicles would carry its busiest hour" in binding.message


def test_a_line_without_a_fleet_limit_is_told_what_would_carry_it():
    (binding,) = capacity_bindings([(busy(480), every(15))], {"L1": 5400}, {})
    assert binding.amount == 0 and "no fleet limit; 9 vehicles would carry its busiest hour" in binding.message


def test_no_capacity_binding_when_no_trip_is_expected_over():
    assert capacity_bindings([(busy(480), every(10))], {"L1": 5400}, {"L1": 9}) == ()


def test_a_fleet_too_small_for_the_riders_is_explained_after_a_rebuild():
    d = busy(960)  # 16 a minute: a bus every 5 min
    cycles = line_cycles([d])
    rebuilt = rebuild_lines([d], {"L1": 3})
    (r,) = rebuilt.directions
    window = {route: limit.vehicles for route, limit in rebuilt.fleets.items()}
    (binding,) = capacity_bindings([(d, r.timetable.departures_s)], cycles, window)
    needed = capacity_vehicles([d], cycles["L1"])
    assert needed > 3 and binding.amount == needed - 3
