"""GTFS-Realtime VehiclePositions bytes -> our report records (pure).

Error policy: bytes that are not a FeedMessage raise ``UndecodableFeed`` (the
whole fetch is useless); an entity that cannot become a report (no vehicle, no
position, no vehicle id, no timestamp, coordinates off the globe) is skipped and
counted by reason, so one bad bus never costs the others. A trip descriptor
field unfit to store (a control character, an overlong id, a bad date) is left
out of the report, which is kept, and counted (``descriptors_dropped``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType


from google.protobuf.message import DecodeError
from google.transit import gtfs_realtime_pb2

from transit.records import VehicleReport
from transit.validation import MAX_ID_CHARS, MAX_TRIP_ID_CHARS, check_text


class UndecodableFeed(ValueError):
    """The payload is not a GTFS-Realtime FeedMessage."""

    def __init__(self, source: str, size: int, reason: str) -> None:
        super().__init__(f"{source}: {size} bytes are not a GTFS-Realtime FeedMessage: {reason}")
        self.source = source
        self.size = size
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ObservedReport:
    """A report plus what its feed said about the trip, kept to compare our
    trip assignment and stop passages against the operator's own."""

    report: VehicleReport
    trip_id: str | None
    stop_id: str | None
    current_stop_sequence: int | None
    descriptor_dropped: bool = False  # a trip field was unfit and left out of the report


@dataclass(frozen=True, slots=True)
class DecodeResult:
    """What one message gave: usable reports, and skipped entities by reason."""

    observed: tuple[ObservedReport, ...]
    header_timestamp: float | None
    entities: int
    skipped: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    descriptors_dropped: int = 0  # reports kept whose trip descriptor was partly unfit

    @property
    def reports(self) -> tuple[VehicleReport, ...]:
        return tuple(o.report for o in self.observed)


# Reasons an entity is skipped, as counted in ``DecodeResult.skipped``.
NO_VEHICLE = "no_vehicle_position"  # a TripUpdate or Alert entity, or a deletion
NO_POSITION = "no_position"
NO_VEHICLE_ID = "no_vehicle_id"
NO_TIMESTAMP = "no_timestamp"
BAD_POSITION = "bad_position"  # not finite, off the globe, or exactly (0, 0)


def parse_feed_message(payload: bytes, source: str = "gtfsrt") -> gtfs_realtime_pb2.FeedMessage:
    """Raises ``UndecodableFeed`` when ``payload`` is not a FeedMessage."""
    message = gtfs_realtime_pb2.FeedMessage()
    try:
        message.ParseFromString(payload)
    except DecodeError as exc:
        raise UndecodableFeed(source, len(payload), str(exc)) from exc
    # An empty payload parses but lacks the required header: not a feed either.
    if not message.HasField("header"):
        raise UndecodableFeed(source, len(payload), "no feed header")
    return message


def decode_vehicle_positions(
    payload: bytes, received_at: float, source: str = "gtfsrt"
) -> DecodeResult:
    """The reports of one VehiclePositions payload, received at ``received_at``."""
    return reports_from_message(parse_feed_message(payload, source), received_at, source)


def reports_from_message(
    message: gtfs_realtime_pb2.FeedMessage, received_at: float, source: str = "gtfsrt"
) -> DecodeResult:
    observed: list[ObservedReport] = []
    skipped: Counter[str] = Counter()
    for entity in message.entity:
        item = _observed(entity, received_at, source)
        if isinstance(item, str):
            skipped[item] += 1
        else:
            observed.append(item)
    header = message.header
    return DecodeResult(
        observed=tuple(observed),
        header_timestamp=float(header.timestamp) if header.HasField("timestamp") else None,
        entities=len(message.entity),
        skipped=MappingProxyType(dict(skipped)),
        descriptors_dropped=sum(o.descriptor_dropped for o in observed),
    )


def _observed(
    entity: gtfs_realtime_pb2.FeedEntity, received_at: float, source: str
) -> ObservedReport | str:
    """The entity's report, or the reason it has none."""
    if entity.is_deleted or not entity.HasField("vehicle"):
        return NO_VEHICLE
    vehicle = entity.vehicle
    if not vehicle.HasField("position"):
        return NO_POSITION
    vehicle_id = vehicle.vehicle.id if vehicle.vehicle.id else entity.id
    if not vehicle_id:
        return NO_VEHICLE_ID
    if not vehicle.HasField("timestamp") or vehicle.timestamp == 0:
        return NO_TIMESTAMP
    position = vehicle.position
    lat, lon = position.latitude, position.longitude
    if not _on_globe(lat, lon):
        return BAD_POSITION
    speed = position.speed if position.HasField("speed") else None
    bearing = position.bearing if position.HasField("bearing") else None
    descriptor, dropped = (_trip_descriptor(vehicle.trip) if vehicle.HasField("trip")
                           else ((None, None, None, None), False))
    report = VehicleReport(
        vehicle_id=vehicle_id,
        timestamp=float(vehicle.timestamp),
        lat=lat,
        lon=lon,
        speed_mps=speed if speed is not None and math.isfinite(speed) and speed >= 0 else None,
        bearing=bearing % 360.0 if bearing is not None and math.isfinite(bearing) else None,
        source=source,
        received_at=received_at,
        trip_id=descriptor[0],
        route_id=descriptor[1],
        direction_id=descriptor[2],
        start_date=descriptor[3],
    )
    return ObservedReport(
        report=report,
        trip_id=report.trip_id,
        stop_id=vehicle.stop_id or None,
        current_stop_sequence=(
            vehicle.current_stop_sequence if vehicle.HasField("current_stop_sequence") else None
        ),
        descriptor_dropped=dropped,
    )


def _trip_descriptor(
    trip: gtfs_realtime_pb2.TripDescriptor,
) -> tuple[tuple[str | None, str | None, int | None, date | None], bool]:
    """The report's (trip_id, route_id, direction_id, start_date) from a
    TripDescriptor, and whether a field was dropped. A field the feed left
    empty is None; one that is unfit (a control character, an overlong id, a
    direction other than 0 or 1, a start_date that is no date) is dropped: the
    feed's trip is a hint to tracking, and a bad hint costs the hint, never the
    position."""
    dropped = False
    ids: list[str | None] = []
    for name, limit in (("trip_id", MAX_TRIP_ID_CHARS), ("route_id", MAX_ID_CHARS)):
        value = getattr(trip, name).strip()
        fit = bool(value) and check_text(name, value, limit) is None
        dropped = dropped or (bool(value) and not fit)
        ids.append(value if fit else None)
    direction = trip.direction_id if trip.HasField("direction_id") else None
    if direction not in (None, 0, 1):
        direction, dropped = None, True
    start_date = None
    if trip.start_date:
        try:
            start_date = datetime.strptime(trip.start_date, "%Y%m%d").date()
        except ValueError:
            dropped = True
    return (ids[0], ids[1], direction, start_date), dropped


def _on_globe(lat: float, lon: float) -> bool:
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return False
    # (0, 0) is what a terminal without a fix sends, not a bus in the Gulf of Guinea.
    return -90 <= lat <= 90 and -180 <= lon <= 180 and (lat, lon) != (0.0, 0.0)
