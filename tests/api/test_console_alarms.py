"""Alarms over HTTP and the console's socket, on a real PostgreSQL: the watch
triggers a bunching alarm from the live state, a dispatcher of the line
acknowledges it with a note (escaped on the page, audited), everyone else
is refused, the alarm resolves once the buses are apart again, and open
consoles are pushed each change."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import asyncpg
import orjson
import pytest_asyncio
from aiohttp.test_utils import TestClient

from tests.api.console_helpers import add, form_token, log_in
from tests.api.console_live_helpers import eventually, live_console, set_live
from tests.clock import Clock
from tests.console.live_helpers import EIGHT, at, bus, run, trip_id
from transit.live.tracking import LiveTracking
from transit.store.alarms import list_open_alarms, list_resolved_alarms
from transit.store.audit import list_audit

A, B = trip_id(EIGHT), trip_id(EIGHT + 600)
NOW = at(EIGHT + 960)
NOTE = '<script>alert("x")</script> 已联系 b 车司机'


def bunched(live: LiveTracking, now: float = NOW) -> None:
    """b left the sixth stop 3 minutes after a (10 due): bunching."""
    set_live(live, now, [bus("a", A, 6, now - 5), bus("b", B, 6, now - 5)], run("a", A, 6, 420) + run("b", B, 6))


@pytest_asyncio.fixture(loop_scope="session")
async def console(clean_pool: asyncpg.Pool) -> AsyncIterator[tuple[TestClient, LiveTracking, Clock]]:
    await add(clean_pool, "wang", "dispatcher:lines=L1", display_name="王芳")
    await add(clean_pool, "zhao", "viewer")
    await add(clean_pool, "sun", "dispatcher:lines=L9")
    clock = Clock(NOW)
    async with live_console(clean_pool, clock) as (client, live):
        bunched(live)

        async def triggered() -> bool:
            return len(await list_open_alarms(clean_pool)) == 1

        await eventually(triggered)
        yield client, live, clock


async def _alarm_page(client: TestClient, user: str) -> str:
    await log_in(client, user)
    answer = await client.get("/console/alarms")
    assert answer.status == 200
    return await answer.text()


async def test_a_dispatcher_of_the_line_acknowledges_with_a_note(clean_pool: asyncpg.Pool, console) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = console
    (alarm,) = await list_open_alarms(clean_pool)
    page = await _alarm_page(client, "wang")
    assert f'<tr data-alarm="{alarm.id}" data-kind="bunching" class="triggered"><td>串车</td><td>1</td>' in page
    assert "b 与前车 a 在 Stop L1-0-S06 间隔 3:00（计划 10:00，阈值 ≤ 75%）" in page
    assert f'action="/console/alarms/{alarm.id}/ack"' in page and '<span class="badge" id="alarm-count">1' in page
    answer = await client.post(f"/console/alarms/{alarm.id}/ack", allow_redirects=False,
                               data={"csrf_token": form_token(page), "note": NOTE})
    assert answer.status == 303 and answer.headers["Location"] == "/console/alarms"
    page = await (await client.get("/console/alarms")).text()
    assert "<script>alert" not in page
    assert "wang（调度员）08:16:00 确认：&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert 'class="acknowledged"' in page and f'action="/console/alarms/{alarm.id}/ack"' not in page
    entry = (await list_audit(clean_pool, 1))[0]
    assert (entry.actor, entry.role, entry.action, entry.object_id, entry.reason) == (
        "wang", "dispatcher", "acknowledge_alarm", str(alarm.id), NOTE)
    again = await client.post(f"/console/alarms/{alarm.id}/ack", data={"csrf_token": form_token(page), "note": "x"})
    assert again.status == 409 and "该告警已被确认" in await again.text()


async def test_a_viewer_and_a_dispatcher_of_another_line_cannot_acknowledge(clean_pool: asyncpg.Pool,  # type: ignore[no-untyped-def]
                                                                            console) -> None:
    client, _, _ = console
    (alarm,) = await list_open_alarms(clean_pool)
    page = await _alarm_page(client, "zhao")
    assert f'data-alarm="{alarm.id}"' in page and "仅负责该线路的调度员可确认" in page
    assert f'action="/console/alarms/{alarm.id}/ack"' not in page
    refused = await client.post(f"/console/alarms/{alarm.id}/ack", data={"csrf_token": form_token(page), "note": "ok"})
    assert refused.status == 403 and "您的角色不允许此操作" in await refused.text()
    page = await _alarm_page(client, "sun")
    assert f'data-alarm="{alarm.id}"' not in page  # out of scope: not even listed
    refused = await client.post(f"/console/alarms/{alarm.id}/ack", data={"csrf_token": form_token(page), "note": "ok"})
    assert refused.status == 403 and "不在您负责的线路" in await refused.text()
    assert (await list_open_alarms(clean_pool))[0].acknowledged_at is None
    assert [e.action for e in await list_audit(clean_pool, 10)] == ["add_user"] * 3


async def test_bad_acknowledgements_are_refused(clean_pool: asyncpg.Pool, console) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = console
    (alarm,) = await list_open_alarms(clean_pool)
    token = form_token(await _alarm_page(client, "wang"))
    for note in ("", "   ", "a\x07b", "长" * 501):
        answer = await client.post(f"/console/alarms/{alarm.id}/ack", data={"csrf_token": token, "note": note})
        assert answer.status == 400 and "备注不能为空" in await answer.text()
    assert (await client.post("/console/alarms/999999/ack", data={"csrf_token": token, "note": "x"})).status == 404
    assert (await client.post("/console/alarms/x/ack", data={"csrf_token": token, "note": "x"})).status == 404
    forged = await client.post(f"/console/alarms/{alarm.id}/ack", data={"csrf_token": "forged", "note": "x"})
    assert forged.status == 403
    assert (await list_open_alarms(clean_pool))[0].acknowledged_at is None


async def test_the_alarm_resolves_once_the_buses_are_apart_again(clean_pool: asyncpg.Pool, console) -> None:  # type: ignore[no-untyped-def]
    client, live, clock = console
    (alarm,) = await list_open_alarms(clean_pool)
    clock.now = NOW + 20
    set_live(live, clock.now, [bus("a", A, 6, clock.now - 5), bus("b", B, 6, clock.now - 5)],
             run("a", A, 6) + run("b", B, 6))  # 10 minutes apart

    async def resolved() -> bool:
        return [a.id for a in await list_resolved_alarms(clean_pool, 5)] == [alarm.id]

    await asyncio.sleep(0.2)  # a few rounds of the watch
    assert await list_resolved_alarms(clean_pool, 5) == []  # gone 20 s: not yet
    clock.now = NOW + 40
    await eventually(resolved)
    page = await _alarm_page(client, "wang")
    assert "当前没有未解除的告警" in page and "08:16:40 解除" in page and "最近解除的告警" in page
    refused = await client.post(f"/console/alarms/{alarm.id}/ack", data={"csrf_token": form_token(page), "note": "x"})
    assert refused.status == 409 and "该告警已解除" in await refused.text()


async def test_open_consoles_are_pushed_each_change(clean_pool: asyncpg.Pool, console) -> None:  # type: ignore[no-untyped-def]
    client, live, _ = console
    (alarm,) = await list_open_alarms(clean_pool)
    page = await _alarm_page(client, "wang")
    socket = await client.ws_connect("/console/socket?view=line&route=L1")
    messages = {}
    while set(messages) != {"line", "alarms"}:
        message = orjson.loads((await socket.receive(timeout=5)).data)
        messages[message["type"]] = message
    assert messages["alarms"] == {"type": "alarms", "count": 1, "signature": f"{alarm.id}t"}
    assert {b[0] for b in messages["line"]["buses"]} == {"a", "b"}
    await client.post(f"/console/alarms/{alarm.id}/ack", data={"csrf_token": form_token(page), "note": "ok"})
    pushed = orjson.loads((await socket.receive(timeout=5)).data)
    assert pushed == {"type": "alarms", "count": 1, "signature": f"{alarm.id}a"}
    set_live(live, NOW, [bus("a", A, 7, NOW - 1)], run("a", A, 7, 420))
    pushed = orjson.loads((await socket.receive(timeout=5)).data)
    assert pushed["type"] == "line" and [b[0] for b in pushed["buses"]] == ["a"]
    await socket.close()


async def test_the_socket_opens_only_from_the_consoles_own_pages(console) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = console
    await log_in(client, "wang")
    for query, status in (("view=nope", 400), ("view=line", 400), ("view=line&route=NOPE", 400)):
        answer = await client.get(f"/console/socket?{query}")
        assert answer.status == status
    try:
        await client.ws_connect("/console/socket?view=map", headers={"Origin": "http://evil.example"})
        raise AssertionError("a socket opened from another site")
    except aiohttp.WSServerHandshakeError as refused:
        assert refused.status == 403
    await log_in(client, "sun")
    try:
        await client.ws_connect("/console/socket?view=line&route=L1")
        raise AssertionError("a socket opened on a line out of scope")
    except aiohttp.WSServerHandshakeError as refused:
        assert refused.status == 403
