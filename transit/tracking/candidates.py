"""Finding which trip a bus runs when nothing says so: the patterns whose shape
it is on, and the trips of those patterns the schedule puts there about now."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date

from transit.model.network import Network, Pattern, Trip
from transit.tracking.shapes import PreparedShape

CELL_M = 250.0
# A bus first seen standing still is likelier waiting at a terminal for its
# trip than stopped mid-route on another: that match costs as much as 10 min off schedule.
STANDING_MID_ROUTE_COST_S = 600.0
# A bus standing at a trip's first stop, guessed by position alone, takes a
# trip due out longer ago than this only if no later departure there is in
# sight: that trip is likelier run by a bus under way (issue 10: started
# mid-day, a bus parked between trips took one gone 10 min before). Moving
# off, it is matched as before, and its departure confirms its trip.
LEFT_LONG_AGO_S = 300.0


@dataclass(frozen=True, slots=True)
class Candidate:
    trip: Trip
    service_date: date
    along: float  # metres along the pattern's shape
    deviation_s: float  # positive: the bus is later than the schedule here


class PatternGrid:
    """Which patterns pass near a point, and where along them: shape segments
    bucketed by grid cell, so matching projects onto a few metres of a few
    shapes instead of every shape end to end."""

    def __init__(self, patterns: Mapping[str, Pattern], shapes: Mapping[str, PreparedShape]) -> None:
        cells: dict[tuple[int, int], dict[str, tuple[float, float]]] = defaultdict(dict)
        for pattern in patterns.values():
            shape = shapes[pattern.shape_id]
            for i in range(len(shape.xs) - 1):
                span = (shape.dists[i], shape.dists[i + 1])
                for cell in _cells_along(shape.xs[i], shape.ys[i], shape.xs[i + 1], shape.ys[i + 1]):
                    known = cells[cell].get(pattern.pattern_id)
                    cells[cell][pattern.pattern_id] = (
                        span if known is None else (min(known[0], span[0]), max(known[1], span[1]))
                    )
        self._cells = dict(cells)

    def near(self, x: float, y: float) -> dict[str, tuple[float, float]]:
        """pattern_id -> (from, to) metres along its shape passing nearby."""
        cx, cy = int(math.floor(x / CELL_M)), int(math.floor(y / CELL_M))
        found: dict[str, tuple[float, float]] = {}
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for pattern_id, (lo, hi) in self._cells.get((cx + dx, cy + dy), {}).items():
                    known = found.get(pattern_id)
                    found[pattern_id] = (lo, hi) if known is None else (min(known[0], lo), max(known[1], hi))
        return found


def _cells_along(ax: float, ay: float, bx: float, by: float) -> list[tuple[int, int]]:
    steps = max(1, int(math.hypot(bx - ax, by - ay) / (CELL_M / 2)))
    return list({
        (int(math.floor((ax + (bx - ax) * k / steps) / CELL_M)),
         int(math.floor((ay + (by - ay) * k / steps) / CELL_M)))
        for k in range(steps + 1)
    })


def scheduled_time_at(trip: Trip, pattern: Pattern, along: float) -> float:
    """Service-day seconds at which the schedule puts the trip ``along`` metres
    along its shape (interpolated between stops; dwell counted at the stop)."""
    dists = pattern.stop_dists
    if along <= dists[0]:
        return float(trip.departures[0])
    if along >= dists[-1]:
        return float(trip.arrivals[-1])
    i = bisect_left(dists, along)
    d0, d1 = dists[i - 1], dists[i]
    t0, t1 = trip.departures[i - 1], trip.arrivals[i]
    share = 0.0 if d1 <= d0 else (along - d0) / (d1 - d0)
    return t0 + share * (t1 - t0)


def trips_by_pattern(network: Network) -> dict[str, list[Trip]]:
    grouped: dict[str, list[Trip]] = defaultdict(list)
    for trip in network.trips.values():
        grouped[trip.pattern_id].append(trip)
    for trips in grouped.values():
        trips.sort(key=lambda t: (t.start, t.trip_id))
    return dict(grouped)


def list_candidates(
    trips: Sequence[Trip],
    pattern: Pattern,
    along: float,
    now: float,
    service_days: Sequence[tuple[date, float, frozenset[str]]],
    early_s: float,
    late_s: float,
) -> list[Candidate]:
    """Trips of ``pattern`` running on one of ``service_days`` (date, Unix time
    of its GTFS origin, active service ids) whose schedule puts them at
    ``along`` between ``early_s`` after and ``late_s`` before ``now``."""
    found = []
    for day, origin, services in service_days:
        for trip in trips:
            if trip.service_id not in services:
                continue
            if origin + trip.start > now + early_s + 3600 or origin + trip.end < now - late_s - 3600:
                continue
            deviation = now - (origin + scheduled_time_at(trip, pattern, along))
            if -early_s <= deviation <= late_s:
                found.append(Candidate(trip, day, along, deviation))
    return found


def lateness_cost(deviation_s: float) -> float:
    """Buses run late far more often than early: early costs three times more."""
    return deviation_s if deviation_s >= 0 else -3.0 * deviation_s


def match_cost(candidate: Candidate, origin: float, now: float, *, at_start: bool,
               standing: bool) -> float:
    """How badly a bus seen at ``now`` fits ``candidate`` (``origin``: Unix
    time of its service day's GTFS origin); lower is better, in seconds."""
    if at_start:
        # At a terminal a bus waits for its trip: the next departure fits
        # best, one that should already have left less well.
        wait = origin + candidate.trip.start - now
        return wait if wait >= 0 else -3.0 * wait
    return lateness_cost(candidate.deviation_s) + (STANDING_MID_ROUTE_COST_S if standing else 0.0)


def left_long_ago(candidate: Candidate, origin: float, now: float) -> bool:
    """The candidate trip was due to leave its first stop over LEFT_LONG_AGO_S before ``now``."""
    return now - (origin + candidate.trip.start) > LEFT_LONG_AGO_S


def nearest_departure(guessed: Trip, free: Sequence[Trip], departed_s: float) -> Trip:
    """Of ``guessed`` and the ``free`` trips, the one whose scheduled first
    departure is nearest ``departed_s`` (service-day seconds), lateness being
    likelier than earliness; ``guessed`` on a tie."""
    best = (lateness_cost(departed_s - guessed.start), guessed)
    for trip in free:
        cost = lateness_cost(departed_s - trip.start)
        if cost < best[0]:
            best = (cost, trip)
    return best[1]
