"""The whole service wiring end to end: real PostgreSQL, real sockets, real feeds.

A JT/T 808 terminal and an HTTP push client each report one bus near the tiny
feed's stops; both reports must be durable (in PostgreSQL) before they are
acknowledged, and then show in the app API, the GTFS-RT feed and /metrics.
"""

from __future__ import annotations

import time
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
import pytest_asyncio
from google.transit import gtfs_realtime_pb2
from rich.console import Console

from feeds.jt808.messages import (
    GeneralResult, Location, MsgId, PlatformGeneralResponse,
)
from feeds.jt808.terminal import TerminalClient, log_in
from tests.service.conftest import NEAR_S2
from transit.bootstrap import Service, open_service
from transit.config import Config
from transit.store.reports import list_reports

async def get_json(session: aiohttp.ClientSession, url: str) -> dict:  # type: ignore[type-arg]
    async with session.get(url) as response:
        assert response.status == 200
        return await response.json()  # type: ignore[no-any-return]


async def test_terminal_and_push_reports_reach_store_api_feed_and_metrics(
    service: Service, tiny_store: asyncpg.Pool
) -> None:
    assert service.jt808 is not None
    now = time.time()
    client = await TerminalClient.connect("127.0.0.1", service.jt808.port, "13800000001")
    try:
        await log_in(client, "陕B00001", "T0001", "TC")
        flow = await client.send(Location.at(*NEAR_S2, now, speed_mps=6.0, direction=45))
        ack = await client.receive()
    finally:
        await client.close()
    assert ack.header.msg_id == MsgId.PLATFORM_GENERAL_RESPONSE
    assert isinstance(ack.body, PlatformGeneralResponse)
    assert (ack.body.reply_flow, ack.body.result) == (flow, GeneralResult.OK)
    # Acknowledged means committed: the row is there without waiting.
    stored = await list_reports(tiny_store, "陕B00001", now - 5, now + 5)
    assert [(r.source, round(r.lat, 4), round(r.lon, 4)) for r in stored] == [
        ("jt808", *NEAR_S2)]

    async with aiohttp.ClientSession(service.http_url) as http:
        # A trip the live schedule does not know: stored as sent, counted, ignored.
        pushed = {"vehicle_id": "TC0002", "timestamp": now, "lat": 35.0725, "lon": 109.0766,
                  "trip_id": "T-of-another-gtfs", "route_id": "R1", "direction_id": 0}
        async with http.post("/api/push/reports", json=[pushed],
                             headers={"X-Push-Key": "demo-push-key"}) as response:
            assert response.status == 200
            assert (await response.json())["accepted"] == 1
        (kept,) = await list_reports(tiny_store, "TC0002", now - 5, now + 5)
        assert (kept.trip_id, kept.route_id, kept.direction_id) == ("T-of-another-gtfs", "R1", 0)
        await service.context.live.settle()

        vehicles = {v["vehicle_id"]: v for v in (await get_json(http, "/api/vehicles"))["vehicles"]}
        assert set(vehicles) == {"陕B00001", "TC0002"}
        assert vehicles["陕B00001"]["lat"] == NEAR_S2[0]

        async with http.get("/gtfs-rt/vehicle-positions.pb") as response:
            assert response.status == 200
            assert response.content_type == "application/x-protobuf"
            feed = gtfs_realtime_pb2.FeedMessage.FromString(await response.read())
        assert feed.header.incrementality == gtfs_realtime_pb2.FeedHeader.FULL_DATASET
        assert sorted(e.vehicle.vehicle.id for e in feed.entity) == ["TC0002", "陕B00001"]
        debug = await get_json(http, "/gtfs-rt/vehicle-positions.json")
        assert sorted(e["id"] for e in debug["entity"]) == ["TC0002", "陕B00001"]

        metrics = await get_json(http, "/metrics")
    assert metrics["vehicles_live"] == 2
    assert metrics["ingest"]["reports_stored"] == 2
    assert metrics["jt808"]["reports_accepted"] == 1
    assert metrics["jt808"]["authentications"] == 1
    assert metrics["push"] == {"requests": 1, "reports_stored": 1, "refused": {},
                               "unauthorised": 0, "rate_limited": 0, "not_stored": 0}
    assert metrics["tracker"]["accepted"] == 2
    assert metrics["trip_descriptors"]["unknown_trip"] == 1
    assert metrics["latency_receipt_to_state_ms"]["count"] == 2
    assert metrics["latency_receipt_to_state_ms"]["p99"] is not None
    assert metrics["gtfsrt_pollers"] == {}


