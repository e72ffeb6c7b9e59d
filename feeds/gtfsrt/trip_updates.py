"""Our GTFS-Realtime TripUpdates feed, built from the predictor's trip predictions.

A full-dataset message: one entity per predicted trip instance (service date +
trip id), with the vehicle that will run it and a StopTimeUpdate per stop still
ahead. Descriptors are resolved against the schedule the same way as in
``vehicle_positions`` so the two feeds pair up (validator rule E047).

Crowding: GTFS-RT puts occupancy of a trip update on its stop time updates
(``departure_occupancy_status``; the VehicleDescriptor has no such field). The
live estimate is the bus's load now, so it is given on the first stop ahead
only, where it is a fair forecast of the load leaving it; further stops are
left without one rather than given a number nobody predicted.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping
from typing import Any

from google.protobuf.json_format import MessageToDict
from google.transit import gtfs_realtime_pb2

from feeds.gtfsrt.vehicle_positions import GTFS_REALTIME_VERSION
from transit.flow.crowding import Crowding, find_crowding
from transit.model.network import Network, Pattern
from transit.model.service_days import format_gtfs_time
from transit.prediction.types import StopPrediction, TripPrediction

_log = logging.getLogger(__name__)

_STU = gtfs_realtime_pb2.TripUpdate.StopTimeUpdate


def build_trip_updates(
    predictions: Iterable[TripPrediction],
    network: Network,
    feed_timestamp: float,
    crowding: Mapping[str, Crowding] | None = None,
) -> gtfs_realtime_pb2.FeedMessage:
    """A FULL_DATASET TripUpdates message as of ``feed_timestamp`` (Unix s),
    with the ``departure_occupancy_status`` of each bus's next stop when
    ``crowding`` (the live snapshot's, by vehicle) has an estimate of its trip.

    One entity per trip instance, ids ``YYYYMMDD:trip_id``, in id order. When
    two predictions name the same trip instance the newer one is published.
    Trips the network does not know, stops that are not where the prediction
    says in the trip's stop_times, and trips left with no stop are dropped and
    counted in a ``gtfsrt.trip_updates_dropped`` log event: publishing them
    would give consumers references they cannot resolve.
    """
    message = gtfs_realtime_pb2.FeedMessage()
    header = message.header
    header.gtfs_realtime_version = GTFS_REALTIME_VERSION
    header.incrementality = gtfs_realtime_pb2.FeedHeader.FULL_DATASET
    header.timestamp = int(feed_timestamp)

    dropped = {"unknown_trip": 0, "unknown_stop": 0, "no_stops": 0, "duplicate": 0}
    latest: dict[str, TripPrediction] = {}
    for prediction in predictions:
        if prediction.trip.trip_id not in network.trips:
            dropped["unknown_trip"] += 1
            continue
        key = entity_id(prediction)
        held = latest.get(key)
        if held is not None:
            dropped["duplicate"] += 1
            if held.made_at >= prediction.made_at:
                continue
        latest[key] = prediction

    for key in sorted(latest):
        prediction = latest[key]
        stops, unknown = _scheduled_stops(prediction, network)
        dropped["unknown_stop"] += unknown
        events = _stop_events(stops)
        if not events:
            # A TripUpdate without StopTimeUpdates means "cancelled" to
            # nobody: the validator rejects it (E041) unless it is CANCELED.
            dropped["no_stops"] += 1
            continue
        entity = message.entity.add()
        entity.id = key
        _fill_trip_update(entity.trip_update, prediction, events, network, header.timestamp)
        found = None if crowding is None else find_crowding(
            crowding, prediction.vehicle_id, prediction.trip.trip_id, prediction.trip.service_date)
        if found is not None:
            entity.trip_update.stop_time_update[0].departure_occupancy_status = int(found.status)

    if any(dropped.values()):
        _log.warning("gtfsrt.trip_updates_dropped", extra=dropped)
    return message


def trip_updates_json(message: gtfs_realtime_pb2.FeedMessage) -> dict[str, Any]:
    """The message as JSON-ready data, field names as in the proto, for debugging."""
    return MessageToDict(message, preserving_proto_field_name=True)


def entity_id(prediction: TripPrediction) -> str:
    """``YYYYMMDD:trip_id``: a trip id alone repeats across service days, and a
    night trip of yesterday's service day can be predicted beside today's."""
    return f"{prediction.trip.service_date:%Y%m%d}:{prediction.trip.trip_id}"


def _scheduled_stops(
    prediction: TripPrediction, network: Network
) -> tuple[list[StopPrediction], int]:
    """The prediction's stops that match the trip's stop_times, in stop_sequence
    order without repeats, and how many were dropped."""
    pattern = network.patterns.get(network.trips[prediction.trip.trip_id].pattern_id)
    scheduled = _stop_at_sequence(pattern) if pattern is not None else {}
    kept: dict[int, StopPrediction] = {}
    for stop in prediction.stops:
        known = (
            scheduled.get(stop.stop_sequence) == stop.stop_id
            and stop.stop_id in network.stops
            and stop.stop_sequence not in kept
        )
        if known:
            kept[stop.stop_sequence] = stop
    return [kept[seq] for seq in sorted(kept)], len(prediction.stops) - len(kept)


def _stop_at_sequence(pattern: Pattern) -> dict[int, str]:
    return {pattern.sequence_at(i): stop_id for i, stop_id in enumerate(pattern.stop_ids)}


def _stop_events(
    stops: list[StopPrediction],
) -> list[tuple[StopPrediction, int | None, int | None]]:
    """(stop, arrival, departure) in whole Unix seconds, strictly increasing
    from stop to stop and with departure >= arrival at each stop.

    Consumers and the validator reject a trip whose times go backwards or
    repeat between consecutive stops (E022, E025): OpenTripPlanner drops the
    whole update, leaving riders with the timetable. A model's per-stop
    estimates can cross by a few seconds (a dwell shorter than predicted, a
    rounding), so a time earlier than the one before it is raised to one
    second after it: the later of two estimates is kept because a bus cannot
    reach a stop before leaving the previous one. Stops with neither time are
    left out (E043).
    """
    events: list[tuple[StopPrediction, int | None, int | None]] = []
    floor: int | None = None  # earliest time allowed at the next stop
    for stop in stops:
        arrival = _whole_seconds(stop.arrival)
        departure = _whole_seconds(stop.departure)
        if arrival is None and departure is None:
            continue
        if arrival is not None and floor is not None:
            arrival = max(arrival, floor)
        if departure is not None:
            lowest = arrival if arrival is not None else floor
            if lowest is not None:
                departure = max(departure, lowest)
        events.append((stop, arrival, departure))
        floor = max(t for t in (arrival, departure) if t is not None) + 1
    return events


def _whole_seconds(instant: float | None) -> int | None:
    if instant is None or not math.isfinite(instant):
        return None
    return round(instant)


def _fill_trip_update(
    update: gtfs_realtime_pb2.TripUpdate,
    prediction: TripPrediction,
    events: list[tuple[StopPrediction, int | None, int | None]],
    network: Network,
    header_timestamp: int,
) -> None:
    trip = prediction.trip
    descriptor = update.trip
    descriptor.trip_id = trip.trip_id
    # The schedule is the authority on route and direction of its own trip.
    scheduled = network.trips[trip.trip_id]
    descriptor.route_id = scheduled.route_id
    descriptor.direction_id = scheduled.direction_id
    descriptor.start_date = trip.service_date.strftime("%Y%m%d")
    # GTFS-RT's start_time is the trip's first arrival_time in stop_times (E023),
    # not its departure: they differ where buses dwell at the first stop.
    descriptor.start_time = format_gtfs_time(scheduled.arrivals[0])
    descriptor.schedule_relationship = gtfs_realtime_pb2.TripDescriptor.SCHEDULED
    update.vehicle.id = prediction.vehicle_id
    # A terminal's clock may run ahead of ours; consumers reject an update
    # newer than its feed (E012), so it is never dated after the header.
    update.timestamp = min(int(prediction.made_at), header_timestamp)
    if prediction.delay_s is not None and math.isfinite(prediction.delay_s):
        update.delay = round(prediction.delay_s)
    for stop, arrival, departure in events:
        stop_time_update = update.stop_time_update.add()
        stop_time_update.stop_sequence = stop.stop_sequence
        stop_time_update.stop_id = stop.stop_id
        stop_time_update.schedule_relationship = _STU.SCHEDULED
        uncertainty = _uncertainty(stop.uncertainty_s)
        if arrival is not None:
            _fill_event(stop_time_update.arrival, arrival, uncertainty)
        if departure is not None:
            _fill_event(stop_time_update.departure, departure, uncertainty)


def _uncertainty(seconds: float) -> int | None:
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return round(seconds)


def _fill_event(
    event: gtfs_realtime_pb2.TripUpdate.StopTimeEvent, time: int, uncertainty: int | None
) -> None:
    event.time = time
    if uncertainty is not None:
        event.uncertainty = uncertainty
