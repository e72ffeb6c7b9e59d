"""A route that passes the same street twice: out along a street and back
along it, one trip. Each passage must be found once, in order, at its time."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from transit.model.geometry import cumulative_distances
from transit.model.network import Network, Pattern, Route, ServiceCalendar, Shape, Stop, Trip
from transit.model.service_days import to_unix
from transit.records import VehicleReport
from transit.tracking.tracker import Tracker

DAY = date(2026, 3, 4)
LAT0, LON0 = 35.07, 109.07
M_PER_DEG_LON = 111_195 * math.cos(math.radians(LAT0))
SPEED = 8.0  # m/s


def out_and_back(lane_m: float = 4.0) -> Network:
    # East 2 km along one street, then back west on it (``lane_m`` to the side,
    # the other lane; 0: the shape runs back on itself, as many feeds draw it).
    east = [(LAT0, LON0 + k * 100 / M_PER_DEG_LON) for k in range(21)]
    west = [(LAT0 + lane_m / 111_195, lon) for _, lon in reversed(east)]
    lats, lons = zip(*(east + west), strict=True)
    shape = Shape("OB", tuple(lats), tuple(lons), cumulative_distances(lats, lons))
    along = (0.0, 500.0, 1000.0, 1500.0, 2000.0, 2500.0, 3000.0, 3500.0, shape.length)
    stops = {}
    for i, d in enumerate(along):
        stops[f"S{i}"] = Stop(f"S{i}", f"站{i}", float(np.interp(d, shape.dists, lats)),
                              float(np.interp(d, shape.dists, lons)))
    pattern = Pattern("OB:0", "OB", 0, "OB", tuple(stops), along)
    times = tuple(int(7 * 3600 + d / SPEED) for d in along)
    trip = Trip("OB-1", "OB", "WK", "OB:0", 0, "B1", "环线", times, times)
    calendar = ServiceCalendar("WK", (True,) * 7, date(2026, 1, 1), date(2026, 12, 31))
    return Network("Tongchuan Bus", "Asia/Shanghai", stops, {"OB": Route("OB", "环1路", "环线", 3)},
                   {"OB": shape}, {"OB:0": pattern}, {"OB-1": trip}, {"WK": calendar}, {"B1": ("OB-1",)})


@pytest.mark.parametrize("lane_m", [4.0, 0.0])
def test_each_passage_of_a_street_driven_twice_is_found_in_order(lane_m: float) -> None:
    network = out_and_back(lane_m)
    shape = network.shapes["OB"]
    start = to_unix(DAY, 7 * 3600, "Asia/Shanghai")
    tracker = Tracker(network)
    events = []
    for t in range(-180, int(shape.length / SPEED) + 40, 15):
        d = min(max(t, 0) * SPEED, shape.length)
        lat = float(np.interp(d, shape.dists, shape.lats))
        lon = float(np.interp(d, shape.dists, shape.lons))
        speed = SPEED if 0 < t * SPEED < shape.length else 0.0
        report = VehicleReport("TC0001", start + t, lat, lon, speed, 90.0, "test", start + t + 1)
        events += tracker.observe(report).events
    pattern = network.patterns["OB:0"]
    assert [e.stop_sequence for e in events] == list(range(1, 10))
    for event, d in zip(events[1:], pattern.stop_dists[1:], strict=True):
        # Within 3 s: at the turn the two lanes are 4 m apart, inside GPS-grade tolerance.
        assert event.arrival == pytest.approx(start + d / SPEED, abs=3)


# A true loop: a 2 x 1 km rectangle, its first stop (mid-way along the south
# side) also its last; one bus runs three trips round it in a row, turning
# round at the terminal in 2 minutes. It waits there pulled in a few metres
# short of the stop: on the loop's last metres, not its first.
LOOP_M = 6000.0
LOOP_TRIPS = 3
LOOP_START_S = 7 * 3600


def loop_network() -> Network:
    corners = [(1000, 0), (2000, 0), (2000, 1000), (0, 1000), (0, 0), (1000, 0)]
    points = [(x + (bx - x) * k / 10, y + (by - y) * k / 10)
              for (x, y), (bx, by) in zip(corners, corners[1:]) for k in range(10)] + [corners[-1]]
    lats = tuple(LAT0 + y / 111_195 for _, y in points)
    lons = tuple(LON0 + x / M_PER_DEG_LON for x, _ in points)
    shape = Shape("LP", lats, lons, cumulative_distances(lats, lons))
    along = tuple(float(d) for d in range(0, int(LOOP_M), 500)) + (shape.length,)
    stops = {f"L{i}": Stop(f"L{i}", f"环站{i}", float(np.interp(d, shape.dists, lats)),
                           float(np.interp(d, shape.dists, lons))) for i, d in enumerate(along[:-1])}
    stop_ids = (*stops, "L0")  # round and back to the stop it left
    pattern = Pattern("LP:0", "LP", 0, "LP", stop_ids, along)
    trips, period = {}, int(shape.length / SPEED) + 120
    for k in range(LOOP_TRIPS):
        times = tuple(int(LOOP_START_S + k * period + d / SPEED) for d in along)
        trips[f"LP-{k + 1}"] = Trip(f"LP-{k + 1}", "LP", "WK", "LP:0", 0, "B1", "环线", times, times)
    # Another bus's block, ten minutes behind: a trip this bus must not take.
    times = tuple(int(LOOP_START_S + 600 + d / SPEED) for d in along)
    trips["LP-X"] = Trip("LP-X", "LP", "WK", "LP:0", 0, "B2", "环线", times, times)
    calendar = ServiceCalendar("WK", (True,) * 7, date(2026, 1, 1), date(2026, 12, 31))
    return Network("Tongchuan Bus", "Asia/Shanghai", stops, {"LP": Route("LP", "环2路", "环线", 3)},
                   {"LP": shape}, {"LP:0": pattern}, trips, {"WK": calendar},
                   {"B1": tuple(f"LP-{k + 1}" for k in range(LOOP_TRIPS)), "B2": ("LP-X",)})


def loop_reports(network: Network, since_s: float = -float("inf")) -> list[VehicleReport]:
    """The bus running block B1 to the second, a fix every 15 s from about 3 minutes
    before its first trip; only those from ``since_s`` (seconds after 07:00)."""
    shape = network.shapes["LP"]
    start = to_unix(DAY, LOOP_START_S, "Asia/Shanghai")
    period = int(shape.length / SPEED) + 120
    reports = []
    waiting = shape.length - 8.0
    for t in range(-173, LOOP_TRIPS * period, 15):  # never a fix as it leaves
        into = t % period if t >= 0 else period
        moving = 0 <= t and into * SPEED < waiting
        d = min(into * SPEED, waiting)
        if t < since_s:
            continue
        lat = float(np.interp(d, shape.dists, shape.lats))
        lon = float(np.interp(d, shape.dists, shape.lons))
        # Bearing of the side it is on (clockwise from north): east, north, west, south, east.
        bearing = (90.0, 0.0, 270.0, 270.0, 180.0, 90.0)[min(int(d // 1000), 5)]
        reports.append(VehicleReport("TC0001", start + t, lat, lon, SPEED if moving else 0.0, bearing,
                                     "test", start + t + 1))
    return reports


def test_a_bus_running_a_loop_three_times_has_each_passage_once_on_its_trip() -> None:
    network = loop_network()
    tracker = Tracker(network)
    events = [e for r in loop_reports(network) for e in tracker.observe(r).events]
    stops = len(network.patterns["LP:0"].stop_ids)
    seen = [(e.trip_id, e.stop_sequence) for e in events]
    expected = [(f"LP-{k + 1}", s) for k in range(LOOP_TRIPS) for s in range(1, stops + 1)]
    assert sorted(set(seen)) == sorted(expected)
    assert len(seen) == len(set(seen))  # once each
    for event in events:  # on time: the bus runs to the schedule
        trip = network.trips[event.trip_id]
        scheduled = to_unix(DAY, trip.arrivals[event.stop_sequence - 1], "Asia/Shanghai")
        observed = event.departure if event.stop_sequence == 1 else event.arrival
        assert observed == pytest.approx(scheduled, abs=5)


def test_a_bus_first_seen_mid_loop_takes_its_trip_and_its_next_ones() -> None:
    # The tracker starts 5.5 minutes into the bus's first trip: 2.6 km round,
    # on the loop's far side, where the other block's trip is not yet due.
    # Its block is then known from position alone: each next trip is
    # confirmed when the bus leaves the terminal.
    network = loop_network()
    tracker = Tracker(network)
    events = [e for r in loop_reports(network, since_s=330) for e in tracker.observe(r).events]
    assert {e.trip_id for e in events} == {"LP-1", "LP-2", "LP-3"}
    stops = len(network.patterns["LP:0"].stop_ids)
    for trip_id in ("LP-2", "LP-3"):
        assert sorted(e.stop_sequence for e in events if e.trip_id == trip_id) == list(range(1, stops + 1))


def test_a_bus_seen_running_a_trip_takes_it_from_a_bus_guessed_onto_it_at_the_terminal() -> None:
    # A tracker started at 07:00:05 first sees one bus standing at the loop's
    # terminal (fitting the 07:00 trip, just due, best) and then the bus that
    # left on that trip at 07:00, running on time 480 m round.
    network = loop_network()
    shape = network.shapes["LP"]
    start = to_unix(DAY, LOOP_START_S, "Asia/Shanghai")

    def at(vehicle: str, t: float, d: float, speed: float) -> VehicleReport:
        lat, lon = float(np.interp(d, shape.dists, shape.lats)), float(np.interp(d, shape.dists, shape.lons))
        return VehicleReport(vehicle, start + t, lat, lon, speed, 90.0, "test", start + t + 1)

    tracker = Tracker(network)
    tracker.observe(at("WAITS", 5, 0.0, 0.0))
    state = tracker.observe(at("RUNS", 60, 480.0, SPEED)).state
    assert state is not None and state.trip is not None and state.trip.trip_id == "LP-1"
    state = tracker.observe(at("WAITS", 20, 0.0, 0.0)).state  # it looks again: the next trip due
    assert state is not None and state.trip is not None and state.trip.trip_id == "LP-X"
