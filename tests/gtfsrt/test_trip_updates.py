"""Our TripUpdates feed: fields, service-day times, time clamping, and the validator."""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from google.transit import gtfs_realtime_pb2

from feeds.gtfsrt.trip_updates import build_trip_updates, trip_updates_json
from tests.gtfs.tinyfeed import TINY_FEED, zip_feed
from tests.gtfsrt.helpers import AT_0705, MONDAY, TZ, crowded, validate
from transit.gtfs.feed import load_feed
from transit.model.service_days import to_unix
from transit.prediction.types import StopPrediction, TripPrediction
from transit.tracking.state import TripRef

NETWORK = load_feed(zip_feed(TINY_FEED), "tiny.zip").network
STU = gtfs_realtime_pb2.TripUpdate.StopTimeUpdate


def at(seconds: float, day: date = MONDAY) -> float:
    """Unix seconds of service-day time ``seconds`` on ``day``."""
    return to_unix(day, seconds, TZ)


def stop(seq: int, stop_id: str, arrival: float | None, departure: float | None,
         uncertainty_s: float = 30.4) -> StopPrediction:
    return StopPrediction(seq, stop_id, arrival, departure, uncertainty_s)


def prediction(*stops: StopPrediction, trip_id: str = "T1", start: int = 7 * 3600,
               vehicle_id: str = "TC0001", made_at: float = AT_0705 - 10,
               delay_s: float | None = 30.0, day: date = MONDAY) -> TripPrediction:
    return TripPrediction(TripRef(trip_id, "R1", 0, day, start, "B1"), vehicle_id, made_at,
                          delay_s, stops)


def t1_running() -> TripPrediction:
    """TC0001 between S1 and S2 on T1 at 07:05, 30 s late."""
    return prediction(stop(2, "S2", at(25_530), at(25_545)), stop(3, "S3", at(25_830), None))


def t2_next() -> TripPrediction:
    """TC0001's next trip in block B1: not started, so no delay and no arrival at S1."""
    return prediction(stop(1, "S1", None, at(28_800), 60), stop(2, "S2", at(29_040), at(29_060)),
                      stop(3, "S3", at(29_340), None), trip_id="T2", start=8 * 3600, delay_s=None)


def test_round_trips_through_protobuf() -> None:
    message = build_trip_updates([t1_running(), t2_next()], NETWORK, AT_0705)
    parsed = gtfs_realtime_pb2.FeedMessage.FromString(message.SerializeToString())
    assert parsed == message
    assert parsed.header.gtfs_realtime_version == "2.0"
    assert parsed.header.incrementality == gtfs_realtime_pb2.FeedHeader.FULL_DATASET
    assert parsed.header.timestamp == int(AT_0705)
    assert [e.id for e in parsed.entity] == ["20260302:T1", "20260302:T2"]


def test_running_trip_fields() -> None:
    (entity,) = build_trip_updates([t1_running()], NETWORK, AT_0705 + 0.7).entity
    update = entity.trip_update
    trip = update.trip
    assert (trip.trip_id, trip.route_id, trip.direction_id) == ("T1", "R1", 0)
    assert (trip.start_date, trip.start_time) == ("20260302", "07:00:00")
    assert trip.schedule_relationship == gtfs_realtime_pb2.TripDescriptor.SCHEDULED
    assert update.vehicle.id == "TC0001"
    assert update.timestamp == int(AT_0705 - 10)
    assert update.delay == 30
    s2, s3 = update.stop_time_update
    assert (s2.stop_sequence, s2.stop_id, s2.schedule_relationship) == (2, "S2", STU.SCHEDULED)
    assert (s2.arrival.time, s2.departure.time) == (int(at(25_530)), int(at(25_545)))
    assert (s2.arrival.uncertainty, s2.departure.uncertainty) == (30, 30)
    assert s3.HasField("arrival") and not s3.HasField("departure")  # last stop
    assert s3.arrival.time == int(at(25_830))


