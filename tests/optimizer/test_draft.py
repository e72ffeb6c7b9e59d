"""Draft days from new timetables (pure): the trips, FIFO blocks, KPIs against
hand-computed values, and the diff matched by departure time.

The hand network: line R1 runs A -> B -> C (direction 0) and back (direction
1), 1 km a segment; line R2 runs A -> C. R1 direction 0 ran at 07:00, 07:20
and 07:40 (trips a1-a3) and is rebuilt to 07:00, 07:10, 07:30 and 07:45.
Demand between 07:00 and 08:00: 54 boardings an hour (0.015 a second), the
busiest segment carrying 54 an hour too, buses of 12 places.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import date

import pytest

from optimizer.timetable.diff import diff_days, match_departures
from optimizer.timetable.draft import (
    BlockSource, DraftBlocks, InvalidDraft, RebuiltDirection, draft_day, fifo_blocks, new_trip_id, with_blocks,
)
from optimizer.timetable.kpis import crowding, measure_day
from optimizer.timetable.model import DirectionInput, LoadProfile, Period, RunningTimes, Status, Timetable
from transit.model.network import Network, Pattern, Route, ServiceCalendar, Shape, Stop, Trip

H = 3600
M = 60
AM = Period("am", 7 * H, 8 * H, max_headway_s=20 * M, min_headway_s=5 * M, desired_load=10.0)


def _trip(trip_id: str, route: str, direction: int, depart: int, pattern: str, *, minutes: int = 10,
          stops: int = 3, block: str | None = None) -> Trip:
    offsets = [round(k * minutes * M / (stops - 1)) for k in range(stops)]
    times = tuple(depart + o for o in offsets)
    return Trip(trip_id, route, "WK", pattern, direction, block, "to C" if direction == 0 else "to A", times, times)


def hand_network() -> Network:
    stops = {s: Stop(s, s, 35.0 + 0.009 * k, 109.0) for k, s in enumerate("ABC")}
    patterns = {
        "R1:0": Pattern("R1:0", "R1", 0, "S", ("A", "B", "C"), (0.0, 1000.0, 2000.0)),
        "R1:1": Pattern("R1:1", "R1", 1, "S", ("C", "B", "A"), (0.0, 1000.0, 2000.0)),
        "R2:0": Pattern("R2:0", "R2", 0, "S", ("A", "C"), (0.0, 2000.0)),
    }
    trips = [_trip("a1", "R1", 0, 7 * H, "R1:0"), _trip("a2", "R1", 0, 7 * H + 20 * M, "R1:0"),
             _trip("a3", "R1", 0, 7 * H + 40 * M, "R1:0"), _trip("b1", "R1", 1, 7 * H + 15 * M, "R1:1"),
             _trip("b2", "R1", 1, 7 * H + 35 * M, "R1:1"),
             _trip("c1", "R2", 0, 7 * H + 5 * M, "R2:0", stops=2, block="R2-B1")]
    return Network(
        "TC", "Asia/Shanghai", stops,
        {r: Route(r, r, r, 3) for r in ("R1", "R2")},
        {"S": Shape("S", (35.0, 35.018), (109.0, 109.0), (0.0, 2000.0))},
        patterns, {t.trip_id: t for t in trips},
        {"WK": ServiceCalendar("WK", (True,) * 5 + (False,) * 2, date(2026, 1, 1), date(2026, 12, 31))})


def r1_outbound(departures: tuple[int, ...] = (7 * H, 7 * H + 10 * M, 7 * H + 30 * M, 7 * H + 45 * M),
                pattern: str = "R1:0") -> RebuiltDirection:
    profile = LoadProfile(pattern, ("A", "B", "C"), (1.0, 1.0), 6 * H, H,
                          loads=((0.0, 0.0), (36.0, 54.0)), boardings=((0.0, 0.0, 0.0), (36.0, 18.0, 0.0)))
    running = RunningTimes(6 * H, H, arrivals=((0, 240, 480), (0, 300, 600)),
                           departures=((0, 260, 480), (0, 320, 600)))
    inputs = DirectionInput("R1", 0, profile, running, (AM,), 7 * H, 7 * H + 45 * M,
                            vehicle_capacity=12.0, layover_s=300)
    return RebuiltDirection(inputs, Timetable("R1", 0, departures, "cp_sat", Status.OPTIMAL))


def test_the_rebuilt_direction_gets_new_trips_and_every_other_trip_stays() -> None:
    network = hand_network()
    day = draft_day(network, frozenset({"WK"}), [r1_outbound()])
    assert [t.trip_id for t in day.removed] == ["a1", "a2", "a3"]
    assert day.added == ("R1-0-WK-0700", "R1-0-WK-0710", "R1-0-WK-0730", "R1-0-WK-0745")
    assert {t.trip_id for t in day.trips} == {"b1", "b2", "c1", *day.added}
    assert next(t for t in day.trips if t.trip_id == "c1") is network.trips["c1"]
    first = next(t for t in day.trips if t.trip_id == "R1-0-WK-0700")
    # 07:00 is in the 07:00-08:00 bin: its running times, not the 06:00 bin's
    assert first.arrivals == (7 * H, 7 * H + 300, 7 * H + 600)
    assert first.departures == (7 * H, 7 * H + 320, 7 * H + 600)
    assert (first.service_id, first.pattern_id, first.headsign, first.block_id) == ("WK", "R1:0", "to C", None)


def test_a_departure_with_seconds_keeps_them_in_its_id() -> None:
    assert new_trip_id("R1", 1, "WK", 25 * H + 5 * M + 30) == "R1-1-WK-250530"
    assert new_trip_id("R1", 1, "WK", 6 * H) == "R1-1-WK-0600"


@pytest.mark.parametrize(("rebuilt", "services", "says"), [
    ([r1_outbound(pattern="R2:0")], {"WK"}, "pattern R2:0 is not one of its patterns"),
    ([r1_outbound(pattern="nowhere")], {"WK"}, "pattern nowhere is not one of its patterns"),
    ([r1_outbound(), r1_outbound()], {"WK"}, "line R1 direction 0 has two new timetables"),
    ([r1_outbound((7 * H, 7 * H))], {"WK"}, "two departures at the same time"),
    ([r1_outbound()], {"WK", "SA"}, "the day runs services SA, WK: name the one"),
    ([r1_outbound()], set(), "no service to rebuild"),
])
def test_timetables_that_cannot_become_trips_are_refused_saying_why(
        rebuilt: list[RebuiltDirection], services: set[str], says: str) -> None:
    with pytest.raises(InvalidDraft, match=says):
        draft_day(hand_network(), frozenset(services), rebuilt)


def test_running_times_for_another_pattern_are_refused() -> None:
    rebuilt = r1_outbound()
    short = RunningTimes(6 * H, H, arrivals=((0, 300),), departures=((0, 300),))
    bad = RebuiltDirection(dataclasses.replace(rebuilt.direction, running=short), rebuilt.timetable)
    with pytest.raises(InvalidDraft, match="running times give 2 stops, pattern R1:0 has 3"):
        draft_day(hand_network(), frozenset({"WK"}), [bad])


def test_fifo_takes_the_bus_ready_longest_at_the_terminal_else_a_new_one() -> None:
    network = hand_network()
    day = draft_day(network, frozenset({"WK"}), [r1_outbound()])
    r1 = [t for t in day.trips if t.route_id == "R1"]
    block_of = fifo_blocks(network, r1, {"R1": 300}, label="x")
    # 07:00 A->C (bus 1, ready at C 07:15) -> b1 07:15 C->A (ready at A 07:30) -> 07:30 A->C;
    # 07:10 A->C (bus 2, ready at C 07:25) -> b2 07:35 C->A (ready at A 07:50);
    # 07:45 from A: bus 2 is not ready yet, so a third bus.
    assert block_of == {"R1-0-WK-0700": "R1-x-F001", "b1": "R1-x-F001", "R1-0-WK-0730": "R1-x-F001",
                        "R1-0-WK-0710": "R1-x-F002", "b2": "R1-x-F002", "R1-0-WK-0745": "R1-x-F003"}
    # With no layover, bus 2 (at A 07:45) leaves again at 07:45.
    assert fifo_blocks(network, r1, {"R1": 0}, label="x")["R1-0-WK-0745"] == "R1-x-F002"
    # Terminals merged: a bus at C may start from A.
    merged = fifo_blocks(network, r1, {"R1": 0}, label="x", terminal_of={"A": "T", "C": "T"})
    assert len(set(merged.values())) < 3


def test_the_kpis_are_the_hand_computed_ones() -> None:
    network = hand_network()
    rebuilt = r1_outbound()
    day = draft_day(network, frozenset({"WK"}), [rebuilt])
    r1 = [t for t in day.trips if t.route_id == "R1"]
    day = with_blocks(day, DraftBlocks(fifo_blocks(network, r1, {"R1": 300}, label="x"), BlockSource.FIFO, ""))
    kpis = measure_day(network, day.trips, [rebuilt.direction])
    (row,) = kpis.directions
    assert (row.route_id, row.direction_id, row.supply.trips) == ("R1", 0, 4)
    assert row.supply.service_km == pytest.approx(8.0)
    assert row.supply.service_hours == pytest.approx(4 * 600 / H)
    assert (row.supply.first_departure_s, row.supply.last_departure_s) == (7 * H, 7 * H + 45 * M)
    assert row.supply.peak_vehicles == 1  # 10-minute trips, never two under way at once
    # Gaps 600 (the first takes the next one), 600, 1200, 900 s at 0.015 riders/s:
    # wait = sum(g^2) / (2 sum(g)) = 2,970,000 / 6,600 = 450 s; loads 0.015 g / 12.
    assert row.crowding is not None
    assert row.crowding.expected_wait_s == pytest.approx(450.0)
    assert row.crowding.riders == pytest.approx(49.5)
    assert row.crowding.max_load_factor == pytest.approx(1.5)
    assert row.crowding.trips_over_capacity == 2  # 1.5 and 1.125
    assert row.crowding.p95_load_factor == pytest.approx(1.125 + 0.85 * 0.375)
    # The day: 3 FIFO buses on R1 and R2's own block c1.
    assert kpis.total.trips == 7 and kpis.total.peak_vehicles == 3
    assert kpis.total.service_km == pytest.approx(7 * 2.0)
    spans = (7 * H + 40 * M - 7 * H) + (7 * H + 45 * M - (7 * H + 10 * M)) + 10 * M + 10 * M
    assert kpis.vehicle_hours == pytest.approx(spans / H)
    # Bus 1 and bus 2 turn at the same stop every time: no empty kilometres.
    assert kpis.vehicle_km == pytest.approx(kpis.total.service_km)


def test_the_live_day_is_measured_the_same_way() -> None:
    network = hand_network()
    rebuilt = r1_outbound()
    live = measure_day(network, list(network.trips.values()), [rebuilt.direction])
    assert live.crowding is not None
    # 07:00, 07:20, 07:40: gaps of 1200 s; 18 riders each; 1.5 of capacity each
    assert live.crowding.expected_wait_s == pytest.approx(600.0)
    assert live.crowding.trips_over_capacity == 3
    # Trips without a block are vehicles of their own: 5 of R1 (c1 has R2-B1), peak 2 at once
    assert live.total.peak_vehicles == 2


def test_demand_outside_the_profile_carries_nobody_and_a_lone_trip_takes_the_bin() -> None:
    profile = r1_outbound().direction.profile
    assert crowding([5 * H], profile, 12.0).expected_wait_s is None
    lone = crowding([7 * H + 30 * M], profile, 12.0)
    assert lone.riders == pytest.approx(54.0) and lone.expected_wait_s == pytest.approx(H / 2)
    with pytest.raises(ValueError, match="capacity 0"):
        crowding([7 * H], profile, 0.0)


def test_trips_are_matched_by_departure_not_by_id() -> None:
    network = hand_network()
    day = draft_day(network, frozenset({"WK"}), [r1_outbound()])
    diff = diff_days(list(network.trips.values()), day.trips, {("R1", 0): (AM,)}, tolerance_s=5 * M)
    moves = {(c.kind, c.old_trip_id, c.new_trip_id, c.shift_s) for c in diff.trips}
    # a1 stays at 07:00 (renamed, unchanged); a3 07:40 -> 07:45; a2 07:20 has nothing within 5 min
    assert moves == {("removed", "a2", None, None), ("added", None, "R1-0-WK-0710", None),
                     ("added", None, "R1-0-WK-0730", None), ("moved", "a3", "R1-0-WK-0745", 300)}
    (row,) = diff.directions  # only the changed direction
    assert (row.route_id, row.direction_id, row.unchanged, row.moved, row.added, row.removed) == ("R1", 0, 1, 1, 2, 1)
    (am,) = diff.headways
    assert (am.old.departures, am.old.mean_s, am.old.max_s) == (3, 1200.0, 1200)
    assert (am.new.departures, am.new.mean_s, am.new.max_s) == (4, 900.0, 1200)


def test_the_matching_is_the_cheapest_not_the_greedy_one() -> None:
    old = [_trip("o1", "R1", 0, 7 * H, "R1:0"), _trip("o2", "R1", 0, 7 * H + 9 * M, "R1:0")]
    new = [_trip("n1", "R1", 0, 7 * H + 5 * M, "R1:0"), _trip("n2", "R1", 0, 7 * H + 14 * M, "R1:0")]
    # Greedy by closeness pairs o2-n1 (4 min) and leaves two trips over; the
    # matching pairs o1-n1 and o2-n2 (5 min each), both moved.
    changes = match_departures(old, new, 5 * M)
    assert [(c.kind, c.old_trip_id, c.new_trip_id) for c in changes] == [
        ("moved", "o1", "n1"), ("moved", "o2", "n2")]
    assert math.isclose(sum(c.shift_s or 0 for c in changes), 600)
