"""The sign screens over HTTP on a real PostgreSQL, with the service's own
application (signs, stop pages, the app API and the console): a sign
operator of the line sends a message to a stop's sign; it shows at once on
that sign's JSON (markup escaped), LED and voice, on the stop's page and its
JSON, in the app API and in the GTFS-RT Alerts feed, not at another stop,
until it is withdrawn or
expires on the service clock; a viewer and an operator of another line are
refused, and bad text, durations and targets are refused with the reason."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import orjson
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from google.transit import gtfs_realtime_pb2

from signage.registry import Sign, SignKind, SignRegistry
from tests.api.console_helpers import add, form_token, log_in
from tests.clock import Clock
from tests.signage.fixtures import NETWORK, at
from transit.api.app import PassengerAccess, ServiceContext, init_app
from transit.api.console import ConsoleSettings
from transit.api.ratelimit import parse_keys
from transit.live.tracking import LiveTracking
from transit.store.audit import list_audit
from transit.store.sign_messages import list_recent_messages
from transit.tracking.tracker import Tracker

TOKEN = "sign-token-0123456789"
HTML = '<script>alert("x")</script> 红旗街站暂停使用'
SIGNS = SignRegistry([Sign("TC-S2", "S2", SignKind.ELECTRONIC, TOKEN, 24, 4),
                      Sign("TC-S3", "S3", SignKind.ORDINARY, TOKEN, 0, 0)])
APP_KEY = {"X-Api-Key": "demo-app-key"}
Served = tuple[TestClient, Clock]


async def _ok() -> int:
    return 1


@pytest_asyncio.fixture(loop_scope="session")
async def served(clean_pool: asyncpg.Pool) -> AsyncIterator[Served]:
    await add(clean_pool, "li", "sign_operator:lines=R1", display_name="李站牌")
    await add(clean_pool, "zhao", "viewer")
    await add(clean_pool, "sun", "sign_operator:lines=R9")
    clock = Clock(at(7.9))
    context = ServiceContext(NETWORK, 1, LiveTracking(Tracker(NETWORK), clock), _ok, clock)
    access = PassengerAccess(SIGNS, "admin-token-0123456789", parse_keys("demo:demo-app-key:50:100"))
    client = TestClient(TestServer(init_app(context, access, store=clean_pool, console=ConsoleSettings(),
                                            wall_clock=clock)))
    await client.start_server()
    try:
        yield client, clock
    finally:
        await client.close()


async def _page(client: TestClient, path: str) -> str:
    answer = await client.get(path)
    assert answer.status == 200, path
    return await answer.text()


async def _send(client: TestClient, token: str, **fields: str) -> tuple[int, str, str]:
    answer = await client.post("/console/signs/messages", allow_redirects=False,
                               data={"csrf_token": token, "target_kind": "sign", "target_id": "TC-S2",
                                     "text": HTML, "minutes": "30", **fields})
    return answer.status, answer.headers.get("Location", ""), await answer.text()


async def _alerts(client: TestClient) -> list[gtfs_realtime_pb2.FeedEntity]:
    answer = await client.get("/gtfs-rt/alerts.pb")
    assert answer.status == 200 and answer.content_type == "application/x-protobuf"
    return list(gtfs_realtime_pb2.FeedMessage.FromString(await answer.read()).entity)


async def _sign_json(client: TestClient) -> bytes:
    answer = await client.get("/signs/TC-S2/arrivals", headers={"X-Sign-Token": TOKEN})
    assert answer.status == 200
    return await answer.read()


async def test_a_sign_operator_sends_to_a_stops_sign_and_every_channel_shows_it_escaped(
        clean_pool: asyncpg.Pool, served: Served) -> None:
    client, clock = served
    assert orjson.loads(await _sign_json(client))["messages"] == []
    assert await _alerts(client) == []
    await log_in(client, "li")
    page = await _page(client, "/console/signs/TC-S2")
    status, location, _ = await _send(client, form_token(page))
    (message,) = await list_recent_messages(clean_pool, 5)
    assert status == 303 and location == f"/console/signs/TC-S2?sent={message.message_id}"
    assert message.expires_at == clock.now + 1800 and message.sent_by == "li"
    shown = await _page(client, location)
    assert "消息 #1 已发布" in shown and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in shown
    assert "<script>alert" not in shown

    body = await _sign_json(client)
    assert b"<script" not in body and orjson.loads(body)["messages"][0]["text"] == HTML
    led = await client.get("/signs/TC-S2/arrivals?format=led", headers={"X-Sign-Token": TOKEN})
    assert '<script>alert("x")</scri' in (await led.read()).decode("gb2312")  # drawn as text, no markup read
    voice = await client.get("/signs/TC-S2/arrivals?format=voice", headers={"X-Sign-Token": TOKEN})
    assert (await voice.text()).startswith(f"乘客请注意：{HTML}")

    stop_page = await _page(client, "/s/S2")
    assert "&lt;script&gt;alert(&quot;x&quot;)" in stop_page and "<script>alert" not in stop_page
    stop_json = await (await client.get("/s/S2.json")).read()
    assert b"<script" not in stop_json and orjson.loads(stop_json)["messages"][0]["text"] == HTML
    app = await (await client.get("/app/v1/stops/S2/arrivals", headers=APP_KEY)).read()
    assert b"<script" not in app and orjson.loads(app)["messages"] == [
        {"message_id": message.message_id, "text": HTML, "expires_at": round(message.expires_at)}]
    elsewhere = await (await client.get("/app/v1/stops/S3/arrivals", headers=APP_KEY)).json()
    assert elsewhere["messages"] == []  # sent to the sign at S2 only
    (alert,) = await _alerts(client)
    assert alert.id == f"message-{message.message_id}"
    assert [e.stop_id for e in alert.alert.informed_entity] == ["S2"]
    assert (alert.alert.active_period[0].end, alert.alert.header_text.translation[0].text) == (
        int(message.expires_at), HTML)
    alerts_json = await (await client.get("/gtfs-rt/alerts.json")).read()
    assert b"<script" not in alerts_json and orjson.loads(alerts_json)["entity"][0]["id"] == alert.id

    entry = (await list_audit(clean_pool, 1))[0]
    assert (entry.actor, entry.role, entry.action, entry.object_id) == (
        "li", "sign_operator", "send_sign_message", str(message.message_id))

    clock.now = message.expires_at  # expired on the service clock: gone with no reload of the book
    assert orjson.loads(await _sign_json(client))["messages"] == []
    assert await _alerts(client) == []
    assert orjson.loads(await (await client.get("/s/S2.json")).read())["messages"] == []


async def test_a_withdrawn_message_leaves_the_signs_at_once(served: Served, clean_pool: asyncpg.Pool) -> None:
    client, _ = served
    await log_in(client, "li")
    page = await _page(client, "/console/signs")
    assert 'id="send-line"' in page and '<option value="R1">1路</option>' in page
    assert 'id="send-all"' not in page and "仅负责全部线路的站牌操作员可向全部站牌发布消息" in page
    assert '<tr data-sign="TC-S2">' in page and "从未轮询" in page  # electronic, never polled yet
    status, _, _ = await _send(client, form_token(page), target_kind="line", target_id="R1", text="1路改道")
    assert status == 303
    assert [m["text"] for m in orjson.loads(await _sign_json(client))["messages"]] == ["1路改道"]
    assert [e.route_id for a in await _alerts(client) for e in a.alert.informed_entity] == ["R1"]
    (message,) = await list_recent_messages(clean_pool, 5)
    listed = await _page(client, "/console/signs")
    withdraw = f'action="/console/signs/messages/{message.message_id}/withdraw"'
    assert withdraw in listed
    answer = await client.post(f"/console/signs/messages/{message.message_id}/withdraw", allow_redirects=False,
                               data={"csrf_token": form_token(listed)})
    assert answer.status == 303
    assert orjson.loads(await _sign_json(client))["messages"] == []
    assert await _alerts(client) == []
    again = await client.post(f"/console/signs/messages/{message.message_id}/withdraw",
                              data={"csrf_token": form_token(listed)})
    assert again.status == 409 and "该消息已被撤回" in await again.text()
    assert [e.action for e in await list_audit(clean_pool, 2)] == ["withdraw_sign_message", "send_sign_message"]


async def test_a_viewer_and_an_operator_of_another_line_cannot_send(served: Served, clean_pool: asyncpg.Pool) -> None:
    client, _ = served
    for user, shown in (("zhao", "仅负责相关线路的站牌操作员可发布消息"), ("sun", None)):
        await log_in(client, user)
        page = await client.get("/console/signs/TC-S2")
        if shown is None:  # the sign's stop is on no line of sun's: not even visible
            assert page.status == 403
            token = form_token(await _page(client, "/console/signs"))
        else:
            text = await page.text()
            assert shown in text and 'id="send-sign"' not in text
            token = form_token(text)
        status, _, body = await _send(client, token)
        assert status == 403 and ("您的角色不允许此操作" in body or "不在您负责的线路" in body)
    assert await list_recent_messages(clean_pool, 5) == []
    assert orjson.loads(await _sign_json(client))["messages"] == []


async def test_bad_text_durations_and_targets_are_refused_with_the_reason(served: Served,
                                                                        clean_pool: asyncpg.Pool) -> None:
    client, _ = served
    await log_in(client, "li")
    token = form_token(await _page(client, "/console/signs/TC-S2"))
    for fields, status, reason in (
            ({"text": "第一行\r\n第二行"}, 400, "不能包含换行等控制字符"), ({"text": "x" * 141}, 400, "最多 140 个字符"),
            ({"text": "  "}, 400, "消息内容不能为空"), ({"minutes": "0"}, 400, "1 至 10080 分钟"),
            ({"minutes": "10081"}, 400, "1 至 10080"), ({"minutes": "1.5"}, 400, "1 至 10080"),
            ({"target_id": "TC-NONE"}, 400, "发送对象无效"), ({"target_kind": "bus"}, 400, "发送对象无效"),
            ({"target_kind": "all"}, 400, "发送对象无效"), ({"target_kind": "all", "target_id": ""}, 403, "")):
        got, _, body = await _send(client, token, **fields)
        assert got == status and reason in body, fields
    assert await list_recent_messages(clean_pool, 5) == []
    forged = await client.post("/console/signs/messages", data={"csrf_token": "forged", "target_kind": "sign",
                                                                "target_id": "TC-S2", "text": "x", "minutes": "5"})
    assert forged.status == 403 and await list_recent_messages(clean_pool, 5) == []
