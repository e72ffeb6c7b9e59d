"""Our Alerts feed: a sign operator's message to a sign informs its stop, to
a line the line, to every sign the agency; active from sending to expiry;
the operator's text as the header; expired, withdrawn and unresolvable
messages left out; a protobuf round trip; and the GTFS-RT validator."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from google.transit import gtfs_realtime_pb2

from feeds.gtfsrt.alerts import alerts_json, build_alerts
from tests.gtfsrt.helpers import AT_0705, validate
from tests.signage.fixtures import NETWORK
from transit.api.gtfsrt import alerts_cache
from transit.boards.messages import MessageIndex, MessageTarget, SignMessage, TargetKind, sign_places

PLACES = sign_places(NETWORK, [("TC-S2", "S2"), ("TC-GONE", "S9")])
SENT = AT_0705 - 600
TO_SIGN = SignMessage(1, MessageTarget(TargetKind.SIGN, "TC-S2"), "本站暂停使用 <b>", SENT, SENT + 1800, "li")
TO_LINE = SignMessage(2, MessageTarget(TargetKind.LINE, "R1"), "1路改道", SENT + 60, SENT + 3600, "li")
TO_ALL = SignMessage(3, MessageTarget(TargetKind.ALL), "Heavy snow: expect delays", SENT + 120, SENT + 7200, "li")


def _entities(message: gtfs_realtime_pb2.FeedMessage) -> dict[str, gtfs_realtime_pb2.Alert]:
    return {e.id: e.alert for e in message.entity}


def test_each_message_informs_where_it_shows_from_sending_to_expiry() -> None:
    message = build_alerts([TO_ALL, TO_LINE, TO_SIGN], PLACES, NETWORK, AT_0705)
    assert message.header.incrementality == gtfs_realtime_pb2.FeedHeader.FULL_DATASET
    assert message.header.timestamp == int(AT_0705) and message.header.gtfs_realtime_version == "2.0"
    alerts = _entities(message)
    assert list(alerts) == ["message-1", "message-2", "message-3"]  # oldest first
    sign, line, everywhere = alerts.values()
    assert [(e.stop_id, e.route_id, e.agency_id) for e in sign.informed_entity] == [("S2", "", "")]
    assert [e.route_id for e in line.informed_entity] == ["R1"]
    assert [e.agency_id for e in everywhere.informed_entity] == ["TC"]
    assert [(p.start, p.end) for p in sign.active_period] == [(int(SENT), int(SENT + 1800))]
    (text,) = sign.header_text.translation
    assert (text.text, text.language) == ("本站暂停使用 <b>", "")  # one text, its language unknown
    assert not sign.HasField("description_text")


def test_expired_withdrawn_and_unresolvable_messages_are_left_out() -> None:
    withdrawn = dataclasses.replace(TO_LINE, withdrawn_at=AT_0705 - 1, withdrawn_by="li")
    gone_sign = SignMessage(4, MessageTarget(TargetKind.SIGN, "TC-GONE"), "x", SENT, SENT + 3600, "li")
    gone_line = SignMessage(5, MessageTarget(TargetKind.LINE, "R9"), "x", SENT, SENT + 3600, "li")
    message = build_alerts([TO_SIGN, withdrawn, gone_sign, gone_line], PLACES, NETWORK, AT_0705)
    assert list(_entities(message)) == ["message-1"]
    assert len(build_alerts([TO_SIGN], PLACES, NETWORK, SENT + 1800).entity) == 0  # at its expiry


def test_a_network_whose_lines_name_no_agency_informs_every_line() -> None:
    routes = {r: dataclasses.replace(route, agency_id=None) for r, route in NETWORK.routes.items()}
    message = build_alerts([TO_ALL], PLACES, dataclasses.replace(NETWORK, routes=routes), AT_0705)
    assert [e.route_id for e in message.entity[0].alert.informed_entity] == ["R1"]


def test_the_feed_round_trips_through_protobuf_and_json() -> None:
    built = build_alerts([TO_SIGN, TO_LINE, TO_ALL], PLACES, NETWORK, AT_0705)
    parsed = gtfs_realtime_pb2.FeedMessage.FromString(built.SerializeToString())
    assert parsed == built
    data = alerts_json(parsed)
    assert data["entity"][0]["alert"]["informed_entity"] == [{"stop_id": "S2"}]
    assert data["entity"][2]["alert"]["header_text"]["translation"] == [{"text": "Heavy snow: expect delays"}]


def test_the_cache_rebuilds_for_a_new_index_and_at_an_expiry_only() -> None:
    cache = alerts_cache(NETWORK, PLACES)
    index = MessageIndex([TO_SIGN, TO_LINE], PLACES)
    first = cache.get(index, AT_0705)
    assert cache.get(index, AT_0705 + 60) is first and cache.builds == 1
    expired = cache.get(index, SENT + 1800)  # the message to the sign expires
    assert cache.builds == 2 and len(gtfs_realtime_pb2.FeedMessage.FromString(expired.protobuf).entity) == 1
    cache.get(MessageIndex([TO_LINE], PLACES), SENT + 1801)
    assert cache.builds == 3


@pytest.mark.slow
def test_feed_has_no_validator_errors(tmp_path: Path) -> None:
    message = build_alerts([TO_SIGN, TO_LINE, TO_ALL], PLACES, NETWORK, AT_0705)
    result, report = validate(tmp_path, message, "sa")
    assert not result.has_errors(), f"validator errors {result.error_ids()}; see {report}"


@pytest.mark.slow
def test_validator_does_catch_a_broken_alerts_feed(tmp_path: Path) -> None:
    """The clean result above means something: a stop the GTFS lacks is an ERROR."""
    message = build_alerts([TO_SIGN], PLACES, NETWORK, AT_0705)
    message.entity[0].alert.informed_entity[0].stop_id = "NOT-IN-GTFS"
    result, report = validate(tmp_path, message, "sa")
    assert result.has_errors(), f"expected an error; see {report}"
