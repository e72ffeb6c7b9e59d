"""A tiny hand-made network, stop events and taps for the flow tests.

Line A runs east along one street, stops A1..A6 400 m apart, both directions
serving the same stops. Line B runs north across it: B1..B4 400 m apart, B2
150 m north of A4 (a transfer), B1 on the far side, 250 m south of A4.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

from transit.model.network import Network, Pattern, Route, ServiceCalendar, Shape, Stop, Trip
from transit.model.service_days import to_unix
from transit.records import PaymentMedium, StopEvent, Tap

DAY = date(2025, 3, 12)
LAT0, LON0 = 35.0, 109.0
M_LAT = 1 / 111_195.0
M_LON = 1 / (111_195.0 * math.cos(math.radians(LAT0)))
SPACING = 400


def at(hour: float) -> float:
    """Unix seconds of ``hour`` (service-day hours) on DAY."""
    return to_unix(DAY, hour * 3600, "Asia/Shanghai")


def _line(route_id: str, stops: Sequence[Stop]) -> tuple[dict, dict]:
    """Shapes and patterns both ways along ``stops`` (straight segments)."""
    shapes, patterns = {}, {}
    for direction, ordered in enumerate((list(stops), list(stops)[::-1])):
        pattern_id = f"{route_id}{direction}"
        dists = tuple(float(SPACING * i) for i in range(len(ordered)))
        shapes[pattern_id] = Shape(pattern_id, tuple(s.lat for s in ordered),
                                   tuple(s.lon for s in ordered), dists)
        patterns[pattern_id] = Pattern(pattern_id, route_id, direction, pattern_id,
                                       tuple(s.stop_id for s in ordered), dists)
    return shapes, patterns


def make_network() -> Network:
    a_stops = [Stop(f"A{i + 1}", f"A{i + 1}", LAT0, LON0 + i * SPACING * M_LON) for i in range(6)]
    a4 = a_stops[3]
    b_stops = [Stop(f"B{i + 1}", f"B{i + 1}", a4.lat + (-250 + i * SPACING) * M_LAT, a4.lon)
               for i in range(4)]
    shapes, patterns = _line("A", a_stops)
    more_shapes, more_patterns = _line("B", b_stops)
    shapes.update(more_shapes)
    patterns.update(more_patterns)
    trips = {}
    for pattern in patterns.values():
        for n, start in enumerate((7 * 3600, 8 * 3600, 17 * 3600)):
            times = tuple(start + 120 * i for i in range(len(pattern.stop_ids)))
            trip_id = f"{pattern.pattern_id}-{n + 1}"
            trips[trip_id] = Trip(trip_id, pattern.route_id, "WK", pattern.pattern_id,
                                  pattern.direction_id, None, "", times, times)
    stops = {s.stop_id: s for s in a_stops + b_stops}
    routes = {r: Route(r, r, f"Line {r}", 3) for r in ("A", "B")}
    calendar = ServiceCalendar("WK", (True,) * 7, date(2025, 1, 1), date(2025, 12, 31))
    return Network("Test", "Asia/Shanghai", stops, routes, shapes, patterns, trips,
                   {"WK": calendar})


def trip_events(network: Network, trip_id: str, vehicle_id: str, start: float,
                dwell_s: float | Sequence[float] = 20.0, run_s: float | Sequence[float] = 100.0,
                skip: Sequence[int] = ()) -> list[StopEvent]:
    """Stop events of a trip leaving its first stop at ``start``: ``run_s``
    into each stop, ``dwell_s`` at each (one for all, or per stop index);
    stop indexes in ``skip`` missed."""
    pattern = network.patterns[network.trips[trip_id].pattern_id]
    dwells = [dwell_s] * len(pattern.stop_ids) if isinstance(dwell_s, float) else list(dwell_s)
    runs = [run_s] * len(pattern.stop_ids) if isinstance(run_s, float) else list(run_s)
    events = []
    departure = start
    for i, stop_id in enumerate(pattern.stop_ids):
        arrival = None if i == 0 else departure + runs[i]
        departure = start if i == 0 else arrival + dwells[i]  # type: ignore[operator]
        last = i == len(pattern.stop_ids) - 1
        if i not in skip:
            events.append(StopEvent(DAY, trip_id, i + 1, stop_id, vehicle_id, arrival,
                                    None if last else departure))
    return events


def dwell_time(start: float, index: int, dwell_s: float = 20.0, run_s: float = 100.0) -> float:
    """The middle of stop ``index``'s dwell on a trip of ``trip_events``."""
    if index == 0:
        return start - dwell_s / 2
    return start + index * (run_s + dwell_s) - dwell_s / 2


def tap(tap_id: str, vehicle_id: str, timestamp: float, account: str = "card-1") -> Tap:
    return Tap(tap_id, vehicle_id, timestamp, PaymentMedium.CARD, account, None, None,
               timestamp + 5)
