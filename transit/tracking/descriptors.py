"""The trip a feed says a bus runs (a GTFS-Realtime TripDescriptor on the
report): weighed, not obeyed. Pure.

A feed's trip is the best evidence there is of which trip a bus runs when no
vehicle-to-block assignment says so (WMATA: 51.6% of trip-hours on the right
trip from positions alone). But feeds name trips of another GTFS version, name
the next trip before the last one is over, or keep naming a trip the bus has
finished. So a named trip is taken only where the bus is on it: near its shape,
moving its way, at about its time, and not at its end.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from transit.model.network import Network, Pattern, Trip
from transit.records import VehicleReport
from transit.tracking.days import ServiceDay, ServiceDays
from transit.tracking.runs import Vehicle, heading_along
from transit.tracking.shapes import PreparedShape


class DescriptorOutcome(enum.Enum):
    """What a report's trip descriptor did, counted by report."""

    FOLLOWED = "followed"  # the tracker's trip is the one named: kept, or taken
    SWITCHED = "switched"  # the bus left the trip it was followed on for the one named
    OFF_SHAPE = "off_shape"  # too far from the named trip's shape, or running against it
    TRIP_OVER = "trip_over"  # at the named trip's end, or it was just run: the feed lags
    NOT_RUNNING = "not_running"  # no service day around the fix runs it about now
    HELD = "held"  # another bus naming the same trip runs it
    UNKNOWN_TRIP = "unknown_trip"  # not in the live schedule (a typo, another GTFS version)
    ROUTE_ONLY = "route_only"  # no trip taken: the named route (and direction) bound matching
    UNKNOWN_ROUTE = "unknown_route"  # a route the live schedule does not have: ignored


@dataclass(frozen=True, slots=True)
class DescriptorParams:
    max_off_shape_m: float = 300.0  # farther from the named trip's shape: not on it
    early_s: float = 3600.0  # a trip named this long before its first departure is not running
    late_s: float = 3600.0  # ... nor one named this long after its last arrival
    # The shape up to this far past its first stop is searched first (see locate_on_trip).
    start_window_m: float = 200.0


@dataclass(frozen=True, slots=True)
class NamedTrip:
    """Where the bus is on the trip its report names."""

    trip: Trip
    service_date: date
    along: float  # metres along the trip's shape
    at_start: bool  # at or short of its first stop: waiting to run it


@dataclass(frozen=True, slots=True)
class RouteFilter:
    """The route (and direction, when named) a report says its bus serves."""

    route_id: str
    direction_id: int | None

    def allows(self, pattern: Pattern) -> bool:
        return pattern.route_id == self.route_id and self.direction_id in (None, pattern.direction_id)

    def allows_trip(self, trip: Trip) -> bool:
        return trip.route_id == self.route_id and self.direction_id in (None, trip.direction_id)


def find_service_date(
    trip: Trip, t: float, start_date: date | None, service_days: Sequence[ServiceDay],
    params: DescriptorParams,
) -> date | None:
    """The service day on which ``trip`` runs about ``t``: of ``service_days``,
    the one named by ``start_date`` when given; None when none fits."""
    best: tuple[float, date] | None = None
    for day, origin, services in service_days:
        if trip.service_id not in services or start_date not in (None, day):
            continue
        if not origin + trip.start - params.early_s <= t <= origin + trip.end + params.late_s:
            continue
        distance = abs(t - (origin + trip.start))
        if best is None or distance < best[0]:
            best = (distance, day)
    return None if best is None else best[1]


def locate_on_trip(
    pattern: Pattern, shape: PreparedShape, x: float, y: float,
    zone_m: float, params: DescriptorParams,
) -> tuple[float, bool] | DescriptorOutcome:
    """(metres along, at the start) of a fix on a trip of ``pattern``, or why the
    bus is not on it. The start is tried first: a loop's start and end are one
    place, and a bus taking up a trip is at its start far more often than at
    its end."""
    first, last = pattern.stop_dists[0], pattern.stop_dists[-1]
    chosen = shape.project(x, y, -math.inf, first + zone_m + params.start_window_m)
    if chosen.offset > zone_m:
        whole = shape.project(x, y)
        if whole.offset + zone_m < chosen.offset:
            chosen = whole
    if chosen.offset > params.max_off_shape_m:
        return DescriptorOutcome.OFF_SHAPE
    if chosen.along >= last - zone_m:
        return DescriptorOutcome.TRIP_OVER
    return chosen.along, chosen.along <= first + zone_m


def find_named_trip(
    report: VehicleReport, vehicle: Vehicle, network: Network,
    shapes: Mapping[str, PreparedShape], service_days: ServiceDays,
    xy: tuple[float, float], zone_m: float, on_route_m: float, params: DescriptorParams,
) -> NamedTrip | DescriptorOutcome:
    """Where ``vehicle`` (its last fix at ``xy``, local frame) is on the trip
    ``report`` names, or why it is not to be put on it: it is on it already
    (FOLLOWED), has just run it (TRIP_OVER), the trip is unknown, not running
    about now, or the bus is off its shape or runs against it."""
    t = report.timestamp
    for run, outcome in ((vehicle.run, DescriptorOutcome.FOLLOWED),
                         (vehicle.finished, DescriptorOutcome.TRIP_OVER)):
        if run is not None and run.trip.trip_id == report.trip_id \
                and report.start_date in (None, run.service_date):
            return outcome
    trip = network.trips.get(report.trip_id or "")
    if trip is None:
        return DescriptorOutcome.UNKNOWN_TRIP
    day = find_service_date(trip, t, report.start_date, service_days.around(t), params)
    if day is None:
        return DescriptorOutcome.NOT_RUNNING
    pattern = network.patterns[trip.pattern_id]
    shape = shapes[pattern.shape_id]
    where = locate_on_trip(pattern, shape, *xy, zone_m, params)
    if isinstance(where, DescriptorOutcome):
        return where
    along, at_start = where
    if not at_start and heading_along(vehicle, shape, along, t, on_route_m) is False:
        return DescriptorOutcome.OFF_SHAPE
    return NamedTrip(trip, day, along, at_start)


def find_route_filter(
    report: VehicleReport, network: Network,
) -> tuple[RouteFilter | None, DescriptorOutcome | None]:
    """The route filter a report names (ROUTE_ONLY), or none: the schedule
    lacks its route (UNKNOWN_ROUTE), or it names no route (a direction alone
    says nothing: each route numbers its own)."""
    if report.route_id is None:
        return None, None
    if report.route_id not in network.routes:
        return None, DescriptorOutcome.UNKNOWN_ROUTE
    return RouteFilter(report.route_id, report.direction_id), DescriptorOutcome.ROUTE_ONLY
