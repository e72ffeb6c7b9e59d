"""Timetable approval over HTTP, on a real PostgreSQL: the drafts list and a
draft's page (KPI deltas, headways, trip diff, the Marey chart as inline
SVG), each act a POST with the CSRF token (validate, approve, publish, roll
back), the refusals (a dispatcher, the author, a draft that no longer
applies, a rejection without reason, a bad date, a forged token), and text
typed into a reason shown escaped."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest_asyncio
from aiohttp.test_utils import TestClient

from feeds.drafts.saving import save_draft
from tests.api.console_helpers import T0, add, console_client, form_token, log_in
from tests.clock import Clock
from tests.drafts.stored import small_city_draft, store_small_city_draft
from transit.api.console import ConsoleSettings
from transit.api.console.app import CONSOLE, CONSOLE_APP
from transit.store import schedules
from transit.store.audit import list_audit_of
from transit.store.publications import list_publications

SCRIPT = "<script>alert(1)</script>"


@pytest_asyncio.fixture(loop_scope="session")
async def client(clean_pool: asyncpg.Pool) -> AsyncIterator[TestClient]:
    await add(clean_pool, "wu", "planner", display_name="吴计划")
    await add(clean_pool, "zhang", "approver", display_name="张审批")
    await add(clean_pool, "planner-li", "approver", "planner", display_name="李起草")
    await add(clean_pool, "wang", "dispatcher:lines=R1,R2", display_name="王调度")
    async with console_client(clean_pool, ConsoleSettings(), Clock(T0)) as client:
        yield client


async def act(client: TestClient, path: str, **fields: str) -> tuple[int, str, str]:
    """POST a form of the page at ``path`` with its CSRF token: status, text, Location."""
    page = await client.get(path)
    answer = await client.post(f"{path}/{fields.pop('act')}" if "act" in fields else path, allow_redirects=False,
                               data={"csrf_token": form_token(await page.text()), **fields})
    return answer.status, await answer.text(), answer.headers.get("Location", "")


async def as_user(client: TestClient, username: str) -> None:
    assert (await log_in(client, username)).status == 303


async def test_the_list_and_a_draft_page_show_what_an_approver_reads(clean_pool: asyncpg.Pool,
                                                                     client: TestClient) -> None:
    draft_id, made = await store_small_city_draft(clean_pool)
    await as_user(client, "zhang")
    listed = await (await client.get("/console/drafts")).text()
    assert f'href="/console/drafts/{draft_id}"' in listed and "morning peak" in listed and "planner-li" in listed
    assert f'data-version="{made.base_version_id}"' in listed
    row = listed.split(f'data-draft="{draft_id}"')[1].split("</tr>")[0]
    assert "草稿" in row and "<td>+1</td>" in row  # one trip more
    page = await client.get(f"/console/drafts/{draft_id}")
    text = await page.text()
    assert page.status == 200 and 'id="status"' in text and "草稿" in text
    kpis = text.split('id="kpis"')[1].split("</table>")[0]
    assert "<td>班次</td><td>4</td><td>5</td><td>+1</td>" in kpis
    assert "高峰满载率" in kpis and "首班" in kpis and "末班" in kpis and "平均候车" in kpis
    headways = text.split('id="headways"')[1].split("</table>")[0]
    assert "<td>R1</td><td>方向 0</td>" in headways
    trips = text.split('id="trips"')[1].split("</table>")[0]
    assert "新增" in trips and "08:15" in trips and "调整" not in trips
    svg = text.split("<svg ")[1].split("</svg>")[0]
    assert svg.count("<polyline ") == 3 and 'class="marey-old"' in svg and 'class="marey-new"' in svg
    assert "style=" not in svg and "南站" in svg
    actions = text.split('id="actions"')[1].split("</div>")[0]
    assert f'action="/console/drafts/{draft_id}/reject"' in actions  # an approver may reject a draft...
    assert 'id="act-validate"' not in actions and "校验: 您的角色不允许此操作" in actions  # ...not validate it
    english = await (await client.get(f"/console/drafts/{draft_id}?lang=en")).text()
    assert "<td>Trips</td><td>4</td><td>5</td><td>+1</td>" in english and "Marey chart" in english


async def test_the_chart_follows_the_chosen_direction_and_window(clean_pool: asyncpg.Pool,
                                                                 client: TestClient) -> None:
    draft_id, _ = await store_small_city_draft(clean_pool)
    await as_user(client, "zhang")
    text = await (await client.get(f"/console/drafts/{draft_id}?pick=R1:0&from=07:30&to=08:05")).text()
    svg = text.split("<svg ")[1].split("</svg>")[0]
    assert svg.count("<polyline ") == 2 and ">07:30<" in svg  # the 08:15 trip is outside the window
    bad = await (await client.get(f"/console/drafts/{draft_id}?from=9&to=<b>")).text()
    assert "时间应为 HH:MM" in bad and "&lt;b&gt;" in bad and bad.count("<polyline ") == 3
    unknown = await (await client.get(f"/console/drafts/{draft_id}?pick=R9:7")).text()
    assert 'data-line="R1" data-direction="0"' in unknown  # falls back to a direction the draft changes
    assert (await client.get("/console/drafts/999")).status == 404
    assert (await client.get("/console/drafts/x1")).status == 404


async def test_validate_approve_publish_and_roll_back(clean_pool: asyncpg.Pool, client: TestClient) -> None:
    draft_id, made = await store_small_city_draft(clean_pool)
    path = f"/console/drafts/{draft_id}"
    await as_user(client, "wu")
    status, _, location = await act(client, path, act="validate", reason="")
    assert (status, location) == (303, f"{path}?done=validate")
    await as_user(client, "zhang")
    status, _, location = await act(client, path, act="approve", reason="早高峰加密")
    assert (status, location) == (303, f"{path}?done=approve")
    approved = await (await client.get(location)).text()
    assert "已批准，指标与差异已冻结" in approved and 'id="frozen"' in approved and "zhang" in approved
    status, _, location = await act(client, path, act="publish", service_date="2026-03-02", reason="从今天起")
    assert (status, location) == (303, f"{path}?done=publish")
    live = await schedules.find_live_version(clean_pool)
    assert live is not None and live.id != made.base_version_id
    published = await (await client.get(location)).text()
    assert f'data-version="{live.id}"' in published and "已发布" in published
    versions = await (await client.get("/console/versions")).text()
    assert f'<td>{live.id} (<a href="/console/drafts/{draft_id}">#{draft_id}</a>)</td><td>2026-03-02</td>' in versions
    status, _, location = await _roll_back(client, made.base_version_id)
    assert (status, location) == (303, "/console/versions?done=roll_back")
    assert (await schedules.find_live_version(clean_pool)).id == made.base_version_id  # type: ignore[union-attr]
    assert [p.action for p in await list_publications(clean_pool)] == ["roll_back", "publish"]
    history = [e.action for e in await list_audit_of(clean_pool, "draft", str(draft_id))]
    assert history == ["validate_draft", "approve_draft", "publish_draft", "supersede_draft"]


async def _roll_back(client: TestClient, version_id: int) -> tuple[int, str, str]:
    page = await client.get("/console/versions")
    answer = await client.post(f"/console/versions/{version_id}/roll-back", allow_redirects=False, data={
        "csrf_token": form_token(await page.text()), "service_date": "2026-03-02", "reason": "回退"})
    return answer.status, await answer.text(), answer.headers.get("Location", "")


async def test_refusals_say_why(clean_pool: asyncpg.Pool, client: TestClient) -> None:
    draft_id, made = await store_small_city_draft(clean_pool)
    path = f"/console/drafts/{draft_id}"
    await as_user(client, "wu")
    await act(client, path, act="validate")
    await as_user(client, "wang")  # a dispatcher of the draft's lines
    status, text, _ = await act(client, path, act="approve")
    assert status == 403 and "您的角色不允许此操作" in text
    await as_user(client, "planner-li")  # the author, an approver too
    page = await (await client.get(path)).text()
    assert "不能审批自己起草的时刻表" in page and 'id="act-approve"' not in page
    status, text, _ = await act(client, path, act="approve")
    assert status == 403 and "不能审批自己起草的时刻表" in text
    await as_user(client, "zhang")
    status, text, _ = await act(client, path, act="reject", reason="  ")
    assert status == 409 and "驳回须填写原因" in text
    status, text, _ = await act(client, path, act="publish", service_date="2026-03-02")
    assert status == 409 and "不能发布" in text
    forged = await client.post(f"{path}/approve", allow_redirects=False, data={"csrf_token": "forged"})
    assert forged.status == 403 and "安全令牌" in await forged.text()
    status, _, _ = await act(client, path, act="approve")
    assert status == 303
    status, text, _ = await act(client, path, act="publish", service_date="2026-03-01")
    assert status == 409 and "早于今天的运营日 2026-03-02" in text
    status, text, _ = await act(client, path, act="publish", service_date="March")
    assert status == 400 and "YYYY-MM-DD" in text


async def test_approving_a_draft_that_no_longer_applies_is_refused_with_the_reason(
        clean_pool: asyncpg.Pool, client: TestClient) -> None:
    first, made = await store_small_city_draft(clean_pool)
    second = await save_draft(clean_pool, small_city_draft(made.base_version_id))
    await as_user(client, "wu")
    for draft_id in (first, second):
        await act(client, f"/console/drafts/{draft_id}", act="validate")
    await as_user(client, "zhang")
    await act(client, f"/console/drafts/{first}", act="approve")
    await act(client, f"/console/drafts/{first}", act="publish", service_date="2026-03-02")
    live = await schedules.find_live_version(clean_pool)
    assert live is not None
    page = await (await client.get(f"/console/drafts/{second}")).text()
    assert f"现行版本已变为 {live.id}，而此草案是与版本 {made.base_version_id} 对比得出的" in page
    status, text, _ = await act(client, f"/console/drafts/{second}", act="approve")
    assert status == 409 and f"现行版本已变为 {live.id}" in text and "请基于现行版本重新生成草案" in text
    english = await client.post(f"/console/drafts/{second}/approve?lang=en", allow_redirects=False, data={
        "csrf_token": form_token(page)})
    assert english.status == 409 and f"The live version is now {live.id}" in await english.text()


async def test_a_reason_full_of_html_is_shown_as_text(clean_pool: asyncpg.Pool, client: TestClient) -> None:
    draft_id, _ = await store_small_city_draft(clean_pool)
    await as_user(client, "zhang")
    status, _, _ = await act(client, f"/console/drafts/{draft_id}", act="reject", reason=SCRIPT)
    assert status == 303
    page = await (await client.get(f"/console/drafts/{draft_id}")).text()
    assert SCRIPT not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "已驳回" in page
    assert "此状态下没有可执行的操作" in page


async def test_a_dispatcher_sees_only_drafts_in_scope_and_no_versions(clean_pool: asyncpg.Pool,
                                                                      client: TestClient) -> None:
    draft_id, _ = await store_small_city_draft(clean_pool)
    await add(clean_pool, "zhou", "viewer:lines=R2")
    await as_user(client, "zhou")
    assert f'data-draft="{draft_id}"' not in await (await client.get("/console/drafts")).text()
    assert (await client.get(f"/console/drafts/{draft_id}")).status == 403
    assert (await client.get("/console/versions")).status == 403
    await as_user(client, "wang")
    assert f'data-draft="{draft_id}"' in await (await client.get("/console/drafts")).text()
    client.session.cookie_jar.clear()
    logged_out = await client.post(f"/console/drafts/{draft_id}/approve", allow_redirects=False, data={})
    assert logged_out.status == 303 and logged_out.headers["Location"].startswith("/console/login")


async def test_a_publication_from_a_later_day_waits(clean_pool: asyncpg.Pool, client: TestClient) -> None:
    draft_id, made = await store_small_city_draft(clean_pool)
    other = await save_draft(clean_pool, small_city_draft(made.base_version_id))
    await as_user(client, "wu")
    await act(client, f"/console/drafts/{draft_id}", act="validate")
    await as_user(client, "zhang")
    await act(client, f"/console/drafts/{draft_id}", act="approve")
    status, _, _ = await act(client, f"/console/drafts/{draft_id}", act="publish", service_date="2026-03-09")
    assert status == 303
    assert (await schedules.find_live_version(clean_pool)).id == made.base_version_id  # type: ignore[union-attr]
    [waiting] = await list_publications(clean_pool)
    versions = await (await client.get("/console/versions")).text()
    assert f"版本 {waiting.version_id} 定于 2026-03-09 起生效" in versions
    assert f'<td>{waiting.version_id} (<a href="/console/drafts/{draft_id}">#{draft_id}</a>)</td>' \
           f"<td>2026-03-09</td><td>发布</td>" in versions and "<td>否</td>" in versions
    page = await (await client.get(f"/console/drafts/{other}")).text()
    assert f"版本 {waiting.version_id} 已定于 2026-03-09 起生效" in page


async def test_a_draft_page_draws_its_chart_from_the_rows_stored_with_it(clean_pool: asyncpg.Pool,
                                                                        client: TestClient) -> None:
    draft_id, _ = await store_small_city_draft(clean_pool)
    await as_user(client, "zhang")
    page = await (await client.get(f"/console/drafts/{draft_id}?pick=R1:0")).text()
    console = client.server.app[CONSOLE_APP][CONSOLE]
    assert not console.networks.has(("draft", draft_id))  # no network built for it
    await clean_pool.execute("DELETE FROM draft_charts WHERE draft_id = $1", draft_id)  # as a draft stored before
    built = await (await client.get(f"/console/drafts/{draft_id}?pick=R1:0")).text()
    assert console.networks.has(("draft", draft_id))
    svg = page.split("<svg ")[1].split("</svg>")[0]
    assert svg == built.split("<svg ")[1].split("</svg>")[0] and svg.count("<polyline ") == 3


async def test_a_draft_stored_without_chart_rows_is_built_at_start_up(clean_pool: asyncpg.Pool) -> None:
    draft_id, made = await store_small_city_draft(clean_pool)
    with_rows, _ = await store_small_city_draft(clean_pool)
    await clean_pool.execute("DELETE FROM draft_charts WHERE draft_id = $1", draft_id)
    async with console_client(clean_pool, ConsoleSettings(), Clock(T0)) as started:
        console = started.server.app[CONSOLE_APP][CONSOLE]
        for _ in range(200):  # built off the event loop: a few seconds at most
            if console.networks.has(("draft", draft_id)) and console.networks.has(("version", made.base_version_id)):
                break
            await asyncio.sleep(0.05)
        assert console.networks.has(("draft", draft_id))
        assert console.networks.has(("version", made.base_version_id))
        assert not console.networks.has(("draft", with_rows))  # its page needs no network
