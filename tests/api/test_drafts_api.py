"""/api/drafts on a real PostgreSQL: the list with headline figures, one draft
with its KPIs, diff, params and notes, its GTFS zip; unknown ids are a 404
naming the id."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from tests.api.test_app import MORNING
from tests.clock import Clock
from tests.drafts.stored import store_small_city_draft
from tests.gtfs.tinyfeed import TINY_FEED, zip_feed
from transit.api.app import ServiceContext, init_app
from transit.gtfs.feed import load_feed
from transit.live.tracking import LiveTracking
from transit.tracking.tracker import Tracker


async def _ok() -> int:
    return 1


@pytest_asyncio.fixture(loop_scope="session")
async def client(clean_pool: asyncpg.Pool) -> AsyncIterator[TestClient]:
    network = load_feed(zip_feed(TINY_FEED), "tiny.zip").network
    live = LiveTracking(Tracker(network), Clock(MORNING))
    app = init_app(ServiceContext(network, 1, live, _ok, Clock(MORNING)), store=clean_pool)
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


async def test_drafts_are_listed_and_served_whole(client: TestClient, clean_pool: asyncpg.Pool) -> None:
    draft_id, made = await store_small_city_draft(clean_pool)
    listed = await client.get("/api/drafts")
    assert listed.status == 200
    (row,) = (await listed.json())["drafts"]
    assert (row["id"], row["status"], row["scenario"], row["base_version_id"]) == (
        draft_id, "draft", "morning peak", made.base_version_id)
    assert row["headline"]["trips"] == {"draft": 5, "live": 4, "delta": 1}
    assert "diff" not in row and "kpis" not in row
    one = await (await client.get(f"/api/drafts/{draft_id}")).json()
    assert one["diff"]["counts"] == {"added": 1, "removed": 0, "moved": 0}
    assert one["kpis"]["draft"]["directions"][0]["route_id"] == "R1"
    assert one["params"]["method"] == "even_headway" and one["notes"][0]["source"] == "blocks:fifo"
    feed = await client.get(f"/api/drafts/{draft_id}/gtfs.zip")
    assert feed.status == 200 and feed.content_type == "application/zip"
    assert await feed.read() == made.feed_zip


async def test_a_drafts_blocks_cover_its_day_once(client: TestClient, clean_pool: asyncpg.Pool) -> None:
    draft_id, made = await store_small_city_draft(clean_pool)
    answer = await (await client.get(f"/api/drafts/{draft_id}/blocks")).json()
    day = [t for t in made.day.trips]
    covered = [trip["trip_id"] for block in answer["blocks"] for trip in block["trips"]]
    assert sorted(covered) == sorted(t.trip_id for t in day)  # every trip of the day, once
    for block in answer["blocks"]:
        starts = [trip["start_s"] for trip in block["trips"]]
        assert starts == sorted(starts) and block["start_s"] == starts[0]
        assert all(a["end_s"] <= b["start_s"] for a, b in zip(block["trips"], block["trips"][1:]))
    assert answer["made_by"]["source"] == "fifo"
    assert 1 <= answer["vehicles_at_peak"] <= len(answer["blocks"])


async def test_an_unknown_draft_is_a_404_naming_it(client: TestClient) -> None:
    for path, named in (("/api/drafts/999", "999"), ("/api/drafts/999/gtfs.zip", "999"),
                        ("/api/drafts/999/blocks", "999"),
                        ("/api/drafts/abc", "'abc'")):
        answer = await client.get(path)
        assert answer.status == 404, path
        error = (await answer.json())["error"]
        assert error["code"] == "unknown_draft" and named in error["message"]


async def test_without_a_store_there_are_no_draft_routes() -> None:
    network = load_feed(zip_feed(TINY_FEED), "tiny.zip").network
    app = init_app(ServiceContext(network, 1, LiveTracking(Tracker(network), Clock(MORNING)), _ok, Clock(MORNING)))
    assert not [r for r in app.router.routes() if r.resource and r.resource.canonical.startswith("/api/drafts")]
