"""Sign routes over a real aiohttp TestServer: tokens, errors, 304s, caching, health."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import quote

import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from signage.endpoints import SignService, add_sign_routes
from signage.health import SignHealth
from signage.registry import Sign, SignKind, SignRegistry
from tests.clock import Clock
from tests.signage.fixtures import NETWORK, at, snapshot_with_t2
from transit.arrivals import StopTimetable
from transit.live.tracking import LiveSnapshot

TOKEN = "a" * 32
ADMIN = "admin-token-0123456789"
REGISTRY = SignRegistry([
    Sign("TC-S2", "S2", SignKind.ELECTRONIC, TOKEN, 24, 4),
    Sign("TC-S1", "S1", SignKind.ELECTRONIC, "b" * 32, 24, 4),
    Sign("TC-S3", "S3", SignKind.ORDINARY, "c" * 32, 0, 0),
])
SIGN = {"X-Sign-Token": TOKEN}


@dataclass
class Signs:
    client: TestClient
    clock: Clock
    live: list[LiveSnapshot]
    service: SignService


@pytest_asyncio.fixture(loop_scope="session")
async def signs() -> AsyncIterator[Signs]:
    clock = Clock(at(8))
    live = [snapshot_with_t2(clock.now, clock.now + 200)]
    app = web.Application()
    service = add_sign_routes(app, registry=REGISTRY, network=NETWORK, timetable=StopTimetable(NETWORK),
                              snapshot=lambda: live[0], clock=clock, health=SignHealth(), admin_token=ADMIN)
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield Signs(client, clock, live, service)
    finally:
        await client.close()


async def error_code(response) -> str:  # type: ignore[no-untyped-def]
    assert response.content_type == "application/json"
    return (await response.json())["error"]["code"]


async def test_token_errors(signs: Signs) -> None:
    client = signs.client
    response = await client.get("/signs/TC-S2/arrivals")
    assert response.status == 401 and await error_code(response) == "bad_token"
    response = await client.get("/signs/TC-S2/arrivals", headers={"X-Sign-Token": "b" * 32})
    assert response.status == 401
    response = await client.get(f"/signs/TC-S2/arrivals?token={TOKEN}")
    assert response.status == 200


async def test_unknown_sign_and_hostile_ids_get_a_clean_404(signs: Signs) -> None:
    for sign_id in ("TC-S9", "<script>alert(1)</script>", "S1'; DROP TABLE signs;--"):
        response = await signs.client.get(f"/signs/{quote(sign_id, safe='')}/arrivals", headers=SIGN)
        assert response.status == 404
        body = await response.text()
        assert await error_code(response) == "unknown_sign" and "<script>" not in body and "DROP" not in body


async def test_bad_format(signs: Signs) -> None:
    response = await signs.client.get("/signs/TC-S2/arrivals?format=xml", headers=SIGN)
    assert response.status == 400 and await error_code(response) == "bad_format"
    response = await signs.client.get("/signs/TC-S3/arrivals?format=led", headers={"X-Sign-Token": "c" * 32})
    assert response.status == 400 and await error_code(response) == "no_led"


async def test_formats(signs: Signs) -> None:
    client = signs.client
    response = await client.get("/signs/TC-S2/arrivals", headers=SIGN)
    assert response.headers["Cache-Control"] == "no-cache"
    assert (await response.json())["lines"][0]["arrivals"][0]["minutes"] == 3
    response = await client.get("/signs/TC-S2/arrivals?format=led", headers=SIGN)
    assert response.headers["Content-Type"] == "text/plain; charset=gb2312"
    rows = (await response.read()).split(b"\r\n")
    assert len(rows) == 4 and all(len(r) == 24 for r in rows)
    response = await client.get("/signs/TC-S2/arrivals?format=voice", headers=SIGN)
    assert await response.text() == "1路 开往 七一路口 还有3分钟到站。"


async def test_304_when_unchanged_and_new_payloads_when_snapshot_or_minute_change(signs: Signs) -> None:
    client, clock = signs.client, signs.clock
    first = await client.get("/signs/TC-S2/arrivals?format=voice", headers=SIGN)
    etag = first.headers["ETag"]
    renders = signs.service.payloads.renders
    same = await client.get("/signs/TC-S2/arrivals?format=voice", headers={**SIGN, "If-None-Match": etag})
    assert same.status == 304 and await same.read() == b"" and same.headers["ETag"] == etag
    assert signs.service.payloads.renders == renders  # a lookup, no render
    # A new snapshot with a later prediction: within 10 s the payload stands
    # (a sign polls every 10-30 s; snapshots come several times a second) ...
    signs.live[0] = snapshot_with_t2(clock.now, clock.now + 320)
    soon = await client.get("/signs/TC-S2/arrivals?format=voice", headers={**SIGN, "If-None-Match": etag})
    assert soon.status == 304
    # ... and then a new payload.
    clock.now += 10
    moved = await client.get("/signs/TC-S2/arrivals?format=voice", headers={**SIGN, "If-None-Match": etag})
    assert moved.status == 200 and await moved.text() == "1路 开往 七一路口 还有5分钟到站。"
    # The same snapshot a minute later: the countdown moves on.
    clock.now += 60
    later = await client.get("/signs/TC-S2/arrivals?format=voice",
                             headers={**SIGN, "If-None-Match": moved.headers["ETag"]})
    assert later.status == 200 and await later.text() == "1路 开往 七一路口 还有4分钟到站。"
    clock.now -= 70


async def test_polls_and_reported_errors_make_the_health_list(signs: Signs) -> None:
    client, clock = signs.client, signs.clock
    await client.get("/signs/TC-S2/arrivals", headers={**SIGN, "X-Sign-Version": "led-fw 2.1"})
    response = await client.post("/signs/TC-S2/health", headers=SIGN, json={"errors": ["LED row 3 dark"]})
    assert response.status == 204
    response = await client.post("/signs/TC-S2/health", headers=SIGN, data=b"{not json")
    assert response.status == 400 and await error_code(response) == "bad_json"
    response = await client.post("/signs/TC-S2/health", headers=SIGN, json={"errors": [1]})
    assert response.status == 400
    assert (await client.get("/signs/health")).status == 401
    response = await client.get("/signs/health", headers={"X-Admin-Token": ADMIN})
    health = {s["sign_id"]: s for s in (await response.json())["signs"]}
    assert health["TC-S2"]["last_poll"] == clock.now and health["TC-S2"]["version"] == "led-fw 2.1"
    assert health["TC-S2"]["errors"] == ["LED row 3 dark"]
    assert health["TC-S3"]["last_poll"] is None


async def test_offline_lists_silent_electronic_signs(signs: Signs) -> None:
    client, clock = signs.client, signs.clock
    admin = {"X-Admin-Token": ADMIN}
    await client.get("/signs/TC-S2/arrivals", headers=SIGN)
    body = await (await client.get("/signs/offline?threshold=600", headers=admin)).json()
    assert [s["sign_id"] for s in body["signs"]] == ["TC-S1"]  # never polled; TC-S3 is not electronic
    clock.now += 601
    try:
        body = await (await client.get("/signs/offline", headers=admin)).json()
        assert [(s["sign_id"], s["age_s"]) for s in body["signs"]] == [("TC-S1", None), ("TC-S2", 601.0)]
    finally:
        clock.now -= 601
    response = await client.get("/signs/offline?threshold=-1", headers=admin)
    assert response.status == 400 and await error_code(response) == "bad_threshold"
    assert (await client.get("/signs/offline", headers={"X-Admin-Token": "x" * 22})).status == 401
