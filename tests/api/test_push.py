"""POST /api/push/reports over real HTTP: keys, per-item checks, limits, and 200 only after commit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial

import asyncpg
import orjson
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.gtfs.tinyfeed import TINY_FEED, zip_feed
from transit.api.push import MAX_BODY_BYTES, MAX_ITEMS, PushTally, add_push_routes
from transit.api.ratelimit import KeyPolicy
from transit.gtfs.feed import load_feed
from transit.ingest import Ingest
from transit.live.tracking import LiveTracking
from transit.records import VehicleReport
from transit.store.batching import BatchWriter
from transit.store.errors import is_row_fault
from transit.store.reports import insert_reports, list_reports
from transit.store.taps import insert_taps, store_new_taps
from transit.tracking.tracker import Tracker
from transit.validation import Refusal

NOW = 1_772_406_300.0  # 2026-03-02 07:05 in Tongchuan
URL = "/api/push/reports"
KEY = "partner-key"
SOURCES = {KEY: KeyPolicy("partner", 1000.0, 1000), "slow-key": KeyPolicy("slow", 0.1, 2)}


@dataclass
class MemorySink:
    batches: list[list[VehicleReport]] = field(default_factory=list)
    fail: bool = False
    refuse: dict[int, Refusal] = field(default_factory=dict)  # what the database refuses

    async def __call__(self, reports: Sequence[VehicleReport]) -> dict[int, Refusal]:
        if self.fail:
            raise ConnectionError("database down")
        self.batches.append(list(reports))
        return self.refuse


@dataclass
class Pushed:
    client: TestClient
    sink: MemorySink
    tally: PushTally

    async def post(self, key: str | None = KEY, **kwargs: object):  # type: ignore[no-untyped-def]
        headers = {} if key is None else {"X-Push-Key": key}
        return await self.client.post(URL, headers=headers, **kwargs)


@pytest_asyncio.fixture(loop_scope="session")
async def pushed() -> AsyncIterator[Pushed]:
    sink = MemorySink()
    app = web.Application()
    tally = add_push_routes(app, sink, lambda: NOW, SOURCES)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        yield Pushed(client, sink, tally)
    finally:
        await client.close()


def item(vehicle: str = "TC0001", at: float = NOW - 5, **changes: object) -> dict[str, object]:
    return {"vehicle_id": vehicle, "timestamp": at, "lat": 35.07, "lon": 109.074,
            "speed_mps": 5.5, "bearing": 90, **changes}


async def test_valid_reports_reach_the_sink(pushed: Pushed) -> None:
    response = await pushed.post(json=[item(), item("TC0002", speed_mps=None,
                                                                bearing=None)])
    assert response.status == 200
    assert await response.json() == {"accepted": 2, "rejected": []}
    (batch,) = pushed.sink.batches
    # The source is the key's holder, stored with each report.
    assert batch[0] == VehicleReport("TC0001", NOW - 5, 35.07, 109.074, 5.5, 90.0, "http:partner",
                                     NOW)
    assert (batch[1].speed_mps, batch[1].bearing) == (None, None)


async def test_a_trip_descriptor_is_kept_with_the_report(pushed: Pushed) -> None:
    described = item(trip_id=" 30095100 ", route_id="D96", direction_id=1, start_date="20260216")
    response = await pushed.post(json=[described, item("TC0002", start_date="2026-02-16",
                                                       direction_id=0, trip_id=None)])
    assert await response.json() == {"accepted": 2, "rejected": []}
    (batch,) = pushed.sink.batches
    assert (batch[0].trip_id, batch[0].route_id, batch[0].direction_id, batch[0].start_date) == (
        "30095100", "D96", 1, date(2026, 2, 16))
    assert (batch[1].trip_id, batch[1].direction_id, batch[1].start_date) == (None, 0, date(2026, 2, 16))


async def test_wrapped_form_is_accepted(pushed: Pushed) -> None:
    response = await pushed.post(json={"reports": [item()]})
    assert (await response.json())["accepted"] == 1


@pytest.mark.parametrize(("bad", "reason", "field_name"), [
    ({"lat": 91}, "out_of_range", "lat"),
    ({"lon": -180.5}, "out_of_range", "lon"),
    ({"lat": "35.07"}, "not_a_number", "lat"),
    ({"lat": True}, "not_a_number", "lat"),
    ({"timestamp": None}, "missing_field", "timestamp"),
    ({"vehicle_id": ""}, "empty", "vehicle_id"),
    ({"vehicle_id": "x\u0000y"}, "control_character", "vehicle_id"),
    ({"vehicle_id": "TC\n0001"}, "control_character", "vehicle_id"),
    ({"vehicle_id": "T" * 65}, "too_long", "vehicle_id"),
    ({"timestamp": NOW - 40 * 86_400}, "too_old", "timestamp"),
    ({"vehicle_id": 42}, "not_a_string", "vehicle_id"),
    ({"speed_mps": -1}, "out_of_range", "speed_mps"),
    ({"bearing": 361}, "out_of_range", "bearing"),
    ({"timestamp": NOW + 3600}, "in_future", "timestamp"),
    ({"trip_id": "30095100\u0000"}, "control_character", "trip_id"),
    ({"trip_id": "T" * 129}, "too_long", "trip_id"),
    ({"trip_id": 30095100}, "not_a_string", "trip_id"),
    ({"route_id": ""}, "empty", "route_id"),
    ({"direction_id": 2}, "out_of_range", "direction_id"),
    ({"direction_id": "1"}, "out_of_range", "direction_id"),
    ({"start_date": "16/02/2026"}, "not_a_date", "start_date"),
    ({"start_date": 20260216}, "not_a_date", "start_date"),
])
async def test_bad_items_are_rejected_with_index_and_reason(
    pushed: Pushed, bad: dict[str, object], reason: str, field_name: str
) -> None:
    response = await pushed.post(json=[item(), item(**bad)])
    body = await response.json()
    assert response.status == 200
    assert body["accepted"] == 1
    (rejected,) = body["rejected"]
    assert (rejected["index"], rejected["reason"], rejected["field"]) == (1, reason, field_name)


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"1e400"])
async def test_non_finite_numbers_make_the_body_invalid_json(pushed: Pushed, number: bytes) -> None:
    # Strict JSON has no NaN or infinity; some encoders write them anyway.
    body = b'[{"vehicle_id": "A", "timestamp": 1772406000, "lat": ' + number + b', "lon": 109}]'
    response = await pushed.post(data=body)
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "invalid_json"
    assert pushed.sink.batches == []


async def test_items_that_are_not_objects_are_rejected(pushed: Pushed) -> None:
    body = await (await pushed.post(json=[item(), "TC0001,35,109", None])).json()
    assert body["accepted"] == 1
    assert [(r["index"], r["reason"]) for r in body["rejected"]] == [(1, "not_an_object"),
                                                                     (2, "not_an_object")]


async def test_a_push_with_nothing_valid_is_a_400_and_does_not_call_the_sink(pushed: Pushed) -> None:
    response = await pushed.post(json=[item("a\x00b"), item(lat=100)])
    body = await response.json()
    assert response.status == 400
    assert body["accepted"] == 0 and pushed.sink.batches == []
    assert [(r["index"], r["field"]) for r in body["rejected"]] == [(0, "vehicle_id"), (1, "lat")]
    assert pushed.tally.refused == {"control_character": 1, "out_of_range": 1}


async def test_a_lone_surrogate_is_invalid_json(pushed: Pushed) -> None:
    body = b'[{"vehicle_id": "a\\ud800", "timestamp": 1772406000, "lat": 35, "lon": 109}]'
    response = await pushed.post(data=body)
    assert response.status == 400 and pushed.sink.batches == []


async def test_rows_the_database_refuses_are_listed_by_their_index_in_the_body(pushed: Pushed) -> None:
    # Item 0 is refused here, so the sink sees items 1 and 2 as its 0 and 1.
    pushed.sink.refuse = {1: Refusal("not_storable", None, "the database refused it")}
    response = await pushed.post(json=[item(lat=100), item("TC0001"), item("TC0002")])
    body = await response.json()
    assert response.status == 200 and body["accepted"] == 1
    assert [(r["index"], r["reason"]) for r in body["rejected"]] == [(0, "out_of_range"),
                                                                     (2, "not_storable")]


@pytest.mark.parametrize("key", [None, "", "wrong-key", "partner-ke", "partner-key2"])
async def test_without_a_known_key_nothing_is_read(pushed: Pushed, key: str | None) -> None:
    response = await pushed.post(key=key, json=[item()])
    assert response.status == 401
    assert (await response.json())["error"]["code"] in ("missing_key", "unknown_key")
    assert pushed.sink.batches == [] and pushed.tally.unauthorised == 1


async def test_a_source_over_its_rate_gets_a_429_with_retry_after(pushed: Pushed) -> None:
    statuses = [(await pushed.post(key="slow-key", json=[item()])).status for _ in range(3)]
    assert statuses == [200, 200, 429]
    response = await pushed.post(key="slow-key", json=[item()])
    assert response.headers["Retry-After"] == "10"
    assert len(pushed.sink.batches) == 2


@pytest.mark.parametrize("payload", [b"not json", b'{"reports": 5}', b'"a string"', b""])
async def test_a_body_that_is_not_a_list_of_reports_is_a_json_400(
    pushed: Pushed, payload: bytes
) -> None:
    response = await pushed.post(data=payload)
    body = await response.json()
    assert response.status == 400
    assert set(body["error"]) == {"code", "message"}
    assert pushed.sink.batches == []


async def test_too_large_a_body_is_a_json_413(pushed: Pushed) -> None:
    response = await pushed.post(data=b"[" + b" " * MAX_BODY_BYTES + b"]")
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "body_too_large"


async def test_a_chunked_body_over_the_limit_is_a_413(pushed: Pushed) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b" " * 65536

    response = await pushed.post(data=chunks())
    assert response.status == 413


async def test_too_many_items_is_a_json_413(pushed: Pushed) -> None:
    response = await pushed.post(data=b"[" + b",".join([b"0"] * (MAX_ITEMS + 1)) + b"]")
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "too_many_reports"
    assert pushed.sink.batches == []


async def test_sink_failure_is_a_503_and_nothing_is_acknowledged(pushed: Pushed) -> None:
    pushed.sink.fail = True
    response = await pushed.post(json=[item()])
    body = await response.json()
    assert response.status == 503 and response.headers["Retry-After"] == "1"
    assert body["error"]["code"] == "not_stored"
    assert "accepted" not in body


async def test_the_200_comes_after_the_commit(clean_pool: asyncpg.Pool) -> None:
    """The real durable path: Ingest over a BatchWriter into PostgreSQL."""
    fleet = LiveTracking(Tracker(load_feed(zip_feed(TINY_FEED), "tiny.zip").network), lambda: NOW)
    async with (
        BatchWriter(partial(insert_reports, clean_pool), name="reports",
                    is_row_fault=is_row_fault) as reports,
        BatchWriter(partial(insert_taps, clean_pool), name="taps") as taps,
    ):
        ingest = Ingest(reports, taps, fleet, b"key", partial(store_new_taps, clean_pool))
        app = web.Application()
        add_push_routes(app, ingest.submit_reports, lambda: NOW, SOURCES)
        client = TestClient(TestServer(app, host="127.0.0.1"))
        await client.start_server()
        writer = asyncio.create_task(fleet.run())
        try:
            response = await client.post(URL, headers={"X-Push-Key": KEY}, json=[
                item("TC0101", NOW - 20), item("TC0101", NOW - 10), item("TC0102", lat=-91)])
            body = await response.json()
            # Read straight away: the rows must already be committed.
            stored = await list_reports(clean_pool, "TC0101", NOW - 60, NOW)
        finally:
            await client.close()
            writer.cancel()
    assert response.status == 200 and body["accepted"] == 2
    assert sorted(r.timestamp for r in stored) == [NOW - 20, NOW - 10]
    assert {r.source for r in stored} == {"http:partner"}
    assert await list_reports(clean_pool, "TC0102", NOW - 60, NOW) == []
