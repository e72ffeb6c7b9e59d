"""Our GTFS-Realtime VehiclePositions feed, built from the tracker's vehicle states.

A full-dataset message: every vehicle the snapshot holds, one entity each.
Matched vehicles carry their trip (with service date and scheduled start, so a
trip after midnight keeps its 24:xx start time) and, when crowding is given,
how full they are (``occupancy_status`` and ``occupancy_percentage`` from the
live estimate, ``NO_DATA_AVAILABLE`` without one); unmatched ones carry only
where they are.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from google.protobuf.json_format import MessageToDict
from google.transit import gtfs_realtime_pb2

from transit.flow.crowding import Crowding, Occupancy, find_crowding
from transit.model.network import Network
from transit.model.service_days import format_gtfs_time
from transit.tracking.state import StopStatus, TripRef, VehicleState

GTFS_REALTIME_VERSION = "2.0"

_STATUS = {
    StopStatus.INCOMING_AT: gtfs_realtime_pb2.VehiclePosition.INCOMING_AT,
    StopStatus.STOPPED_AT: gtfs_realtime_pb2.VehiclePosition.STOPPED_AT,
    StopStatus.IN_TRANSIT_TO: gtfs_realtime_pb2.VehiclePosition.IN_TRANSIT_TO,
}


def build_vehicle_positions(
    states: Iterable[VehicleState],
    network: Network,
    feed_timestamp: float,
    labels: Mapping[str, str] | None = None,
    crowding: Mapping[str, Crowding] | None = None,
) -> gtfs_realtime_pb2.FeedMessage:
    """A FULL_DATASET VehiclePositions message as of ``feed_timestamp`` (Unix s).

    ``labels`` maps vehicle ids to what riders see (a plate or fleet number);
    without one the vehicle id is the label. A trip or stop the network does
    not know (a state built on an older schedule version) is left out rather
    than published as a reference consumers cannot resolve. ``crowding`` is
    the live snapshot's (by vehicle); None leaves the occupancy fields out.
    """
    message = gtfs_realtime_pb2.FeedMessage()
    header = message.header
    header.gtfs_realtime_version = GTFS_REALTIME_VERSION
    header.incrementality = gtfs_realtime_pb2.FeedHeader.FULL_DATASET
    header.timestamp = int(feed_timestamp)
    for state in sorted(states, key=lambda s: s.vehicle_id):
        entity = message.entity.add()
        entity.id = state.vehicle_id
        _fill_vehicle(entity.vehicle, state, network, header.timestamp, labels or {})
        if crowding is not None and entity.vehicle.HasField("trip"):
            _fill_occupancy(entity.vehicle, state, crowding)
    return message


def vehicle_positions_json(message: gtfs_realtime_pb2.FeedMessage) -> dict[str, Any]:
    """The message as JSON-ready data, field names as in the proto, for debugging."""
    return MessageToDict(message, preserving_proto_field_name=True)


def _fill_vehicle(
    vehicle: gtfs_realtime_pb2.VehiclePosition,
    state: VehicleState,
    network: Network,
    header_timestamp: int,
    labels: Mapping[str, str],
) -> None:
    vehicle.vehicle.id = state.vehicle_id
    vehicle.vehicle.label = labels.get(state.vehicle_id, state.vehicle_id)
    vehicle.position.latitude = state.lat
    vehicle.position.longitude = state.lon
    if state.bearing is not None and math.isfinite(state.bearing):
        vehicle.position.bearing = state.bearing % 360.0
    if state.speed_mps is not None and math.isfinite(state.speed_mps) and state.speed_mps >= 0:
        vehicle.position.speed = state.speed_mps
    # A terminal's clock may run ahead of ours; consumers reject a vehicle newer
    # than its feed, so the fix is never dated after the header.
    vehicle.timestamp = min(int(state.timestamp), header_timestamp)
    if state.trip is None or state.trip.trip_id not in network.trips:
        return
    _fill_trip(vehicle.trip, state.trip, network)
    if state.stop_id is not None and state.stop_id in network.stops:
        vehicle.stop_id = state.stop_id
        if state.stop_sequence is not None:
            vehicle.current_stop_sequence = state.stop_sequence
        if state.status is not None:
            vehicle.current_status = _STATUS[state.status]


def _fill_occupancy(vehicle: gtfs_realtime_pb2.VehiclePosition, state: VehicleState,
                    crowding: Mapping[str, Crowding]) -> None:
    assert state.trip is not None
    found = find_crowding(crowding, state.vehicle_id, state.trip.trip_id, state.trip.service_date)
    if found is None:
        vehicle.occupancy_status = int(Occupancy.NO_DATA_AVAILABLE)
        return
    vehicle.occupancy_status = int(found.status)
    vehicle.occupancy_percentage = found.percentage


def _fill_trip(
    descriptor: gtfs_realtime_pb2.TripDescriptor, trip: TripRef, network: Network
) -> None:
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
