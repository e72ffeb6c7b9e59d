"""Vehicle states and GTFS-RT messages over the tiny feed, built in a line each."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from google.transit import gtfs_realtime_pb2

from tests.gtfs.tinyfeed import TINY_FEED, zip_feed

from transit.flow.crowding import Crowding, CrowdingParams
from transit.model.service_days import to_unix
from transit.tracking.state import StopStatus, TripRef, VehicleState

MONDAY = date(2026, 3, 2)
TZ = "Asia/Shanghai"
AT_0705 = to_unix(MONDAY, 7 * 3600 + 300, TZ)


def matched(vehicle_id: str = "TC0001", at: float = AT_0705 - 10, *,
            trip_id: str = "T1", start: int = 7 * 3600, day: date = MONDAY,
            lat: float = 35.0705, lon: float = 109.0740) -> VehicleState:
    return VehicleState(
        vehicle_id=vehicle_id, timestamp=at, lat=lat, lon=lon, speed_mps=6.5, bearing=45.0,
        trip=TripRef(trip_id, "R1", 0, day, start, "B1"),
        stop_index=1, stop_sequence=2, stop_id="S2", status=StopStatus.IN_TRANSIT_TO,
        distance_along=250.0, delay_s=30.0,
    )


def crowded(vehicle_id: str = "TC0001", trip_id: str = "T1", load: float = 50.0,
            day: date = MONDAY) -> Crowding:
    """The live estimate of ``vehicle_id`` on ``trip_id``: ``load`` riders of 80."""
    params = CrowdingParams()
    return Crowding(vehicle_id, trip_id, day, load, round(100 * load / params.capacity),
                    params.status(load), True, int(load), AT_0705 - 30)


def unmatched(vehicle_id: str = "TC0009", at: float = AT_0705 - 5) -> VehicleState:
    return VehicleState(
        vehicle_id=vehicle_id, timestamp=at, lat=35.0691, lon=109.0721, speed_mps=None,
        bearing=None, trip=None, stop_index=None, stop_sequence=None, stop_id=None,
        status=None, distance_along=None, delay_s=None,
    )


def position_message(*entities: tuple[str, str | None, float | None, float, float],
                     header_timestamp: int = 1_771_257_600) -> bytes:
    """VehiclePositions bytes; each entity is (entity id, vehicle id, timestamp, lat, lon)."""
    message = gtfs_realtime_pb2.FeedMessage()
    message.header.gtfs_realtime_version = "2.0"
    message.header.timestamp = header_timestamp
    for entity_id, vehicle_id, timestamp, lat, lon in entities:
        entity = message.entity.add()
        entity.id = entity_id
        if vehicle_id is not None:
            entity.vehicle.vehicle.id = vehicle_id
        if timestamp is not None:
            entity.vehicle.timestamp = int(timestamp)
        entity.vehicle.position.latitude = lat
        entity.vehicle.position.longitude = lon
        entity.vehicle.position.speed = 7.5
        entity.vehicle.position.bearing = 90.0
        entity.vehicle.trip.trip_id = f"trip-{entity_id}"
    return message.SerializeToString()


def validate(tmp_path: Path, message: gtfs_realtime_pb2.FeedMessage, role: str) -> tuple[object, Path]:
    """(gtfs-rt-validator result, report folder) of ``message`` against the tiny
    feed; ``role`` is the validator's feed role: "vp" or "tu"."""
    api = pytest.importorskip(
        "gtfs_rt_validator.api",
        reason="gtfs-rt-validator not installed (pip install gtfs-rt-validator)",
    )
    gtfs = tmp_path / "tiny.zip"
    gtfs.write_bytes(zip_feed(TINY_FEED))
    feed = tmp_path / f"{role}.pb"
    feed.write_bytes(message.SerializeToString())
    result = api.validate(api.Request(
        mode=api.Mode.MODERN,
        gtfs=gtfs,
        inputs=api.resolve_roles({role: str(feed)}),
        at=datetime.fromtimestamp(AT_0705 + 2, ZoneInfo(TZ)),
    ))
    result.write(tmp_path / "report")
    return result, tmp_path / "report"
