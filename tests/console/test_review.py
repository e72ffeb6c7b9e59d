"""What an approver reads of a draft, from its stored KPIs and diff: the KPI
deltas, the headway table by line (in line order), direction, day type and
period, the lines a draft touches, and one direction's trip changes."""

from __future__ import annotations

from typing import Any

from transit.console.review import (
    Headway,
    Unit,
    day_type_of,
    direction_rows,
    draft_lines,
    headway_rows,
    kpi_deltas,
    line_directions,
    trip_changes,
)


def side(trips: int, wait: float | None, first: int, vehicle_hours: float) -> dict[str, Any]:
    return {"total": {"trips": trips, "service_km": 10.5 * trips, "service_hours": trips / 2, "peak_vehicles": 4,
                      "first_departure_s": first, "last_departure_s": 79200},
            "crowding": None if wait is None else {"expected_wait_s": wait, "max_load_factor": 0.9,
                                                   "p95_load_factor": 0.8, "trips_over_capacity": 2, "riders": 10.0},
            "vehicle_hours": vehicle_hours, "vehicle_km": 1.0, "directions": []}


def headway(route: str, direction: int, period: str, start: int, old: tuple[int, float | None, int | None],
            new: tuple[int, float | None, int | None]) -> dict[str, Any]:
    return {"route_id": route, "direction_id": direction, "period": period, "start_s": start, "end_s": start + 3600,
            "old": dict(zip(("departures", "mean_s", "max_s"), old, strict=True)),
            "new": dict(zip(("departures", "mean_s", "max_s"), new, strict=True))}


DIFF = {
    "tolerance_s": 600,
    "directions": [{"route_id": "10", "direction_id": 1, "unchanged": 5, "moved": 1, "added": 0, "removed": 2},
                   {"route_id": "2", "direction_id": 0, "unchanged": 3, "moved": 0, "added": 1, "removed": 0}],
    "trips": [{"kind": "added", "route_id": "2", "direction_id": 0, "new_trip_id": "x", "new_departure_s": 100},
              {"kind": "removed", "route_id": "10", "direction_id": 1, "old_trip_id": "y", "old_departure_s": 50}],
    "headways": [headway("10", 0, "am_peak", 25200, (6, 600.0, 600), (9, 400.0, 480)),
                 headway("2", 1, "midday", 32400, (3, 1200.0, 1200), (2, None, None)),
                 headway("2", 1, "am_peak", 25200, (1, None, None), (4, 900.0, 900)),
                 headway("2", 0, "am_peak", 25200, (4, 900.0, 900), (4, 900.0, 900))],
}


def test_kpi_deltas_in_order_with_units() -> None:
    rows = kpi_deltas({"live": side(100, 300.0, 21600, 50.0), "draft": side(104, 240.0, 21000, 52.5)})
    assert [r.name for r in rows] == ["trips", "service_km", "service_hours", "peak_vehicles", "first_departure_s",
                                      "last_departure_s", "expected_wait_s", "max_load_factor", "trips_over_capacity",
                                      "vehicle_hours"]
    by = {r.name: r for r in rows}
    assert (by["trips"].live, by["trips"].draft, by["trips"].delta) == (100.0, 104.0, 4.0)
    assert by["first_departure_s"].delta == -600.0 and by["first_departure_s"].unit is Unit.CLOCK
    assert by["expected_wait_s"].delta == -60.0 and by["expected_wait_s"].unit is Unit.SECONDS
    assert by["vehicle_hours"].delta == 2.5 and by["max_load_factor"].unit is Unit.RATIO


def test_a_side_without_demand_or_kpis_has_no_value() -> None:
    by = {r.name: r for r in kpi_deltas({"live": side(100, None, 21600, 50.0), "draft": side(90, 200.0, 0, 1.0)})}
    assert by["expected_wait_s"].live is None and by["expected_wait_s"].delta is None
    assert all(r.live is None and r.draft is None for r in kpi_deltas({}))


def test_the_headway_table_is_in_line_order_with_the_day_type() -> None:
    rows = headway_rows(DIFF, "weekday")
    assert [(r.route_id, r.direction_id, r.period) for r in rows] == [
        ("2", 0, "am_peak"), ("2", 1, "am_peak"), ("2", 1, "midday"), ("10", 0, "am_peak")]  # 2 before 10
    assert {r.day_type for r in rows} == {"weekday"}
    assert rows[1].old == Headway(1, None, None) and rows[1].new == Headway(4, 900.0, 900)
    assert rows[3].old.mean_s == 600.0 and rows[3].new.max_s == 480
    assert headway_rows({}, "") == ()


def test_the_day_type_comes_from_the_service_date_or_the_scenario() -> None:
    assert day_type_of({"service_date": "2026-07-04"}, "tourist_season") == "saturday"
    assert day_type_of({"service_date": "2026-07-06"}, "x") == "weekday"
    assert day_type_of({}, "sunday") == "sunday"
    assert day_type_of({}, "morning peak") == "" and day_type_of({"service_date": "July"}, "weekday") == ""


def test_lines_directions_and_trip_changes() -> None:
    params = {"rebuilt": [{"route_id": "2", "direction_id": 0}, {"route_id": "7", "direction_id": 1}]}
    assert draft_lines(params, DIFF) == frozenset({"2", "7", "10"})
    assert line_directions(params, DIFF) == (("2", 0), ("7", 1), ("10", 1))
    assert [(r.route_id, r.removed) for r in direction_rows(DIFF)] == [("2", 0), ("10", 2)]
    assert [t["kind"] for t in trip_changes(DIFF, "10", 1)] == ["removed"] and trip_changes(DIFF, "7", 1) == ()