def test_next_trip_has_no_delay_and_no_arrival_at_its_first_stop() -> None:
    (entity,) = build_trip_updates([t2_next()], NETWORK, AT_0705).entity
    update = entity.trip_update
    assert not update.HasField("delay")
    first = update.stop_time_update[0]
    assert not first.HasField("arrival")
    assert (first.departure.time, first.departure.uncertainty) == (int(at(28_800)), 60)


def test_night_trip_keeps_its_service_day_and_start_past_24h() -> None:
    made = at(24 * 3600 + 41 * 60)
    night = prediction(stop(2, "S2", made + 240, made + 250), stop(3, "S3", made + 540, None),
                       trip_id="N1", start=24 * 3600 + 40 * 60, made_at=made)
    (entity,) = build_trip_updates([night], NETWORK, made + 5).entity
    trip = entity.trip_update.trip
    assert datetime.fromtimestamp(made, ZoneInfo(TZ)).date() == date(2026, 3, 3)
    assert (trip.start_date, trip.start_time) == ("20260302", "24:40:00")
    assert entity.id == "20260302:N1"


def test_same_trip_on_two_service_days_gives_two_entities() -> None:
    tuesday = date(2026, 3, 3)
    later = prediction(stop(3, "S3", at(25_830, tuesday), None), day=tuesday)
    ids = [e.id for e in build_trip_updates([later, t1_running()], NETWORK, AT_0705).entity]
    assert ids == ["20260302:T1", "20260303:T1"]


def test_stop_time_updates_come_in_stop_sequence_order() -> None:
    backwards = prediction(stop(3, "S3", at(25_830), None), stop(2, "S2", at(25_530), at(25_545)))
    update = build_trip_updates([backwards], NETWORK, AT_0705).entity[0].trip_update
    assert [u.stop_sequence for u in update.stop_time_update] == [2, 3]


def test_decreasing_times_are_clamped_up() -> None:
    crossing = prediction(
        stop(1, "S1", None, at(25_500)),
        stop(2, "S2", at(25_480), at(25_470)),  # arrives before leaving S1, leaves before arriving
        stop(3, "S3", at(25_480), None),  # the same second as S2
    )
    update = build_trip_updates([crossing], NETWORK, AT_0705).entity[0].trip_update
    s1, s2, s3 = update.stop_time_update
    assert s1.departure.time == int(at(25_500))
    assert (s2.arrival.time, s2.departure.time) == (int(at(25_501)), int(at(25_501)))
    assert s3.arrival.time == int(at(25_502))


def test_entity_timestamps_never_after_the_header() -> None:
    ahead = prediction(stop(3, "S3", at(25_830), None), made_at=AT_0705 + 42)
    message = build_trip_updates([ahead, t2_next()], NETWORK, AT_0705)
    assert all(e.trip_update.timestamp <= message.header.timestamp for e in message.entity)
    assert message.entity[0].trip_update.timestamp == int(AT_0705)


def test_unknown_trips_and_stops_are_dropped_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    gone = prediction(stop(3, "S3", at(25_830), None), trip_id="GONE")
    stray = prediction(stop(2, "S9", at(25_530), at(25_545)),  # not a stop of T1
                       stop(3, "S2", at(25_700), None),  # S2 is T1's 2nd stop, not its 3rd
                       stop(3, "S3", at(25_830), None), trip_id="T2", start=8 * 3600)
    empty = prediction(stop(2, "S9", at(25_530), None), trip_id="N1", start=88_800)
    with caplog.at_level(logging.WARNING, logger="feeds.gtfsrt.trip_updates"):
        message = build_trip_updates([gone, stray, empty], NETWORK, AT_0705)
    (entity,) = message.entity
    kept = [(u.stop_sequence, u.stop_id) for u in entity.trip_update.stop_time_update]
    assert kept == [(3, "S3")]
    (record,) = [r for r in caplog.records if r.msg == "gtfsrt.trip_updates_dropped"]
    assert (record.unknown_trip, record.unknown_stop, record.no_stops) == (1, 3, 1)


