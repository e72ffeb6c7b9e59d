"""Small hand-built networks for the simulator tests."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import numpy as np

from transit.model.geometry import cumulative_distances
from transit.model.network import (
    Network, Pattern, Route, ServiceCalendar, Shape, Stop, Trip,
)

WEEKDAY = date(2025, 3, 12)  # a Wednesday
SATURDAY = date(2025, 3, 15)


def make_network(
    lines: int = 2,
    stops_per_line: int = 12,
    spacing_m: float = 400.0,
    headway_s: int = 600,
    first_s: int = 6 * 3600,
    last_s: int = 21 * 3600,
    layover_s: int = 300,
) -> Network:
    """``lines`` parallel east-west lines 1 km apart, each with a zigzag shape,
    patterns in both directions and blocks shuttling between the terminals."""
    stops, routes, shapes, patterns, trips, by_block = {}, {}, {}, {}, {}, {}
    for line in range(lines):
        route_id = f"L{line + 1}"
        routes[route_id] = Route(route_id, str(line + 1), f"Line {line + 1}", 3)
        lat0, lon0 = 35.08 + line * 0.009, 108.93
        length = spacing_m * (stops_per_line - 1)
        n = int(length // 150) + 2
        lons = [lon0 + k * 150 / (111_195 * math.cos(math.radians(lat0))) for k in range(n)]
        lats = [lat0 + (0.0002 if k % 2 else 0.0) for k in range(n)]
        for direction in (0, 1):
            la, lo = (lats, lons) if direction == 0 else (lats[::-1], lons[::-1])
            dists = cumulative_distances(la, lo)
            shape_id = f"{route_id}-{direction}"
            shapes[shape_id] = Shape(shape_id, tuple(la), tuple(lo), dists)
            stop_dists = tuple(i * spacing_m for i in range(stops_per_line))
            stop_ids = []
            for i, d in enumerate(stop_dists):
                stop_id = f"{route_id}-{direction}-S{i + 1:02d}"
                lat = float(np.interp(d, dists, la))
                lon = float(np.interp(d, dists, lo))
                stops[stop_id] = Stop(stop_id, f"Stop {stop_id}", lat, lon)
                stop_ids.append(stop_id)
            patterns[shape_id] = Pattern(shape_id, route_id, direction, shape_id,
                                         tuple(stop_ids), stop_dists)
        duration = 60 * (stops_per_line - 1)
        cycle = 2 * (duration + layover_s)
        for b in range(math.ceil(cycle / headway_s)):
            block_id = f"{route_id}-B{b + 1}"
            start, direction, block_trips = first_s + b * headway_s, 0, []
            while start <= last_s:
                trip_id = f"{route_id}-{start:05d}-{direction}"
                times = tuple(start + 60 * i for i in range(stops_per_line))
                trips[trip_id] = Trip(trip_id, route_id, "WK", f"{route_id}-{direction}",
                                      direction, block_id, f"to {direction}", times, times)
                block_trips.append(trip_id)
                start += duration + layover_s
                direction = 1 - direction
            by_block[block_id] = tuple(block_trips)
    calendar = ServiceCalendar("WK", (True,) * 7, date(2025, 1, 1), date(2026, 12, 31))
    return Network("Tongchuan Bus", "Asia/Shanghai", stops, routes, shapes, patterns,
                   trips, {"WK": calendar}, by_block)


def halve_headway(trips: list[Trip], route_id: str, start_s: int, end_s: int) -> list[Trip]:
    """``trips`` with one more trip between each two of ``route_id``'s that
    leave in ``[start_s, end_s)`` in the same pattern: a copy of the earlier one
    shifted by half the gap, run by a vehicle of its own."""
    extra = []
    by_pattern: dict[str, list[Trip]] = {}
    for trip in sorted(trips, key=lambda t: t.start):
        if trip.route_id == route_id:
            by_pattern.setdefault(trip.pattern_id, []).append(trip)
    for pattern_trips in by_pattern.values():
        for before, after in zip(pattern_trips, pattern_trips[1:]):
            if start_s <= before.start and after.start < end_s:
                shift = (after.start - before.start) // 2
                extra.append(replace(
                    before, trip_id=f"{before.trip_id}+half", block_id=f"extra-{before.trip_id}",
                    arrivals=tuple(t + shift for t in before.arrivals),
                    departures=tuple(t + shift for t in before.departures)))
    return [*trips, *extra]
