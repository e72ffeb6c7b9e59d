"""Our GTFS-Realtime Alerts feed: the sign operators' messages showing now
(``transit.boards.messages``), one alert each.

A full-dataset message. Each alert says where it shows: a message to one sign
informs that sign's stop (``stop_id``), one to a line that line
(``route_id``), one to every sign the whole network (each ``agency_id`` when
every line names its agency, else every line). Its active period runs from
when it was sent to its expiry. Its text is the operator's, as typed, in
``header_text`` with no language (the console takes one text in whatever
language the operator writes; the spec allows one untagged translation);
nothing is made up for ``description_text``, cause or effect.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from google.protobuf.json_format import MessageToDict
from google.transit import gtfs_realtime_pb2

from feeds.gtfsrt.vehicle_positions import GTFS_REALTIME_VERSION
from transit.boards.messages import SignMessage, SignPlaces, TargetKind
from transit.model.network import Network


def build_alerts(messages: Iterable[SignMessage], places: SignPlaces, network: Network,
                 feed_timestamp: float) -> gtfs_realtime_pb2.FeedMessage:
    """A FULL_DATASET Alerts message of the ``messages`` showing at
    ``feed_timestamp``, oldest first. A message to a sign or line the network
    no longer has is left out (consumers could not resolve it)."""
    message = gtfs_realtime_pb2.FeedMessage()
    header = message.header
    header.gtfs_realtime_version = GTFS_REALTIME_VERSION
    header.incrementality = gtfs_realtime_pb2.FeedHeader.FULL_DATASET
    header.timestamp = int(feed_timestamp)
    for sign_message in sorted(messages, key=lambda m: (m.sent_at, m.message_id)):
        if not sign_message.is_showing(feed_timestamp):
            continue
        informed = _informed(sign_message, places, network)
        if not informed:
            continue
        entity = message.entity.add()
        entity.id = f"message-{sign_message.message_id}"
        alert = entity.alert
        period = alert.active_period.add()
        period.start = int(sign_message.sent_at)
        period.end = int(sign_message.expires_at)
        for field, value in informed:
            setattr(alert.informed_entity.add(), field, value)
        alert.header_text.translation.add().text = sign_message.text
    return message


def alerts_json(message: gtfs_realtime_pb2.FeedMessage) -> dict[str, Any]:
    """The message as JSON-ready data, field names as in the proto, for debugging."""
    return MessageToDict(message, preserving_proto_field_name=True)


def _informed(message: SignMessage, places: SignPlaces, network: Network) -> list[tuple[str, str]]:
    """(EntitySelector field, id) of what the message informs about."""
    target = message.target
    if target.kind is TargetKind.SIGN:
        stop_id = places.stop_of_sign.get(target.target_id)
        return [("stop_id", stop_id)] if stop_id is not None and stop_id in network.stops else []
    if target.kind is TargetKind.LINE:
        return [("route_id", target.target_id)] if target.target_id in network.routes else []
    agencies = {route.agency_id for route in network.routes.values()}
    if None not in agencies:
        return [("agency_id", agency) for agency in sorted(a for a in agencies if a is not None)]
    return [("route_id", route_id) for route_id in sorted(network.routes)]
