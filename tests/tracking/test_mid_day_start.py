"""A tracker started mid-day: every bus is first seen under way or standing
between trips, and guessed onto a trip by position alone (issue 10, live
equals replay: buses guessed onto one another's trips kept them)."""

from __future__ import annotations

import math
from datetime import date

import numpy as np

from transit.model.geometry import cumulative_distances
from transit.model.network import Network, Pattern, Route, ServiceCalendar, Shape, Stop, Trip
from transit.model.service_days import to_unix
from transit.records import VehicleReport
from transit.tracking.tracker import Tracker

DAY = date(2026, 3, 4)
TZ = "Asia/Shanghai"
LAT0, LON0 = 35.07, 109.07
M_PER_DEG_LON = 111_195 * math.cos(math.radians(LAT0))
SPEED = 8.0  # m/s
LENGTH_M = 30_000.0
FIRST_S = 7 * 3600


def east_line(headway_s: int, trips: int) -> Network:
    """A 30 km line due east, a stop every 500 m, trips every ``headway_s``
    at SPEED to the second, each its own block."""
    points = [(LAT0, LON0 + k * 100 / M_PER_DEG_LON) for k in range(int(LENGTH_M / 100) + 1)]
    lats, lons = zip(*points, strict=True)
    shape = Shape("E", tuple(lats), tuple(lons), cumulative_distances(lats, lons))
    along = tuple(float(d) for d in range(0, int(LENGTH_M) + 1, 500))
    stops = {f"S{i}": Stop(f"S{i}", f"S{i}", float(np.interp(d, shape.dists, lats)),
                           float(np.interp(d, shape.dists, lons))) for i, d in enumerate(along)}
    pattern = Pattern("E:0", "E", 0, "E", tuple(stops), along)
    network_trips = {}
    for k in range(trips):
        times = tuple(int(FIRST_S + k * headway_s + d / SPEED) for d in along)
        network_trips[f"E-{k}"] = Trip(f"E-{k}", "E", "WK", "E:0", 0, f"B{k}", "East", times, times)
    calendar = ServiceCalendar("WK", (True,) * 7, date(2026, 1, 1), date(2026, 12, 31))
    return Network("Loop City", TZ, stops, {"E": Route("E", "E", "East", 3)}, {"E": shape},
                   {"E:0": pattern}, network_trips, {"WK": calendar},
                   {f"B{k}": (f"E-{k}",) for k in range(trips)})


def at(network: Network, vehicle: str, t: float, d: float, speed: float) -> VehicleReport:
    shape = network.shapes["E"]
    lat = float(np.interp(d, shape.dists, shape.lats))
    lon = float(np.interp(d, shape.dists, shape.lons))
    return VehicleReport(vehicle, t, lat, lon, speed, 90.0, "test", t + 1)


def trips_of(tracker: Tracker) -> dict[str, str | None]:
    return {s.vehicle_id: s.trip.trip_id if s.trip else None for s in tracker.list_states()}


def test_a_bus_standing_at_the_first_stop_is_not_guessed_onto_a_trip_gone_long_ago() -> None:
    # Trips every 30 min; at 08:06:40 a bus parked at the first stop fits E-2
    # (due out at 08:00, 400 s ago: 1,200 s as lateness at a terminal costs)
    # better than E-3 (at 08:30, 1,400 s): E-2 is likelier run by a bus under
    # way, and a bus waiting there waits for the next departure. Once it leaves
    # (08:08:40), its departure decides: E-2, 520 s late.
    network = east_line(1800, 4)
    origin = to_unix(DAY, 0, TZ)
    now = origin + FIRST_S + 2 * 1800 + 400
    tracker = Tracker(network)
    for dt in range(0, 120, 10):
        tracker.observe(at(network, "TC0005", now + dt, 0.0, 0.0))
    assert trips_of(tracker)["TC0005"] == "E-3"
    for dt in range(120, 240, 10):
        tracker.observe(at(network, "TC0005", now + dt, (dt - 120) * SPEED, SPEED))
    assert trips_of(tracker)["TC0005"] == "E-2"


def test_a_block_guessed_from_position_is_confirmed_by_an_assignment_or_a_departure() -> None:
    # At 08:06:40 TC0001 is under way 3.2 km along E-2 and TC0005 parked at
    # the first stop; TC0009 runs E-1 by assignment. Only a bus assigned or
    # seen leaving a first stop is surely on its block: the predictor
    # publishes the block's next trips for it alone.
    network = east_line(1800, 4)
    origin = to_unix(DAY, 0, TZ)
    now = origin + FIRST_S + 2 * 1800 + 400
    tracker = Tracker(network, assignments={(DAY, "TC0009"): "B1"})
    for dt in range(0, 120, 10):
        tracker.observe(at(network, "TC0001", now + dt, (400 + dt) * SPEED, SPEED))
        tracker.observe(at(network, "TC0005", now + dt, 0.0, 0.0))
        tracker.observe(at(network, "TC0009", now + dt, (2200 + dt) * SPEED, SPEED))
    states = {s.vehicle_id: s for s in tracker.list_states()}
    assert {v: (s.trip.trip_id if s.trip else None, s.block_confirmed) for v, s in states.items()} == {
        "TC0001": ("E-2", False), "TC0005": ("E-3", False), "TC0009": ("E-1", True)}
    for dt in range(120, 240, 10):
        tracker.observe(at(network, "TC0005", now + dt, (dt - 120) * SPEED, SPEED))
    states = {s.vehicle_id: s for s in tracker.list_states()}
    assert states["TC0005"].block_confirmed
