"""Roles scoped to depots over HTTP, on a real PostgreSQL: with lines given
depots (``ConsoleSettings.line_depots``), a dispatcher of a depot sees and
acknowledges the alarms of its lines and the line pages, a dispatcher of
another depot sees none of them; a viewer of a depot reads the reports of
its lines only; a sign operator of a depot sends to its lines' signs and
not to every sign; an approver of a depot approves its lines' drafts. And
the service loads which depot runs which line from its file, or derives it."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import asyncpg
import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer

from feeds.schedules.depots import DepotsFileError
from signage.registry import Sign, SignKind, SignRegistry
from tests.api.console_helpers import T0, add, console_client, form_token, log_in
from tests.api.test_console_drafts import act
from tests.api.console_live_helpers import SETTINGS, eventually, live_console
from tests.api.test_console_alarms import NOW, bunched
from tests.clock import Clock
from tests.cli.observed import events_and_taps
from tests.drafts.stored import store_small_city_draft
from tests.replay.helpers import _network_and_zip
from tests.signage.fixtures import NETWORK as TINY, at
from tests.simulator.helpers import WEEKDAY
from transit.api.app import PassengerAccess, ServiceContext, init_app
from transit.api.console import ConsoleSettings
from transit.api.ratelimit import parse_keys
from transit.bootstrap import load_line_depots
from transit.config import Config
from transit.console.line_depots import line_depots
from transit.live.tracking import LiveTracking
from transit.model.service_days import to_unix
from transit.store.alarms import list_open_alarms
from transit.store.audit import list_audit
from transit.store.sign_messages import list_recent_messages
from transit.store.stop_events import upsert_stop_events
from transit.tracking.tracker import Tracker

NORTH = line_depots([("L1", "北站"), ("L2", "南站"), ("R1", "北站"), ("R2", "北站")])


async def _ok() -> int:
    return 1


async def _page(client: TestClient, path: str, status: int = 200) -> str:
    answer = await client.get(path)
    assert answer.status == status, path
    return await answer.text()


async def test_a_depot_dispatcher_sees_and_acknowledges_its_lines_alarms_only(clean_pool: asyncpg.Pool) -> None:
    await add(clean_pool, "bei", "dispatcher:depots=北站")
    await add(clean_pool, "nan", "dispatcher:depots=南站")
    clock = Clock(NOW)
    async with live_console(clean_pool, clock, dataclasses.replace(SETTINGS, line_depots=NORTH)) as (client, live):
        bunched(live)

        async def triggered() -> bool:
            return len(await list_open_alarms(clean_pool)) == 1

        await eventually(triggered)
        (alarm,) = await list_open_alarms(clean_pool)
        await log_in(client, "nan")
        page = await _page(client, "/console/alarms")
        assert f'data-alarm="{alarm.id}"' not in page and '<span class="badge" id="alarm-count">0' in page
        assert 'href="/console/lines/L1"' not in await _page(client, "/console/live")
        await _page(client, "/console/lines/L1", 403)
        refused = await client.post(f"/console/alarms/{alarm.id}/ack",
                                    data={"csrf_token": form_token(page), "note": "不是我的"})
        assert refused.status == 403 and "不在您负责的线路" in await refused.text()

        await log_in(client, "bei")
        page = await _page(client, "/console/alarms")
        assert f'data-alarm="{alarm.id}"' in page and f'action="/console/alarms/{alarm.id}/ack"' in page
        assert 'href="/console/lines/L1"' in await _page(client, "/console/live")
        assert 'name="bunching"' in await _page(client, "/console/lines/L1")  # may change its thresholds
        answer = await client.post(f"/console/alarms/{alarm.id}/ack", allow_redirects=False,
                                   data={"csrf_token": form_token(page), "note": "已处理"})
        assert answer.status == 303
        assert (await list_open_alarms(clean_pool))[0].acknowledged_by == "bei"
        entry = (await list_audit(clean_pool, 1))[0]
        assert (entry.actor, entry.role, entry.action) == ("bei", "dispatcher", "acknowledge_alarm")
        socket = await client.ws_connect("/console/socket?view=alarms")
        message = orjson.loads((await socket.receive(timeout=5)).data)
        assert message == {"type": "alarms", "count": 1, "signature": f"{alarm.id}a"}
        await socket.close()


async def test_a_depot_viewer_reads_the_reports_of_its_lines_only(clean_pool: asyncpg.Pool) -> None:
    network, _ = _network_and_zip()
    events, _ = events_and_taps()
    await upsert_stop_events(clean_pool, events)
    await add(clean_pool, "bei", "viewer:depots=北站")
    clock = Clock(to_unix(WEEKDAY, 12 * 3600, network.timezone))
    client = TestClient(TestServer(init_app(
        ServiceContext(network, 1, LiveTracking(Tracker(network), clock), _ok, clock), store=clean_pool,
        console=ConsoleSettings(line_depots=NORTH), wall_clock=clock)))
    await client.start_server()
    try:
        await log_in(client, "bei")
        day = WEEKDAY.isoformat()
        page = await _page(client, f"/console/reports/adherence?day={day}")
        assert f'line=L1"' in page and "line=L2" not in page
        rows = (await _page(client, f"/console/reports/adherence.csv?day={day}")).splitlines()
        assert len(rows) > 2 and {row.split(",")[1] for row in rows[1:]} == {"L1"}
        assert ",L2," not in await _page(client, f"/console/reports/regularity.csv?day={day}")
        await _page(client, f"/console/reports/adherence?day={day}&line=L2", 403)
    finally:
        await client.close()


async def test_a_depot_sign_operator_sends_to_its_lines_signs(clean_pool: asyncpg.Pool) -> None:
    await add(clean_pool, "bei", "sign_operator:depots=北站")
    await add(clean_pool, "nan", "sign_operator:depots=南站")
    clock = Clock(at(7.9))
    token = "sign-token-0123456789"
    signs = SignRegistry([Sign("TC-S2", "S2", SignKind.ELECTRONIC, token, 24, 4)])
    access = PassengerAccess(signs, "admin-token-0123456789", parse_keys("demo:demo-app-key:50:100"))
    client = TestClient(TestServer(init_app(
        ServiceContext(TINY, 1, LiveTracking(Tracker(TINY), clock), _ok, clock), access, store=clean_pool,
        console=ConsoleSettings(line_depots=NORTH), wall_clock=clock)))
    await client.start_server()
    try:
        await log_in(client, "nan")
        await _page(client, "/console/signs/TC-S2", 403)
        page = await _page(client, "/console/signs")
        assert 'data-sign="TC-S2"' not in page
        refused = await client.post("/console/signs/messages", data={
            "csrf_token": form_token(page), "target_kind": "line", "target_id": "R1", "text": "x", "minutes": "5"})
        assert refused.status == 403 and await list_recent_messages(clean_pool, 5) == []

        await log_in(client, "bei")
        page = await _page(client, "/console/signs/TC-S2")
        assert 'id="send-sign"' in page
        for kind, target_id in (("sign", "TC-S2"), ("line", "R1")):
            answer = await client.post("/console/signs/messages", allow_redirects=False, data={
                "csrf_token": form_token(page), "target_kind": kind, "target_id": target_id,
                "text": f"北站通知 {kind}", "minutes": "30"})
            assert answer.status == 303, kind
        everywhere = await client.post("/console/signs/messages", data={
            "csrf_token": form_token(page), "target_kind": "all", "target_id": "", "text": "x", "minutes": "5"})
        assert everywhere.status == 403  # every sign is network-wide: no depot's
        shown = await client.get("/signs/TC-S2/arrivals", headers={"X-Sign-Token": token})
        assert [m["text"] for m in orjson.loads(await shown.read())["messages"]] == ["北站通知 line", "北站通知 sign"]
    finally:
        await client.close()


async def test_a_depot_approver_approves_the_drafts_of_its_lines(clean_pool: asyncpg.Pool) -> None:
    await add(clean_pool, "wu", "planner")
    await add(clean_pool, "bei", "approver:depots=北站")
    await add(clean_pool, "nan", "approver:depots=南站")
    async with console_client(clean_pool, ConsoleSettings(line_depots=NORTH), Clock(T0)) as client:
        draft_id, _ = await store_small_city_draft(clean_pool)  # changes line R1
        path = f"/console/drafts/{draft_id}"
        await log_in(client, "wu")
        assert (await act(client, path, act="validate"))[0] == 303
        await log_in(client, "nan")
        assert f'data-draft="{draft_id}"' not in await _page(client, "/console/drafts")
        await _page(client, path, 403)
        await log_in(client, "bei")
        assert f'data-draft="{draft_id}"' in await _page(client, "/console/drafts")
        status, _, location = await act(client, path, act="approve", reason="北站线路")
        assert (status, location) == (303, f"{path}?done=approve")


def test_the_service_loads_its_line_depots_file_or_derives_them(tmp_path: Path,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    network, _ = _network_and_zip()  # L1 and L2, far from the demo city's depots
    caplog.set_level(logging.INFO)
    assert load_line_depots(Config(), network).depots_of == {}
    assert "line_depots_missing lines=L1,L2" in caplog.text
    path = tmp_path / "line_depots.csv"
    path.write_text("route_id,depot\nL1,北站\nL9,南站\n", encoding="utf-8")
    found = load_line_depots(Config(line_depots=path), network)
    assert dict(found.depots_of) == {"L1": frozenset({"北站"})}
    assert "line_depots_unknown_lines" in caplog.text and "lines=L9" in caplog.text
    path.write_text("route_id,depot\nL1,\n", encoding="utf-8")
    with pytest.raises(DepotsFileError, match="line 2: depot empty"):
        load_line_depots(Config(line_depots=path), network)
