"""The HTTP API over a real database and a live fleet fed through the ingest path."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from functools import partial

import asyncpg
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from tests.clock import Clock
from tests.gtfs.tinyfeed import TINY_FEED, zip_feed
from transit.api.app import ServiceContext, init_app
from transit.gtfs.feed import load_feed
from transit.ingest import Ingest
from transit.live.tracking import LiveTracking
from transit.model.service_days import to_unix
from transit.records import VehicleReport
from transit.store.batching import BatchWriter
from transit.store.reports import insert_reports, list_reports
from transit.store.taps import insert_taps, store_new_taps
from transit.prediction.history import History
from transit.prediction.predictor import Predictor
from transit.tracking.tracker import Tracker

MORNING = to_unix(date(2026, 3, 2), 7 * 3600 + 300, "Asia/Shanghai")


@dataclass
class Service:
    client: TestClient
    ingest: Ingest
    fleet: LiveTracking
    clock: Clock


@pytest_asyncio.fixture(loop_scope="session")
async def service(clean_pool: asyncpg.Pool) -> AsyncIterator[Service]:
    network = load_feed(zip_feed(TINY_FEED), "tiny.zip").network
    clock = Clock(MORNING)
    fleet = LiveTracking(Tracker(network), clock, predictor=Predictor(network, History()))
    async with (
        BatchWriter(partial(insert_reports, clean_pool), name="reports") as reports,
        BatchWriter(partial(insert_taps, clean_pool), name="taps") as taps,
    ):
        ingest = Ingest(reports, taps, fleet, b"key", partial(store_new_taps, clean_pool))
        context = ServiceContext(network, 1, fleet, partial(clean_pool.fetchval, "SELECT 1"), clock)
        writer = asyncio.create_task(fleet.run())
        client = TestClient(TestServer(init_app(context)))
        await client.start_server()
        try:
            yield Service(client, ingest, fleet, clock)
        finally:
            await client.close()
            writer.cancel()


def report(vehicle: str, at: float, lat: float = 35.07, lon: float = 109.074) -> VehicleReport:
    return VehicleReport(vehicle, at, lat, lon, 5.0, 45.0, "test", at + 1)


async def test_health_reports_database_and_clock(service: Service) -> None:
    client = service.client
    response = await client.get("/health")
    body = await response.json()
    assert response.status == 200
    assert body["database"] == "ok"
    assert body["clock"].startswith("2026-03-02T07:05:00+08:00")


async def test_lines_and_stops(service: Service) -> None:
    client = service.client
    lines = (await (await client.get("/api/lines")).json())["lines"]
    assert lines == [{"route_id": "R1", "short_name": "1路", "long_name": "王益汽车站—七一路口",
                      "directions": [0]}]
    line = await (await client.get("/api/lines/R1")).json()
    assert [s["name"] for s in line["patterns"][0]["stops"]] == ["王益汽车站", "红旗街十字", "七一路口"]
    stops = (await (await client.get("/api/stops")).json())["stops"]
    assert {s["stop_id"]: s["lines"] for s in stops} == {"S1": ["R1"], "S2": ["R1"], "S3": ["R1"]}


async def test_unknown_line_is_a_json_404(service: Service) -> None:
    client = service.client
    response = await client.get("/api/lines/<script>")
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "unknown_line"


async def test_vehicles_show_the_newest_durable_position(
    service: Service, clean_pool: asyncpg.Pool
) -> None:
    client, ingest, clock = service.client, service.ingest, service.clock
    await ingest.submit_reports([report("TC0001", MORNING - 20, lon=109.075)])
    await ingest.submit_reports([report("TC0001", MORNING - 40, lon=109.073)])  # late: kept, not shown
    await ingest.submit_reports([report("TC0002", MORNING - 900)])  # silent for 15 min: not live
    stored = await list_reports(clean_pool, "TC0001", MORNING - 3600, MORNING)
    assert len(stored) == 2
    await service.fleet.settle()
    body = await (await client.get("/api/vehicles")).json()
    assert [(v["vehicle_id"], v["lon"], v["age_s"]) for v in body["vehicles"]] == [
        ("TC0001", 109.075, 20.0)
    ]
    clock.now = MORNING + 600
    body = await (await client.get("/api/vehicles")).json()
    assert body["vehicles"] == []


async def test_trip_updates_feed_publishes_and_withdraws(service: Service) -> None:
    from google.transit import gtfs_realtime_pb2

    client, ingest, clock = service.client, service.ingest, service.clock
    # A bus waiting at S1 for T2 (08:00), seen at 07:57.
    clock.now = MORNING + 52 * 60
    await ingest.submit_reports([report("TC0001", clock.now - 5, lat=35.0690, lon=109.0720)])
    await service.fleet.settle()
    feed = gtfs_realtime_pb2.FeedMessage()
    feed.ParseFromString(await (await client.get("/gtfs-rt/trip-updates.pb")).read())
    assert [e.trip_update.trip.trip_id for e in feed.entity] == ["T2"]
    updates = feed.entity[0].trip_update.stop_time_update
    assert [u.stop_sequence for u in updates] == [1, 2, 3]
    assert updates[0].departure.time == int(to_unix(date(2026, 3, 2), 8 * 3600, "Asia/Shanghai"))
    debug = await (await client.get("/gtfs-rt/trip-updates.json")).json()
    assert debug["entity"][0]["trip_update"]["vehicle"]["id"] == "TC0001"
    # Silent for six minutes: the predictions are withdrawn, not frozen.
    clock.now += 6 * 60
    feed.ParseFromString(await (await client.get("/gtfs-rt/trip-updates.pb")).read())
    assert list(feed.entity) == []


async def test_stop_page_is_served(service: Service) -> None:
    response = await service.client.get("/s/S2")
    assert response.status == 200
    assert "红旗街十字" in await response.text()
    assert (await service.client.get("/s/S9")).status == 404
