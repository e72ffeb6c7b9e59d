"""Decoded JT/T 808 fixes -> the one record type every feed produces."""

from __future__ import annotations

from feeds.jt808.messages import BatchLocation, Location
from transit.records import VehicleReport

SOURCE = "jt808"


def to_vehicle_report(loc: Location, vehicle_id: str, received_at: float) -> VehicleReport | None:
    """The ``VehicleReport`` of one fix, or None when its time is no valid instant.

    Implausible positions (0, 0 before a first fix, jumps) are passed through: the
    tracking layer judges positions, this adapter only translates them.
    """
    fix_time = loc.fix_time
    if fix_time is None:
        return None
    return VehicleReport(
        vehicle_id=vehicle_id,
        timestamp=fix_time,
        lat=loc.latitude,
        lon=loc.longitude,
        speed_mps=loc.speed_mps,
        bearing=float(loc.direction),
        source=SOURCE,
        received_at=received_at,
    )


def to_location(report: VehicleReport) -> Location:
    """The 0x0200 fix a terminal sends for ``report`` (the inverse of
    ``to_vehicle_report``, to the wire's precision: 1e-6 degree, 0.1 km/h,
    whole degrees of heading, whole seconds)."""
    return Location.at(report.lat, report.lon, report.timestamp,
                       speed_mps=max(0.0, report.speed_mps or 0.0),
                       direction=round(report.bearing or 0.0) % 360)


def list_locations(body: Location | BatchLocation) -> tuple[Location, ...]:
    """The fixes a 0x0200 or 0x0704 body carries."""
    return body.items if isinstance(body, BatchLocation) else (body,)
