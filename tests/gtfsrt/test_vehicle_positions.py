"""Our VehiclePositions feed: fields, service-day times, and the GTFS-RT validator."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from google.transit import gtfs_realtime_pb2

from feeds.gtfsrt.vehicle_positions import build_vehicle_positions, vehicle_positions_json
from tests.gtfs.tinyfeed import TINY_FEED, zip_feed
from tests.gtfsrt.helpers import AT_0705, MONDAY, TZ, crowded, matched, unmatched, validate
from transit.gtfs.feed import load_feed
from transit.model.service_days import to_unix

NETWORK = load_feed(zip_feed(TINY_FEED), "tiny.zip").network
VP = gtfs_realtime_pb2.VehiclePosition


def test_header_is_full_dataset_with_the_feed_time() -> None:
    message = build_vehicle_positions([], NETWORK, AT_0705 + 0.9)
    assert message.header.gtfs_realtime_version == "2.0"
    assert message.header.incrementality == gtfs_realtime_pb2.FeedHeader.FULL_DATASET
    assert message.header.timestamp == int(AT_0705)
    assert len(message.entity) == 0


def test_matched_vehicle_carries_trip_stop_and_position() -> None:
    message = build_vehicle_positions([matched()], NETWORK, AT_0705, labels={"TC0001": "陕B·12345"})
    (entity,) = message.entity
    vehicle = entity.vehicle
    assert entity.id == "TC0001"
    assert (vehicle.vehicle.id, vehicle.vehicle.label) == ("TC0001", "陕B·12345")
    trip = vehicle.trip
    assert (trip.trip_id, trip.route_id, trip.direction_id) == ("T1", "R1", 0)
    assert (trip.start_date, trip.start_time) == ("20260302", "07:00:00")
    assert trip.schedule_relationship == gtfs_realtime_pb2.TripDescriptor.SCHEDULED
    assert vehicle.position.latitude == pytest.approx(35.0705)
    assert vehicle.position.longitude == pytest.approx(109.0740)
    assert vehicle.position.bearing == 45.0 and vehicle.position.speed == 6.5
    assert (vehicle.stop_id, vehicle.current_stop_sequence) == ("S2", 2)
    assert vehicle.current_status == VP.IN_TRANSIT_TO
    assert vehicle.timestamp == int(AT_0705 - 10)


def test_trip_after_midnight_keeps_its_service_day_and_24h_start() -> None:
    # N1 starts at 24:40 of Monday's service day: Tuesday 00:40 on the wall clock.
    at = to_unix(MONDAY, 24 * 3600 + 41 * 60, TZ)
    state = matched(at=at, trip_id="N1", start=24 * 3600 + 40 * 60)
    trip = build_vehicle_positions([state], NETWORK, at + 5).entity[0].vehicle.trip
    assert datetime.fromtimestamp(at, ZoneInfo(TZ)).date() == date(2026, 3, 3)
    assert (trip.start_date, trip.start_time) == ("20260302", "24:40:00")


def test_unmatched_vehicle_has_position_only() -> None:
    vehicle = build_vehicle_positions([unmatched()], NETWORK, AT_0705).entity[0].vehicle
    assert not vehicle.HasField("trip")
    assert not vehicle.HasField("stop_id") and not vehicle.HasField("current_status")
    assert not vehicle.position.HasField("speed") and not vehicle.position.HasField("bearing")
    assert vehicle.position.latitude == pytest.approx(35.0691)


def test_trip_unknown_to_the_schedule_is_left_out() -> None:
    vehicle = build_vehicle_positions([matched(trip_id="GONE")], NETWORK, AT_0705).entity[0].vehicle
    assert not vehicle.HasField("trip") and not vehicle.HasField("stop_id")
    assert vehicle.HasField("position")


def test_entity_timestamp_never_after_the_header() -> None:
    ahead = matched(at=AT_0705 + 42)  # a terminal clock running ahead
    message = build_vehicle_positions([ahead, unmatched(at=AT_0705 - 3)], NETWORK, AT_0705)
    assert all(e.vehicle.timestamp <= message.header.timestamp for e in message.entity)
    assert [e.vehicle.timestamp for e in message.entity] == [int(AT_0705), int(AT_0705 - 3)]


def test_json_view_names_fields_as_the_proto_does() -> None:
    view = vehicle_positions_json(build_vehicle_positions([matched()], NETWORK, AT_0705))
    assert view["header"]["incrementality"] == "FULL_DATASET"
    vehicle = view["entity"][0]["vehicle"]
    assert vehicle["trip"]["start_time"] == "07:00:00"
    assert vehicle["current_status"] == "IN_TRANSIT_TO"
    assert vehicle["timestamp"] == str(int(AT_0705 - 10))  # uint64 is a string in proto JSON


@pytest.mark.slow
def test_feed_has_no_validator_errors(tmp_path: Path) -> None:
    states = [matched(), matched("TC0002", trip_id="T2", start=8 * 3600,
                                 at=AT_0705 - 20, lat=35.0700, lon=109.0733), unmatched()]
    message = build_vehicle_positions(states, NETWORK, AT_0705, crowding={"TC0001": crowded()})
    assert [e.vehicle.HasField("occupancy_status") for e in message.entity] == [True, True, False]
    result, report = validate(tmp_path, message, "vp")
    assert not result.has_errors(), f"validator errors {result.error_ids()}; see {report}"


@pytest.mark.slow
def test_validator_does_catch_a_broken_feed(tmp_path: Path) -> None:
    """The clean result above means something: a trip the GTFS lacks is an ERROR."""
    message = build_vehicle_positions([matched()], NETWORK, AT_0705)
    message.entity[0].vehicle.trip.trip_id = "NOT-IN-GTFS"
    result, report = validate(tmp_path, message, "vp")
    assert result.has_errors(), f"expected an error; see {report}"


def test_start_time_is_the_first_arrival_where_buses_dwell_at_the_first_stop() -> None:
    """E023, as in the TripUpdates feed: T1 arriving at 06:58 and leaving at 07:00 starts at 06:58."""
    from dataclasses import replace

    trip = NETWORK.trips["T1"]
    dwelling = replace(NETWORK, trips={**NETWORK.trips, "T1": replace(
        trip, arrivals=(trip.arrivals[0] - 120, *trip.arrivals[1:]))})
    (entity,) = build_vehicle_positions([matched()], dwelling, AT_0705).entity
    assert entity.vehicle.trip.start_time == "06:58:00"


def test_occupancy_from_the_live_estimate_of_the_trip_the_bus_runs() -> None:
    states = [matched(), matched("TC0002", trip_id="T2", start=8 * 3600), unmatched()]
    crowding = {"TC0001": crowded(load=50.0), "TC0002": crowded("TC0002", trip_id="T1"),
                "TC0009": crowded("TC0009")}
    first, other_trip, lost = build_vehicle_positions(states, NETWORK, AT_0705, crowding=crowding).entity
    assert first.vehicle.occupancy_status == VP.STANDING_ROOM_ONLY  # 50 of 80: 62%
    assert first.vehicle.occupancy_percentage == 62
    # An estimate of another trip (its last one) says nothing of this one.
    assert other_trip.vehicle.occupancy_status == VP.NO_DATA_AVAILABLE
    assert not other_trip.vehicle.HasField("occupancy_percentage")
    # Not on a trip: no occupancy at all; and none without crowding given.
    assert not lost.vehicle.HasField("occupancy_status")
    plain = build_vehicle_positions(states[:1], NETWORK, AT_0705).entity[0]
    assert not plain.vehicle.HasField("occupancy_status")
