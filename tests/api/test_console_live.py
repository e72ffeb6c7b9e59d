"""The live view over HTTP: the map and the table of lines, a line's ladder
with its buses where the snapshot puts them, a stale line said to be stale
(and no bus drawn as live), the JSON the page polls, the scope of a user,
and a line's thresholds changed by its dispatcher only (audited, checked)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import asyncpg
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient

from tests.api.console_helpers import add, form_token, log_in
from tests.api.console_live_helpers import live_console, set_live
from tests.clock import Clock
from tests.console.live_helpers import EIGHT, at, bus, run, trip_id
from transit.live.tracking import LiveTracking
from transit.store.alarms import list_thresholds
from transit.store.audit import list_audit

A, B = trip_id(EIGHT), trip_id(EIGHT + 600)
NOW = at(EIGHT + 960)


@pytest_asyncio.fixture(loop_scope="session")
async def console(clean_pool: asyncpg.Pool) -> AsyncIterator[tuple[TestClient, LiveTracking, Clock]]:
    await add(clean_pool, "wang", "dispatcher:lines=L1", display_name="王芳")
    await add(clean_pool, "zhao", "viewer")
    await add(clean_pool, "sun", "dispatcher:lines=L9")
    clock = Clock(NOW)
    async with live_console(clean_pool, clock) as (client, live):
        set_live(live, NOW, [bus("a", A, 6, NOW - 5, along=2100), bus("b", B, 6, NOW - 5, along=2000)],
                 run("a", A, 6, 120) + run("b", B, 6))
        yield client, live, clock


async def test_the_live_page_draws_the_lines_shapes_and_the_live_buses(console) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = console
    await log_in(client, "zhao")
    answer = await client.get("/console/live")
    assert answer.status == 200
    page = await answer.text()
    assert page.count('<path class="shape"') == 2
    assert re.search(r'<circle class="bus" r="4" cx="[\d.]+" cy="[\d.]+" data-vehicle="a">', page)
    assert '<tr data-route="L1" class="live">' in page and "8:00 / 10:00" in page  # b 8 min behind a, 10 due
    assert '<script src="/console/console.js" defer></script>' in page
    assert not re.search(r'(src|href)="https?:', page)  # nothing from another site
    script = await client.get("/console/console.js")
    assert script.status == 200 and script.content_type == "text/javascript"
    assert "new WebSocket" in await script.text()


async def test_the_ladder_puts_each_bus_where_the_snapshot_says(console) -> None:  # type: ignore[no-untyped-def]
    client, live, clock = console
    await log_in(client, "zhao")
    page = await (await client.get("/console/lines/L1")).text()
    assert page.count('class="stop"') == 24 and "开往 Stop L1-0-S12" in page
    assert 'class="freshness live"' in page and "实时：2 辆车在线" in page
    # 2000 m along is the sixth stop (5 x 400 m): y = 36 + 5 x 26
    assert 'data-vehicle="b" data-rail="0" transform="translate(250,166)"' in page
    assert "<td>b</td><td>a</td><td>Stop L1-0-S06</td><td>8:00</td><td>10:00</td><td>80%</td>" in page

    data = await (await client.get("/console/lines/L1.json")).json()
    line, alarms = data
    assert line["type"] == "line" and line["state"] == "live"
    assert sorted(line["buses"]) == [["a", 0, 172.5, "bus"], ["b", 0, 166.0, "bus"]]
    assert alarms["type"] == "alarms"
    # A new report moves b on: the next poll has it further down its rail.
    clock.now = NOW + 10
    set_live(live, NOW + 10, [bus("b", B, 6, NOW + 8, along=2200)], run("b", B, 6))
    (moved,) = (await (await client.get("/console/lines/L1.json")).json())[0]["buses"]
    assert moved == ["b", 0, 179.0, "bus"]


async def test_a_stale_line_says_so_in_red_and_shows_no_bus(console) -> None:  # type: ignore[no-untyped-def]
    client, live, _ = console
    set_live(live, NOW, [bus("b", B, 6, NOW - 400, along=2000)], run("b", B, 6))
    await log_in(client, "zhao")
    page = await (await client.get("/console/lines/L1?lang=en")).text()
    assert '<p id="freshness" class="freshness stale" role="status">STALE:' in page
    assert "no bus has reported for 7 min" in page and "No bus is shown as live" in page
    assert 'data-vehicle="b"' not in page
    live_page = await (await client.get("/console/live")).text()
    assert '<tr data-route="L1" class="stale">' in live_page and 'data-vehicle="b"' not in live_page
    line = (await (await client.get("/console/lines/L1.json")).json())[0]
    assert line["state"] == "stale" and line["buses"] == [] and line["freshness"].startswith("STALE")


async def test_a_user_sees_only_the_lines_of_their_scope(console) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = console
    await log_in(client, "sun")  # dispatcher of L9 only
    assert (await client.get("/console/lines/L1")).status == 403
    assert (await client.get("/console/lines/L1.json")).status == 403
    page = await (await client.get("/console/live")).text()
    assert 'data-route="L1" class=' not in page and 'data-vehicle="a"' not in page
    assert page.count('<path class="shape"') == 2  # the streets are everyone's
    assert (await client.get("/console/lines/NOPE")).status == 404


async def test_the_dispatcher_of_a_line_changes_its_thresholds(clean_pool: asyncpg.Pool, console) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = console
    await log_in(client, "wang")
    page = await (await client.get("/console/lines/L1")).text()
    assert "串车：实际间隔 ≤ 计划的 75%；大间隔：≥ 计划的 125%（默认）" in page
    token = form_token(page)
    answer = await client.post("/console/lines/L1/thresholds", allow_redirects=False, data={
        "csrf_token": token, "bunching": "60", "gapping": "150", "reason": "早高峰 <i>"})
    assert answer.status == 303 and answer.headers["Location"] == "/console/lines/L1"
    page = await (await client.get("/console/lines/L1")).text()
    assert "≤ 计划的 60%；大间隔：≥ 计划的 150%<" in page
    assert "<td>b</td><td>a</td><td>Stop L1-0-S06</td><td>8:00</td><td>10:00</td><td>80%</td>" in page
    assert (await list_thresholds(clean_pool))["L1"].bunching == pytest.approx(0.6)
    entry = (await list_audit(clean_pool, 1))[0]
    assert (entry.actor, entry.role, entry.action, entry.object_id, entry.reason) == (
        "wang", "dispatcher", "change_threshold", "L1", "早高峰 <i>")


@pytest.mark.parametrize(("bunching", "gapping"), [("0", "125"), ("100", "125"), ("75", "100"), ("75", "1001"),
                                                   ("abc", "125"), ("75.5", "125"), ("", "")])
async def test_thresholds_that_cannot_be_are_refused(clean_pool: asyncpg.Pool, console, bunching: str,  # type: ignore[no-untyped-def]
                                                     gapping: str) -> None:
    client, _, _ = console
    await log_in(client, "wang")
    token = form_token(await (await client.get("/console/lines/L1")).text())
    answer = await client.post("/console/lines/L1/thresholds", data={
        "csrf_token": token, "bunching": bunching, "gapping": gapping})
    assert answer.status == 400 and "串车阈值须为 1–99 的整数" in await answer.text()
    assert await list_thresholds(clean_pool) == {}


async def test_only_a_dispatcher_of_the_line_may_change_its_thresholds(clean_pool: asyncpg.Pool, console) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = console
    for user, reason in (("zhao", "您的角色不允许此操作"), ("sun", None)):
        await log_in(client, user)
        if reason is None:  # out of scope: not even the page
            token = form_token(await (await client.get("/console/live")).text())
        else:
            page = await (await client.get("/console/lines/L1")).text()
            assert 'name="bunching"' not in page  # a viewer sees the thresholds, not the form
            token = form_token(page)
        answer = await client.post("/console/lines/L1/thresholds", data={
            "csrf_token": token, "bunching": "50", "gapping": "150"})
        assert answer.status == 403
        assert (reason or "不在您负责的线路") in await answer.text()
    await log_in(client, "wang")
    answer = await client.post("/console/lines/L1/thresholds", data={"bunching": "50", "gapping": "150"})
    assert answer.status == 403 and "安全令牌" in await answer.text()  # no CSRF token
    assert await list_thresholds(clean_pool) == {}


async def test_the_live_pages_need_a_session(console) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = console
    for path in ("/console/live", "/console/lines/L1", "/console/live.json", "/console/alarms",
                 "/console/socket?view=map"):
        answer = await client.get(path, allow_redirects=False)
        assert answer.status == 303 and answer.headers["Location"].startswith("/console/login?next=")