async def test_signs_and_the_app_read_the_same_service(service: Service, tmp_path: Path) -> None:
    from signage.registry import load_registry

    registry = load_registry(tmp_path / "signs.csv")  # generated on first start
    sign = registry.list_signs()[0]
    async with aiohttp.ClientSession(service.http_url) as http:
        async with http.get(f"/signs/{sign.sign_id}/arrivals",
                            headers={"X-Sign-Token": sign.token}) as response:
            assert response.status == 200 and response.headers["ETag"]
        async with http.get(f"/signs/{sign.sign_id}/arrivals") as response:
            assert response.status == 401
        async with http.get(f"/app/v1/stops/{sign.stop_id}/arrivals",
                            headers={"X-Api-Key": "demo-app-key"}) as response:
            assert response.status == 200
        async with http.get("/app/v1/openapi.json") as response:
            assert response.status == 200
        async with http.get(f"/s/{sign.stop_id}") as response:
            assert response.status == 200


async def test_live_push_is_served(service: Service) -> None:
    async with aiohttp.ClientSession(service.http_url) as http, http.ws_connect("/live") as ws:
        first = await ws.receive_json(timeout=5)
        assert first["type"] == "hello"
        await ws.send_json({"subscribe": {"stops": ["S2"]}})
        reply = await ws.receive_json(timeout=5)
        assert reply["type"] in ("subscribed", "update")


async def test_a_registered_reader_pushes_taps_through_the_wiring(
    service: Service, tiny_store: asyncpg.Pool
) -> None:
    """`transit readers add` and the service share one registry: a reader
    added while the service runs pushes at once; the tap is stored (by the
    configured key's hash), counted in /metrics, and a re-send is a duplicate."""
    from transit.console.audit import Act
    from transit.privacy import pseudonymise
    from transit.readers import new_reader
    from transit.store.readers import add_readers
    from transit.store.taps import list_taps

    now = time.time()
    key = "s" * 43
    await add_readers(tiny_store, [new_reader("SN-1", "TC0003", key, now)], Act("test", "test", now))
    tap = {"txn_id": "W1", "card_id": "3100222233334444", "time": now - 3600, "medium": "card"}
    headers = {"X-Reader-Id": "SN-1", "X-Reader-Key": key}
    async with aiohttp.ClientSession(service.http_url) as http:
        for status in ("stored", "duplicate"):
            async with http.post("/api/push/taps", json=[tap], headers=headers) as response:
                assert response.status == 200
                assert (await response.json())["results"][0]["status"] == status
        metrics = await get_json(http, "/metrics")
    (stored,) = await list_taps(tiny_store, now - 7200, now)
    assert (stored.vehicle_id, stored.reader_id) == ("TC0003", "SN-1")
    assert stored.account_hash == pseudonymise("3100222233334444", b"demo-only-change-me")
    assert (metrics["tap_push"]["taps_stored"], metrics["tap_push"]["duplicates"]) == (1, 1)
    assert metrics["tap_push"]["readers"]["SN-1"]["vehicle_id"] == "TC0003"
    assert metrics["ingest"]["taps_duplicate"] == 1


async def test_a_service_given_a_start_runs_on_a_simulated_clock_from_it(
    tiny_store: asyncpg.Pool, empty_database_url: str, tmp_path: Path
) -> None:
    """As the live-equals-replay benchmark starts it: a simulated day's reports
    fed over its sockets at that day's times (scripts/bench_live_vs_replay.py)."""
    day, start = date(2026, 3, 11), clock_time(12, 0)
    config = Config(database_url=empty_database_url, data_dir=tmp_path, http_port=0, jt808_port=0)
    async with open_service(config, Console(quiet=True), demo=False, day=day, start=start) as running:
        now = running.context.clock()
        zone = ZoneInfo(running.context.network.timezone)
    begin = datetime.combine(day, start, tzinfo=zone).timestamp()
    assert begin <= now < begin + 60
