"""Boardings and loads per line over a service day, from its stored
passenger flow (``transit flow build``): riders boarding and alighting per
hour, trips with a load, the heaviest load any trip carried, the mean of
each trip's heaviest load, and each direction's peak-load point (the
segment and hour that carry the most riders, where capacity is set).
Pure: the store's sums per line in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from transit.flow.peaks import PeakLoadPoint


@dataclass(frozen=True, slots=True)
class LineHour:
    route_id: str
    hour: int  # of the service day
    boardings: float
    alightings: float


@dataclass(frozen=True, slots=True)
class DirectionLoad:
    route_id: str
    direction_id: int
    trips: int  # trips with a load
    max_load: float  # riders on board at the heaviest point of the heaviest trip
    mean_trip_peak: float  # the mean over trips of each one's heaviest load


@dataclass(frozen=True, slots=True)
class LineRidership:
    route_id: str
    boardings: float
    alightings: float
    by_hour: tuple[tuple[int, float], ...]  # (hour, boardings), in hour order
    trips: int
    max_load: float
    mean_trip_peak: float
    peaks: tuple[PeakLoadPoint, ...]  # one per direction

    @property
    def boardings_per_trip(self) -> float:
        return self.boardings / self.trips if self.trips else 0.0


def line_ridership(hours: Iterable[LineHour], loads: Iterable[DirectionLoad], peaks: Iterable[PeakLoadPoint],
                   route_ids: frozenset[str]) -> list[LineRidership]:
    """One row per line of ``route_ids`` with any flow, by route id."""
    by_hour: dict[str, dict[int, list[float]]] = defaultdict(dict)
    for h in hours:
        if h.route_id in route_ids:
            sums = by_hour[h.route_id].setdefault(h.hour, [0.0, 0.0])
            sums[0] += h.boardings
            sums[1] += h.alightings
    by_direction: dict[str, list[DirectionLoad]] = defaultdict(list)
    for load in loads:
        if load.route_id in route_ids:
            by_direction[load.route_id].append(load)
    peak_of: dict[str, list[PeakLoadPoint]] = defaultdict(list)
    for peak in peaks:
        peak_of[peak.route_id].append(peak)
    rows = []
    for route_id in sorted(set(by_hour) | set(by_direction)):
        hourly = by_hour.get(route_id, {})
        directions = by_direction.get(route_id, [])
        trips = sum(d.trips for d in directions)
        rows.append(LineRidership(
            route_id, sum(b for b, _ in hourly.values()), sum(a for _, a in hourly.values()),
            tuple((hour, sums[0]) for hour, sums in sorted(hourly.items())), trips,
            max((d.max_load for d in directions), default=0.0),
            sum(d.mean_trip_peak * d.trips for d in directions) / trips if trips else 0.0,
            tuple(sorted(peak_of.get(route_id, []), key=lambda p: p.direction_id))))
    return rows
