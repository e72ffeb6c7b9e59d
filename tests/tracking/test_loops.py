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


def out_and_back() -> Network:
    # East 2 km along one street, then back west on it (4 m to the side, the other lane).
    east = [(LAT0, LON0 + k * 100 / M_PER_DEG_LON) for k in range(21)]
    west = [(LAT0 + 4 / 111_195, lon) for _, lon in reversed(east)]
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


def test_each_passage_of_a_street_driven_twice_is_found_in_order() -> None:
    network = out_and_back()
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
