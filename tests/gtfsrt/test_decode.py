"""GTFS-RT VehiclePositions bytes -> reports: what is kept, what is counted."""

from __future__ import annotations

import math
from datetime import date

import pytest
from google.transit import gtfs_realtime_pb2

from feeds.gtfsrt.decode import (
    BAD_POSITION,
    NO_POSITION,
    NO_TIMESTAMP,
    NO_VEHICLE,
    NO_VEHICLE_ID,
    UndecodableFeed,
    decode_vehicle_positions,
)
from tests.gtfsrt.helpers import position_message


def test_reports_carry_position_speed_bearing_and_trip() -> None:
    payload = position_message(("e1", "4582", 1_771_257_515, 38.93, -77.08))
    result = decode_vehicle_positions(payload, received_at=1_771_257_520.5)
    (observed,) = result.observed
    report = observed.report
    assert (report.vehicle_id, report.timestamp, report.received_at) == ("4582", 1_771_257_515.0,
                                                                        1_771_257_520.5)
    assert report.lat == pytest.approx(38.93) and report.lon == pytest.approx(-77.08)
    assert (report.speed_mps, report.bearing, report.source) == (7.5, 90.0, "gtfsrt")
    assert observed.trip_id == "trip-e1"
    assert result.header_timestamp == 1_771_257_600.0 and result.entities == 1


def test_the_trip_descriptor_is_put_on_the_report() -> None:
    message = gtfs_realtime_pb2.FeedMessage.FromString(position_message(
        ("e1", "4582", 1_771_257_515, 38.93, -77.08), ("e2", "4583", 1_771_257_515, 38.93, -77.08),
        ("e3", "4584", 1_771_257_515, 38.93, -77.08)))
    full, bad, bare = (entity.vehicle.trip for entity in message.entity)
    full.route_id, full.direction_id, full.start_date = "D96", 1, "20260216"
    bad.trip_id, bad.route_id, bad.direction_id, bad.start_date = "x\x00y", "D" * 65, 7, "2026-02-16"
    bare.Clear()
    result = decode_vehicle_positions(message.SerializeToString(), received_at=1_771_257_520)
    first, second, third = result.reports
    assert (first.trip_id, first.route_id, first.direction_id, first.start_date) == (
        "trip-e1", "D96", 1, date(2026, 2, 16))
    # Unfit fields are dropped, and counted; the position is kept.
    assert (second.trip_id, second.route_id, second.direction_id, second.start_date) == (
        None, None, None, None)
    assert second.lat == pytest.approx(38.93)
    assert (third.trip_id, third.route_id, third.direction_id) == (None, None, None)
    assert result.descriptors_dropped == 1 and not result.skipped


def test_vehicle_id_falls_back_to_the_entity_id() -> None:
    result = decode_vehicle_positions(position_message(("bus-7", None, 1_771_257_515, 38.9, -77.0)), 0)
    assert result.reports[0].vehicle_id == "bus-7"


def test_unusable_entities_are_counted_and_skipped() -> None:
    message = gtfs_realtime_pb2.FeedMessage.FromString(position_message(
        ("ok", "1", 1_771_257_515, 38.9, -77.0),
        ("no-time", "2", None, 38.9, -77.0),
        ("no-fix", "3", 1_771_257_515, 0.0, 0.0),
        ("nan", "4", 1_771_257_515, math.nan, -77.0),
    ))
    message.entity.add(id="trip-update").trip_update.trip.trip_id = "x"
    no_position = message.entity.add(id="")
    no_position.vehicle.timestamp = 1_771_257_515
    no_position.vehicle.trip.trip_id = "y"
    anonymous = message.entity.add(id="")
    anonymous.vehicle.timestamp = 1_771_257_515
    anonymous.vehicle.position.latitude, anonymous.vehicle.position.longitude = 38.9, -77.0
    result = decode_vehicle_positions(message.SerializeToString(), 0)
    assert [r.vehicle_id for r in result.reports] == ["1"]
    assert dict(result.skipped) == {NO_TIMESTAMP: 1, BAD_POSITION: 2, NO_VEHICLE: 1,
                                    NO_POSITION: 1, NO_VEHICLE_ID: 1}
    assert result.entities == 7


def test_missing_speed_and_bearing_are_none() -> None:
    message = gtfs_realtime_pb2.FeedMessage.FromString(
        position_message(("e1", "1", 1_771_257_515, 38.9, -77.0)))
    message.entity[0].vehicle.position.ClearField("speed")
    message.entity[0].vehicle.position.ClearField("bearing")
    report = decode_vehicle_positions(message.SerializeToString(), 0).reports[0]
    assert (report.speed_mps, report.bearing) == (None, None)


@pytest.mark.parametrize("payload", [b"<html>502 Bad Gateway</html>", b"", b"\xff\xff\xff"])
def test_undecodable_payload_raises_a_typed_error(payload: bytes) -> None:
    with pytest.raises(UndecodableFeed) as caught:
        decode_vehicle_positions(payload, 0, source="partner")
    assert caught.value.source == "partner" and caught.value.size == len(payload)
