"""Loads by segment and hour, and each line direction's peak-load point: the
segment and hour that carry the most riders (where a line's capacity is set)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from transit.flow.loads import SegmentLoad
from transit.model.service_days import service_day_origin

SegmentHour = tuple[str, int, int, str, str, int]  # route, direction, segment, from, to, hour


@dataclass(frozen=True, slots=True)
class PeakLoadPoint:
    route_id: str
    direction_id: int
    hour: int  # of the service day
    from_stop_id: str
    to_stop_id: str
    load: float  # riders across that segment in that hour, all trips


def hourly_loads(loads: Iterable[SegmentLoad], timezone: str) -> dict[SegmentHour, float]:
    """Riders across each segment per hour of the service day, by when the bus
    left the segment's first stop."""
    hourly: dict[SegmentHour, float] = {}
    origins: dict = {}
    for s in loads:
        if s.service_date not in origins:
            origins[s.service_date] = service_day_origin(s.service_date, timezone).timestamp()
        key = (s.route_id, s.direction_id, s.segment, s.from_stop_id, s.to_stop_id,
               int((s.departure - origins[s.service_date]) // 3600))
        hourly[key] = hourly.get(key, 0.0) + s.load
    return hourly


def peak_load_points(hourly: dict[SegmentHour, float]) -> list[PeakLoadPoint]:
    """Per line and direction, the segment and hour that carry the most riders."""
    best: dict[tuple[str, int], PeakLoadPoint] = {}
    for (route_id, direction_id, _, a, b, hour), load in sorted(hourly.items()):
        current = best.get((route_id, direction_id))
        if current is None or load > current.load:
            best[(route_id, direction_id)] = PeakLoadPoint(route_id, direction_id, hour, a, b, load)
    return sorted(best.values(), key=lambda p: (p.route_id, p.direction_id))
