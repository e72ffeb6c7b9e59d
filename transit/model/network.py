"""Stops, routes, shapes, patterns, trips and calendars of one schedule version.

Times of day are GTFS service-day seconds: seconds after "noon minus 12 h" of the
service day, so 25:10:00 (a trip after midnight) is 90600. See ``service_days``.
Distances are metres along the shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class Stop:
    stop_id: str
    name: str
    lat: float
    lon: float
    code: str | None = None


@dataclass(frozen=True, slots=True)
class Route:
    route_id: str
    short_name: str
    long_name: str
    route_type: int
    agency_id: str | None = None


@dataclass(frozen=True, slots=True)
class Shape:
    """A polyline with the cumulative distance (m) at each point, from 0."""

    shape_id: str
    lats: tuple[float, ...]
    lons: tuple[float, ...]
    dists: tuple[float, ...]

    @property
    def length(self) -> float:
        return self.dists[-1]


@dataclass(frozen=True, slots=True)
class Pattern:
    """The ordered stops a group of trips serve along one shape.

    ``stop_dists[i]`` is where stop ``i`` lies along the shape, in metres,
    non-decreasing, so loops and streets served twice keep their order.
    """

    pattern_id: str
    route_id: str
    direction_id: int
    shape_id: str
    stop_ids: tuple[str, ...]
    stop_dists: tuple[float, ...]
    # GTFS stop_sequence values; empty means 1, 2, 3, ... (a hand-built pattern).
    stop_sequences: tuple[int, ...] = ()

    def sequence_at(self, index: int) -> int:
        return self.stop_sequences[index] if self.stop_sequences else index + 1


@dataclass(frozen=True, slots=True)
class Trip:
    """One scheduled run; ``arrivals``/``departures`` align with the pattern's stops."""

    trip_id: str
    route_id: str
    service_id: str
    pattern_id: str
    direction_id: int
    block_id: str | None
    headsign: str
    arrivals: tuple[int, ...]
    departures: tuple[int, ...]

    @property
    def start(self) -> int:
        return self.departures[0]

    @property
    def end(self) -> int:
        return self.arrivals[-1]


@dataclass(frozen=True, slots=True)
class ServiceCalendar:
    """When a service_id runs: weekly pattern in a date range plus exceptions."""

    service_id: str
    weekdays: tuple[bool, bool, bool, bool, bool, bool, bool]  # Monday first
    start: date | None
    end: date | None
    added: frozenset[date] = frozenset()
    removed: frozenset[date] = frozenset()

    def runs_on(self, day: date) -> bool:
        if day in self.removed:
            return False
        if day in self.added:
            return True
        in_range = (
            self.start is not None
            and self.end is not None
            and self.start <= day <= self.end
        )
        return in_range and self.weekdays[day.weekday()]


@dataclass(frozen=True, slots=True)
class Network:
    """One schedule version, indexed by id. Built by ``transit.gtfs.load``."""

    agency_name: str
    timezone: str
    stops: Mapping[str, Stop]
    routes: Mapping[str, Route]
    shapes: Mapping[str, Shape]
    patterns: Mapping[str, Pattern]
    trips: Mapping[str, Trip]
    calendars: Mapping[str, ServiceCalendar]
    trips_by_block: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
