"""POST /api/push/reports over real HTTP: per-item checks, limits, and 200 only after commit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from functools import partial

import asyncpg
import orjson
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.gtfs.tinyfeed import TINY_FEED, zip_feed
from transit.api.push import MAX_BODY_BYTES, MAX_ITEMS, add_push_routes
from transit.gtfs.feed import load_feed
from transit.ingest import Ingest
from transit.live.tracking import LiveTracking
from transit.records import VehicleReport
from transit.store.batching import BatchWriter
from transit.store.reports import insert_reports, list_reports
from transit.store.taps import insert_taps
from transit.tracking.tracker import Tracker

NOW = 1_772_406_300.0  # 2026-03-02 07:05 in Tongchuan
URL = "/api/push/reports"


@dataclass
class MemorySink:
    batches: list[list[VehicleReport]] = field(default_factory=list)
    fail: bool = False

    async def __call__(self, reports: Sequence[VehicleReport]) -> None:
        if self.fail:
            raise ConnectionError("database down")
        self.batches.append(list(reports))


@dataclass
class Pushed:
    client: TestClient
    sink: MemorySink


@pytest_asyncio.fixture(loop_scope="session")
async def pushed() -> AsyncIterator[Pushed]:
    sink = MemorySink()
    app = web.Application()
    add_push_routes(app, sink, lambda: NOW)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        yield Pushed(client, sink)
    finally:
        await client.close()


def item(vehicle: str = "TC0001", at: float = NOW - 5, **changes: object) -> dict[str, object]:
    return {"vehicle_id": vehicle, "timestamp": at, "lat": 35.07, "lon": 109.074,
            "speed_mps": 5.5, "bearing": 90, **changes}


async def test_valid_reports_reach_the_sink(pushed: Pushed) -> None:
    response = await pushed.client.post(URL, json=[item(), item("TC0002", speed_mps=None,
                                                                bearing=None)])
    assert response.status == 200
    assert await response.json() == {"accepted": 2, "rejected": []}
    (batch,) = pushed.sink.batches
    assert batch[0] == VehicleReport("TC0001", NOW - 5, 35.07, 109.074, 5.5, 90.0, "http", NOW)
    assert (batch[1].speed_mps, batch[1].bearing) == (None, None)


async def test_wrapped_form_is_accepted(pushed: Pushed) -> None:
    response = await pushed.client.post(URL, json={"reports": [item()]})
    assert (await response.json())["accepted"] == 1


@pytest.mark.parametrize(("bad", "reason", "field_name"), [
    ({"lat": 91}, "out_of_range", "lat"),
    ({"lon": -180.5}, "out_of_range", "lon"),
    ({"lat": "35.07"}, "not_a_number", "lat"),
    ({"lat": True}, "not_a_number", "lat"),
    ({"timestamp": None}, "missing_field", "timestamp"),
    ({"vehicle_id": ""}, "not_a_string", "vehicle_id"),
    ({"vehicle_id": 42}, "not_a_string", "vehicle_id"),
    ({"speed_mps": -1}, "out_of_range", "speed_mps"),
    ({"bearing": 361}, "out_of_range", "bearing"),
    ({"timestamp": NOW + 3600}, "in_future", "timestamp"),
])
async def test_bad_items_are_rejected_with_index_and_reason(
    pushed: Pushed, bad: dict[str, object], reason: str, field_name: str
) -> None:
    response = await pushed.client.post(URL, json=[item(), item(**bad)])
    body = await response.json()
    assert response.status == 200
    assert body["accepted"] == 1
    (rejected,) = body["rejected"]
    assert (rejected["index"], rejected["reason"], rejected["field"]) == (1, reason, field_name)


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"1e400"])
async def test_non_finite_numbers_make_the_body_invalid_json(pushed: Pushed, number: bytes) -> None:
    # Strict JSON has no NaN or infinity; some encoders write them anyway.
    body = b'[{"vehicle_id": "A", "timestamp": 1772406000, "lat": ' + number + b', "lon": 109}]'
    response = await pushed.client.post(URL, data=body)
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "invalid_json"
    assert pushed.sink.batches == []


async def test_items_that_are_not_objects_are_rejected(pushed: Pushed) -> None:
    body = await (await pushed.client.post(URL, json=[item(), "TC0001,35,109", None])).json()
    assert body["accepted"] == 1
    assert [(r["index"], r["reason"]) for r in body["rejected"]] == [(1, "not_an_object"),
                                                                     (2, "not_an_object")]


async def test_nothing_valid_does_not_call_the_sink(pushed: Pushed) -> None:
    body = await (await pushed.client.post(URL, json=[item(lat=100)])).json()
    assert body["accepted"] == 0 and pushed.sink.batches == []


@pytest.mark.parametrize("payload", [b"not json", b'{"reports": 5}', b'"a string"', b""])
async def test_a_body_that_is_not_a_list_of_reports_is_a_json_400(
    pushed: Pushed, payload: bytes
) -> None:
    response = await pushed.client.post(URL, data=payload)
    body = await response.json()
    assert response.status == 400
    assert set(body["error"]) == {"code", "message"}
    assert pushed.sink.batches == []


async def test_too_large_a_body_is_a_json_413(pushed: Pushed) -> None:
    response = await pushed.client.post(URL, data=b"[" + b" " * MAX_BODY_BYTES + b"]")
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "body_too_large"


async def test_a_chunked_body_over_the_limit_is_a_413(pushed: Pushed) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b" " * 65536

    response = await pushed.client.post(URL, data=chunks())
    assert response.status == 413


async def test_too_many_items_is_a_json_413(pushed: Pushed) -> None:
    response = await pushed.client.post(URL, data=b"[" + b",".join([b"0"] * (MAX_ITEMS + 1)) + b"]")
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "too_many_reports"
    assert pushed.sink.batches == []


async def test_sink_failure_is_a_503_and_nothing_is_acknowledged(pushed: Pushed) -> None:
    pushed.sink.fail = True
    response = await pushed.client.post(URL, json=[item()])
    body = await response.json()
    assert response.status == 503
    assert body["error"]["code"] == "not_stored"
    assert "accepted" not in body


async def test_the_200_comes_after_the_commit(clean_pool: asyncpg.Pool) -> None:
    """The real durable path: Ingest over a BatchWriter into PostgreSQL."""
    fleet = LiveTracking(Tracker(load_feed(zip_feed(TINY_FEED), "tiny.zip").network), lambda: NOW)
    async with (
        BatchWriter(partial(insert_reports, clean_pool), name="reports") as reports,
        BatchWriter(partial(insert_taps, clean_pool), name="taps") as taps,
    ):
        ingest = Ingest(reports, taps, fleet, b"key")
        app = web.Application()
        add_push_routes(app, ingest.submit_reports, lambda: NOW)
        client = TestClient(TestServer(app, host="127.0.0.1"))
        await client.start_server()
        writer = asyncio.create_task(fleet.run())
        try:
            response = await client.post(URL, json=[item("TC0101", NOW - 20), item("TC0101", NOW - 10),
                                                    item("TC0102", lat=-91)])
            body = await response.json()
            # Read straight away: the rows must already be committed.
            stored = await list_reports(clean_pool, "TC0101", NOW - 60, NOW)
        finally:
            await client.close()
            writer.cancel()
    assert response.status == 200 and body["accepted"] == 2
    assert sorted(r.timestamp for r in stored) == [NOW - 20, NOW - 10]
    assert {r.source for r in stored} == {"http"}
    assert await list_reports(clean_pool, "TC0102", NOW - 60, NOW) == []
