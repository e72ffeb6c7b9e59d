"""The fleet's latest positions, as an immutable snapshot (pure; time is an argument)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from transit.records import VehicleReport


@dataclass(frozen=True, slots=True)
class VehiclePosition:
    vehicle_id: str
    lat: float
    lon: float
    speed_mps: float | None
    bearing: float | None
    timestamp: float


@dataclass(frozen=True)
class FleetSnapshot:
    """What readers see; a new snapshot replaces the old one, never mutates it."""

    at: float  # the clock when the snapshot was made, Unix seconds
    vehicles: Mapping[str, VehiclePosition] = field(default_factory=lambda: MappingProxyType({}))
    accepted: int = 0
    superseded: int = 0  # reports older than the position already held (late or duplicate)


def apply_reports(
    snapshot: FleetSnapshot, reports: Iterable[VehicleReport], now: float
) -> FleetSnapshot:
    """Keep the newest fix per vehicle; a late or repeated report never moves a
    bus back, it is counted instead."""
    vehicles = dict(snapshot.vehicles)
    accepted = superseded = 0
    for report in reports:
        held = vehicles.get(report.vehicle_id)
        if held is not None and report.timestamp <= held.timestamp:
            superseded += 1
            continue
        vehicles[report.vehicle_id] = VehiclePosition(
            report.vehicle_id, report.lat, report.lon, report.speed_mps, report.bearing,
            report.timestamp,
        )
        accepted += 1
    return FleetSnapshot(
        at=now,
        vehicles=MappingProxyType(vehicles),
        accepted=snapshot.accepted + accepted,
        superseded=snapshot.superseded + superseded,
    )


def list_live(snapshot: FleetSnapshot, now: float, max_age_s: float) -> list[VehiclePosition]:
    """Vehicles heard from within ``max_age_s`` of ``now``, by id."""
    return sorted(
        (v for v in snapshot.vehicles.values() if now - max_age_s <= v.timestamp <= now + 60),
        key=lambda v: v.vehicle_id,
    )
