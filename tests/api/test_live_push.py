"""``GET /live``: WebSocket push of changed stop and line views and of the
messages showing at the stops, on a real aiohttp server; the hub's rounds
are driven by hand (``hub.tick()``)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

import aiohttp
import orjson
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestClient, TestServer

from tests.gtfs.tinyfeed import TINY_FEED, zip_feed
from transit.api.live_push import CLOSE_ABUSE, PushHub, PushLimits, add_live_push_routes
from transit.arrivals import StopTimetable
from transit.boards.board import StopBoards
from transit.boards.cache import BoardCache, no_messages
from transit.boards.messages import MessageIndex, MessageTarget, SignMessage, TargetKind, sign_places
from transit.gtfs.feed import load_feed
from transit.live.tracking import LiveSnapshot
from transit.model.service_days import to_unix
from transit.prediction.publish import EMPTY_BOARD, PredictionBoard, update_board
from transit.prediction.types import StopPrediction, TripPrediction
from transit.tracking.state import StopStatus, TripRef, VehicleState

NETWORK = load_feed(zip_feed(TINY_FEED), "tiny.zip").network
TIMETABLE = StopTimetable(NETWORK)
DAY = date(2026, 3, 2)
NOW = to_unix(DAY, 7 * 3600 + 57 * 60, "Asia/Shanghai")
T2 = TripRef("T2", "R1", 0, DAY, 8 * 3600, "B1")


class Live:
    """The live state as the hub reads it: a new snapshot per change."""

    def __init__(self) -> None:
        self.now = NOW
        self.current = LiveSnapshot(at=NOW)

    def clock(self) -> float:
        return self.now

    def snapshot(self) -> LiveSnapshot:
        return self.current

    def set(self, delays: dict[str, float | None], board: PredictionBoard = EMPTY_BOARD) -> None:
        vehicles = {v: VehicleState(v, self.now - 5, 35.07, 109.074, 5.0, 45.0, T2, 1, 2, "S2",
                                    StopStatus.IN_TRANSIT_TO, 300.0, d) for v, d in delays.items()}
        self.current = LiveSnapshot(at=self.now, vehicles=MappingProxyType(vehicles), predictions=board)


@dataclass
class Push:
    client: TestClient
    hub: PushHub
    live: Live


@contextlib.asynccontextmanager
async def serve(limits: PushLimits = PushLimits(),
                messages: Callable[[], MessageIndex] = no_messages) -> AsyncIterator[Push]:
    live = Live()
    app = web.Application()
    hub = add_live_push_routes(app, network=NETWORK, timetable=TIMETABLE, snapshot=live.snapshot,
                               clock=live.clock, limits=limits,
                               boards=BoardCache(StopBoards(NETWORK, TIMETABLE), messages))
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield Push(client, hub, live)
    finally:
        await client.close()


async def receive(ws: aiohttp.ClientWebSocketResponse, timeout: float = 2.0) -> dict:  # type: ignore[type-arg]
    message = await ws.receive(timeout=timeout)
    assert message.type is WSMsgType.TEXT, message
    return orjson.loads(message.data)


async def nothing_more(ws: aiohttp.ClientWebSocketResponse) -> bool:
    try:
        await ws.receive(timeout=0.2)
    except TimeoutError:
        return True
    return False


async def subscribe(ws: aiohttp.ClientWebSocketResponse, stops: list[str] = [], lines: list[str] = []) -> dict:  # type: ignore[type-arg]  # noqa: B006
    await ws.send_str(orjson.dumps({"subscribe": {"stops": stops, "lines": lines}}).decode())
    assert (await receive(ws))["type"] == "subscribed"
    first = await receive(ws)
    assert (first["type"], first["reason"]) == ("update", "subscribe")
    return first


def prediction_at_s2(when: float) -> PredictionBoard:
    stops = (StopPrediction(2, "S2", when, when + 20, 30.0), StopPrediction(3, "S3", when + 300, None, 40.0))
    return update_board(EMPTY_BOARD, "TC0001", [TripPrediction(T2, "TC0001", NOW - 5, 60.0, stops)], NOW)


async def test_subscribers_receive_only_the_views_that_changed_numbered() -> None:
    async with serve() as push:
        push.live.set({"TC0001": 0.0})
        s2_and_line = await push.client.ws_connect("/live")
        s1 = await push.client.ws_connect("/live")
        assert (await receive(s2_and_line))["type"] == "hello"
        assert (await receive(s1))["type"] == "hello"
        first = await subscribe(s2_and_line, stops=["S2"], lines=["R1"])
        assert first["seq"] == 1
        assert first["stops"]["S2"][0] == {"line": "R1", "headsign": "七一路口", "trip": "T2",
                                           "time": int(NOW + 7 * 60), "predicted": False,
                                           "crowding": None}
        assert first["lines"] == {"R1": [{"vehicle": "TC0001", "trip": "T2", "direction": 0,
                                          "next_stop": "S2", "delay_s": 0}]}
        await subscribe(s1, stops=["S1"])
        push.hub.tick()  # nothing changed
        assert await nothing_more(s2_and_line)
        # A bus is now predicted at S2 (and S3): S2's view changes, not S1's nor the line's.
        push.live.now += 1
        push.live.set({"TC0001": 0.0}, prediction_at_s2(NOW + 7 * 60 + 60))
        push.hub.tick()
        update = await receive(s2_and_line)
        assert (update["seq"], update["reason"], update["lines"]) == (2, "change", {})
        assert update["stops"]["S2"][0]["predicted"] is True
        assert update["at"] == push.live.now and update["since"] == push.live.now - 1
        assert await nothing_more(s1)
        await s2_and_line.close()
        await s1.close()


async def test_two_changes_within_an_interval_are_sent_once_in_the_latest_state() -> None:
    async with serve() as push:
        push.live.set({"TC0001": 0.0})
        ws = await push.client.ws_connect("/live")
        await receive(ws)
        await subscribe(ws, lines=["R1"])
        for delay in (60.0, 120.0):
            push.live.now += 0.4
            push.live.set({"TC0001": delay})
        push.hub.tick()
        update = await receive(ws)
        assert update["seq"] == 2
        assert update["lines"]["R1"][0]["delay_s"] == 120
        assert await nothing_more(ws)
        await ws.close()


async def test_resume_replays_what_was_missed_then_goes_on() -> None:
    async with serve() as push:
        push.live.set({"TC0001": 0.0})
        ws = await push.client.ws_connect("/live")
        session = (await receive(ws))["session"]
        assert (await subscribe(ws, lines=["R1"]))["seq"] == 1
        await ws.close()
        for delay in (60.0, 90.0):  # sent while the client is away
            push.live.set({"TC0001": delay})
            push.hub.tick()
        ws = await push.client.ws_connect("/live")
        assert (await receive(ws))["session"] != session
        await ws.send_str(orjson.dumps({"resume": {"session": session, "after": 1}}).decode())
        resumed = await receive(ws)
        assert (resumed["type"], resumed["mode"], resumed["last_seq"]) == ("resumed", "replay", 3)
        replayed = [await receive(ws), await receive(ws)]
        assert [(m["seq"], m["lines"]["R1"][0]["delay_s"]) for m in replayed] == [(2, 60), (3, 90)]
        push.live.set({"TC0001": 150.0})
        push.hub.tick()
        assert (await receive(ws))["seq"] == 4
        await ws.close()


async def test_resume_sends_full_views_when_the_buffer_no_longer_covers_the_gap() -> None:
    async with serve(PushLimits(resume_messages=2)) as push:
        push.live.set({"TC0001": 0.0})
        ws = await push.client.ws_connect("/live")
        session = (await receive(ws))["session"]
        await subscribe(ws, stops=["S2"], lines=["R1"])
        await ws.close()
        for delay in (60.0, 90.0, 120.0, 150.0):
            push.live.set({"TC0001": delay})
            push.hub.tick()
        ws = await push.client.ws_connect("/live")
        await receive(ws)
        await ws.send_str(orjson.dumps({"resume": {"session": session, "after": 1}}).decode())
        resumed = await receive(ws)
        assert (resumed["mode"], resumed["last_seq"]) == ("full", 5)
        full = await receive(ws)
        assert (full["seq"], full["reason"], sorted(full["stops"]), full["lines"]["R1"][0]["delay_s"]) == \
            (6, "resume", ["S2"], 150)
        await ws.send_str(orjson.dumps({"resume": {"session": "gone", "after": 0}}).decode())
        assert (await receive(ws))["code"] == "unknown_session"
        await ws.close()


async def test_a_huge_subscription_is_refused_and_nothing_else_happens() -> None:
    async with serve() as push:
        ws = await push.client.ws_connect("/live")
        hello = await receive(ws)
        assert hello["max_subscriptions"] == 200
        await ws.send_str(orjson.dumps({"subscribe": {"stops": [f"S{n}" for n in range(100_000)]}}).decode())
        error = await receive(ws)
        assert (error["type"], error["code"]) == ("error", "too_many_subscriptions")
        assert "100000 stops" in error["message"] and "at most 200" in error["message"]
        assert await nothing_more(ws)
        assert push.hub.stats().watched_views == 0
        first = await subscribe(ws, stops=["S1"])  # still connected, still usable
        assert list(first["stops"]) == ["S1"]
        await ws.close()


async def test_unknown_ids_are_reported_and_known_ones_subscribed() -> None:
    async with serve() as push:
        ws = await push.client.ws_connect("/live")
        await receive(ws)
        await ws.send_str(orjson.dumps({"subscribe": {"stops": ["S1", "NOPE"], "lines": ["R404"]}}).decode())
        errors = [await receive(ws), await receive(ws)]
        assert [(e["code"], e["ids"]) for e in errors] == [("unknown_stop", ["NOPE"]), ("unknown_line", ["R404"])]
        subscribed = await receive(ws)
        assert (subscribed["type"], subscribed["stops"], subscribed["lines"]) == ("subscribed", ["S1"], [])
        assert list((await receive(ws))["stops"]) == ["S1"]
        await ws.close()


async def test_malformed_json_is_answered_then_repeated_abuse_disconnects() -> None:
    async with serve(PushLimits(max_errors=3)) as push:
        ws = await push.client.ws_connect("/live")
        await receive(ws)
        for _ in range(3):
            await ws.send_str("{not json")
            assert (await receive(ws))["code"] == "malformed_json"
        closing = await ws.receive(timeout=2)
        assert closing.type is WSMsgType.CLOSE and closing.data == CLOSE_ABUSE
        assert push.hub.stats().abusers == 1


async def test_a_slow_reader_is_disconnected_while_others_keep_receiving() -> None:
    limits = PushLimits(outbox_messages=16, outbox_bytes=2 * 1024 * 1024)
    async with serve(limits) as push:
        buses = [f"TC{n:04d}" for n in range(1000)]  # a big line view: ~90 kB per update
        push.live.set(dict.fromkeys(buses, 0.0))
        slow = await push.client.ws_connect("/live")
        fast = await push.client.ws_connect("/live")
        for ws in (slow, fast):
            await receive(ws)
            await subscribe(ws, lines=["R1"])
        seqs: list[int] = []

        async def read_fast() -> None:
            while True:
                seqs.append((await receive(fast, timeout=10))["seq"])

        reader = asyncio.create_task(read_fast())
        rounds = 0
        while push.hub.stats().slow_readers == 0 and rounds < 2000:  # the slow client reads nothing
            rounds += 1
            push.live.set(dict.fromkeys(buses, 30.0 * rounds))
            push.hub.tick()
            await asyncio.sleep(0.002)
        assert push.hub.stats().slow_readers == 1
        push.live.set(dict.fromkeys(buses, -30.0))
        push.hub.tick()
        for _ in range(500):
            if seqs and seqs[-1] == rounds + 2:
                break
            await asyncio.sleep(0.01)
        assert seqs == list(range(2, rounds + 3))  # every update, none lost, none twice
        reader.cancel()
        ended = None
        for _ in range(100):  # the slow client finds its connection closed
            ended = await slow.receive(timeout=5)
            if ended.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.ERROR):
                break
        assert ended is not None and ended.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.ERROR)
        assert push.hub.stats().clients == 1
        await fast.close()


async def test_the_server_pings_at_the_configured_heartbeat() -> None:
    async with serve(PushLimits(heartbeat_s=0.2)) as push:
        ws = await push.client.ws_connect("/live", autoping=False)
        assert (await receive(ws))["heartbeat_s"] == 0.2
        ping = await ws.receive(timeout=1.0)
        assert ping.type is WSMsgType.PING
        await ws.close()


async def test_a_stops_messages_are_pushed_when_they_start_and_when_they_expire() -> None:
    places = sign_places(NETWORK, [("TC-S2", "S2")])
    shown = [MessageIndex((), places)]
    async with serve(messages=lambda: shown[0]) as push:
        ws = await push.client.ws_connect("/live")
        await receive(ws)
        first = await subscribe(ws, stops=["S1", "S2"])
        assert first["messages"] == {"S1": [], "S2": []}
        detour = SignMessage(7, MessageTarget(TargetKind.LINE, "R1"), "<b>改道</b> & 绕行", NOW, NOW + 600, "li")
        closed = SignMessage(8, MessageTarget(TargetKind.SIGN, "TC-S2"), "本站暂停", NOW, NOW + 120, "li")
        shown[0] = MessageIndex([detour, closed], places)  # as the message book loads them
        push.hub.tick()
        raw = await ws.receive(timeout=2.0)
        assert b"<b>" not in raw.data.encode() and "\\u003cb\\u003e" in raw.data
        update = orjson.loads(raw.data)
        assert (update["seq"], update["stops"]) == (2, {})  # the arrivals did not change
        assert update["messages"] == {
            "S1": [{"message_id": 7, "text": "<b>改道</b> & 绕行", "expires_at": int(NOW + 600)}],
            "S2": [{"message_id": 8, "text": "本站暂停", "expires_at": int(NOW + 120)},
                   {"message_id": 7, "text": "<b>改道</b> & 绕行", "expires_at": int(NOW + 600)}]}
        push.hub.tick()
        assert await nothing_more(ws)  # sent once
        push.live.now = NOW + 120  # the stop's own message expires
        push.hub.tick()
        update = await receive(ws)
        assert update["messages"] == {"S2": [{"message_id": 7, "text": "<b>改道</b> & 绕行",
                                              "expires_at": int(NOW + 600)}]}
        push.live.now = NOW + 600
        push.hub.tick()
        assert (await receive(ws))["messages"] == {"S1": [], "S2": []}
        await ws.send_str(orjson.dumps({"unsubscribe": {"stops": ["S1", "S2"]}}).decode())
        assert (await receive(ws))["type"] == "unsubscribed"
        assert push.hub.stats().watched_views == 0
        await ws.close()
