"""The console's pages over HTTP on a real PostgreSQL: a display name full of
HTML shown as text, the audit log for admins only, and its CSV export."""

from __future__ import annotations

import csv
import io

import asyncpg

from tests.api.console_helpers import T0, add, console_client, log_in
from tests.clock import Clock
from transit.api.console import ConsoleSettings
from transit.api.console.texts import TEXTS, role_name
from transit.console.access import Role
from transit.console.audit import Act
from transit.store.users import disable_user

SCRIPT_NAME = '<script>alert("x")</script><img src=x onerror=alert(1)>'


async def test_html_in_a_display_name_is_shown_as_text(clean_pool: asyncpg.Pool) -> None:
    await add(clean_pool, "mallory", "viewer:lines=<b>1</b>", display_name=SCRIPT_NAME)
    async with console_client(clean_pool, ConsoleSettings(), Clock(T0)) as client:
        await log_in(client, "mallory")
        text = await (await client.get("/console/")).text()
    assert "<script>" not in text and "<img" not in text and "<b>" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in text
    assert "线路 &lt;b&gt;1&lt;/b&gt;" in text


async def test_only_an_admin_reads_the_audit_log(clean_pool: asyncpg.Pool) -> None:
    await add(clean_pool, "li", "admin", display_name="李明")
    await add(clean_pool, "wang", "approver", "dispatcher", display_name=SCRIPT_NAME)
    await disable_user(clean_pool, "wang", Act("li", "admin", T0 + 60, "=cmd|' /C calc'!A0"))
    async with console_client(clean_pool, ConsoleSettings(), Clock(T0 + 120)) as client:
        await log_in(client, "li")
        home = await (await client.get("/console/")).text()
        assert 'href="/console/audit"' in home
        page = await client.get("/console/audit")
        text = await page.text()
        assert page.status == 200 and text.count("<tr>") == 4  # the header and three entries
        assert "2026-03-02 05:21:00" in text and "disable_user" in text and "<script>" not in text
        assert "&lt;script&gt;" in text  # the display name inside the before/after JSON, escaped

        exported = await client.get("/console/audit.csv")
        assert exported.status == 200 and exported.content_type == "text/csv"
        assert exported.headers["Content-Disposition"] == 'attachment; filename="audit-log.csv"'
        body = (await exported.read()).decode("utf-8")
        assert body.startswith("\ufeffid,at,actor,role,action,object_type,object_id,before,after,reason\r\n")
        rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))[1:]
        assert [row[4] for row in rows] == ["add_user", "add_user", "disable_user"]
        assert rows[0][1] == "2026-03-02T05:20:00+08:00" and '"display_name": "李明"' in rows[0][8]
        assert rows[2][2:4] == ["li", "admin"] and rows[2][9] == "'=cmd|' /C calc'!A0"  # a formula stays text

        await client.post("/console/logout", data={"csrf_token": _token(home)})
        await disable_user(clean_pool, "li", Act("li", "admin", T0 + 130, ""))
        await add(clean_pool, "zhao", "approver", "planner", "dispatcher:lines=1")
        await log_in(client, "zhao")
        assert 'href="/console/audit"' not in await (await client.get("/console/")).text()
        for path in ("/console/audit", "/console/audit.csv"):
            refused = await client.get(path)
            assert refused.status == 403 and "您的角色不允许此操作" in await refused.text()


async def test_the_audit_log_pages_back(clean_pool: asyncpg.Pool) -> None:
    await add(clean_pool, "li", "admin")
    async with clean_pool.acquire() as conn:
        await conn.executemany(
            "INSERT INTO audit_log (at, actor, role, action, object_type, object_id)"
            " VALUES (now(), 'x', 'y', $1, 'n', $2)",
            [(f"act{n}", str(n)) for n in range(250)])
    async with console_client(clean_pool, ConsoleSettings(), Clock(T0)) as client:
        await log_in(client, "li")
        first = await (await client.get("/console/audit")).text()
        assert first.count("<tr>") == 201 and "act249" in first and "act50<" in first and "act49<" not in first
        older = first.split('href="/console/audit?before=')[1].split('"')[0]
        second = await (await client.get(f"/console/audit?before={older}")).text()
        assert second.count("<tr>") == 52 and "act49" in second and "add_user" in second
        assert "before=" not in second


def _token(html: str) -> str:
    return html.split('name="csrf_token" value="')[1].split('"')[0]


async def test_an_unknown_console_page_is_a_404_page_once_logged_in(clean_pool: asyncpg.Pool) -> None:
    await add(clean_pool, "li", "viewer")
    async with console_client(clean_pool, ConsoleSettings(), Clock(T0)) as client:
        anonymous = await client.get("/console/nope", allow_redirects=False)
        assert anonymous.status == 303  # nothing about which pages exist before log-in
        await log_in(client, "li")
        missing = await client.get("/console/nope?lang=en")
        assert missing.status == 404 and "No such page." in await missing.text()
        assert missing.headers["X-Frame-Options"] == "DENY"


def test_both_languages_say_everything() -> None:
    assert set(TEXTS["zh"]) == set(TEXTS["en"])
    for role in Role:
        assert role_name("zh", role) and role_name("en", role)