def test_the_newer_of_two_predictions_of_one_trip_is_published() -> None:
    old = prediction(stop(3, "S3", at(25_800), None), vehicle_id="TC0002", made_at=AT_0705 - 60)
    (entity,) = build_trip_updates([t1_running(), old], NETWORK, AT_0705).entity
    assert entity.trip_update.vehicle.id == "TC0001"


def test_json_view_names_fields_as_the_proto_does() -> None:
    view = trip_updates_json(build_trip_updates([t1_running()], NETWORK, AT_0705))
    assert view["header"]["incrementality"] == "FULL_DATASET"
    update = view["entity"][0]["trip_update"]
    assert update["trip"]["start_date"] == "20260302"
    assert update["stop_time_update"][0]["schedule_relationship"] == "SCHEDULED"
    assert update["stop_time_update"][1]["arrival"]["time"] == str(int(at(25_830)))


@pytest.mark.slow
def test_feed_has_no_validator_errors(tmp_path: Path) -> None:
    # TC0002's night trip, with crossing times and a report clock running ahead.
    crossing = prediction(stop(2, "S2", at(89_100), at(89_090)), stop(3, "S3", at(89_100), None),
                          vehicle_id="TC0002", trip_id="N1", start=88_800, made_at=AT_0705 + 30,
                          delay_s=None)
    message = build_trip_updates([t1_running(), t2_next(), crossing], NETWORK, AT_0705,
                                 {"TC0001": crowded(load=10.0)})
    assert len(message.entity) == 3
    t1 = next(e.trip_update for e in message.entity if e.id == "20260302:T1")
    assert t1.stop_time_update[0].HasField("departure_occupancy_status")
    result, report = validate(tmp_path, message, "tu")
    assert not result.has_errors(), f"validator errors {result.error_ids()}; see {report}"


@pytest.mark.slow
def test_validator_does_catch_a_broken_feed(tmp_path: Path) -> None:
    """The clean result above means something: a trip the GTFS lacks is an ERROR."""
    message = build_trip_updates([t1_running()], NETWORK, AT_0705)
    message.entity[0].trip_update.trip.trip_id = "NOT-IN-GTFS"
    result, report = validate(tmp_path, message, "tu")
    assert result.has_errors(), f"expected an error; see {report}"
    assert "E003" in result.error_ids()


def test_start_time_is_the_first_arrival_where_buses_dwell_at_the_first_stop() -> None:
    """E023: a trip arriving at its first stop at 06:58 and leaving at 07:00 starts at 06:58."""
    from dataclasses import replace

    trip = NETWORK.trips["T1"]
    dwelling = replace(NETWORK, trips={**NETWORK.trips, "T1": replace(
        trip, arrivals=(trip.arrivals[0] - 120, *trip.arrivals[1:]))})
    (entity,) = build_trip_updates([t1_running()], dwelling, AT_0705).entity
    assert entity.trip_update.trip.start_time == "06:58:00"


def test_the_next_stop_carries_the_bus_s_occupancy_on_its_current_trip_only() -> None:
    message = build_trip_updates([t1_running(), t2_next()], NETWORK, AT_0705,
                                 {"TC0001": crowded(load=30.0)})
    running, next_trip = (e.trip_update for e in message.entity)
    first, second = running.stop_time_update
    assert first.departure_occupancy_status == gtfs_realtime_pb2.VehiclePosition.FEW_SEATS_AVAILABLE
    assert not second.HasField("departure_occupancy_status")  # nobody predicted that far
    assert not any(u.HasField("departure_occupancy_status") for u in next_trip.stop_time_update)
    plain = build_trip_updates([t1_running()], NETWORK, AT_0705).entity[0].trip_update
    assert not plain.stop_time_update[0].HasField("departure_occupancy_status")
