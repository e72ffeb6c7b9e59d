"""Logging in and out of /console over HTTP, on a real PostgreSQL: cookies,
wrong passwords, the failure limits (429), lapsed sessions, CSRF tokens,
a logged-out user, and where a log-in may send the browser."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import asyncpg
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient

from tests.api.console_helpers import PASSWORD, T0, add, console_client, form_token, log_in, set_cookie
from tests.clock import Clock
from tests.console.live_helpers import NETWORK
from transit.api.console import ConsoleSettings
from transit.bootstrap import console_settings
from transit.config import Config
from transit.console.audit import Act
from transit.console.limiter import LoginPolicy
from transit.console.sessions import SessionPolicy
from transit.store.users import disable_user

SETTINGS = ConsoleSettings(SessionPolicy(idle_s=1800, max_s=43200, touch_every_s=60))


@pytest_asyncio.fixture(loop_scope="session")
async def clock() -> Clock:
    return Clock(T0)


@pytest_asyncio.fixture(loop_scope="session")
async def client(clean_pool: asyncpg.Pool, clock: Clock) -> AsyncIterator[TestClient]:
    await add(clean_pool, "wang", "dispatcher:lines=1,2", "viewer", display_name="王芳")
    async with console_client(clean_pool, SETTINGS, clock) as client:
        yield client


async def test_a_good_log_in_opens_the_home_page_with_a_strict_cookie(client: TestClient) -> None:
    answer = await log_in(client, "Wang")
    assert answer.status == 303 and answer.headers["Location"] == "/console/"
    cookie = set_cookie(answer, "console_session")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie
    assert "Max-Age=43200" in cookie and "Secure" not in cookie  # plain http, not configured
    home = await client.get("/console/")
    assert home.status == 200
    text = await home.text()
    assert '<html lang="zh-CN">' in text and "王芳" in text and "(wang)" in text
    assert "调度员 · 线路 1、2" in text and "查看员 · 全部" in text
    assert "审计日志" not in text  # not an admin
    assert home.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in home.headers["Content-Security-Policy"]
    assert text.count("<script") == 1 and '<script src="/console/keys.js" defer></script>' in text  # no inline script
    assert "http" not in text.split("</head>")[0].replace('href="/console', "")


async def test_english_is_one_click_away_and_remembered(client: TestClient) -> None:
    await log_in(client, "wang")
    english = await client.get("/console/?lang=en")
    text = await english.text()
    assert '<html lang="en">' in text and "dispatcher · lines 1, 2" in text and "Log out" in text
    assert "SameSite=Strict" in set_cookie(english, "console_lang")
    assert "Logged in as" in await (await client.get("/console/")).text()
    assert "当前用户" in await (await client.get("/console/?lang=zh")).text()


@pytest.mark.parametrize("username", ["wang", "zhao", "<b>"])
async def test_a_wrong_password_or_name_gets_the_same_refusal(client: TestClient, username: str) -> None:
    answer = await log_in(client, username, "not the password")
    assert answer.status == 401
    text = await answer.text()
    assert "用户名或密码错误" in text and "console_session" not in answer.headers.getall("Set-Cookie", [""])[0]
    assert "&lt;b&gt;" in text or username != "<b>"  # what was typed comes back escaped
    assert (await client.get("/console/", allow_redirects=False)).status == 303


async def test_the_sixth_failure_on_an_account_is_refused_with_429(client: TestClient, clock: Clock) -> None:
    for n in range(5):
        clock.now = T0 + 10 * n
        assert (await log_in(client, "wang", "guess %d" % n)).status == 401
    refused = await log_in(client, "wang", PASSWORD)  # even the right password is not checked now
    assert refused.status == 429
    assert refused.headers["Retry-After"] == "860"  # the first failure, at T0, leaves at T0 + 900
    assert "该账号登录失败次数过多，请 15 分钟后再试" in await refused.text()
    clock.now = T0 + 900
    assert (await log_in(client, "wang", PASSWORD)).status == 303


async def test_one_address_guessing_many_accounts_is_refused(clean_pool: asyncpg.Pool) -> None:
    settings = ConsoleSettings(logins=LoginPolicy(account_failures=5, address_failures=3))
    await add(clean_pool, "li", "viewer")
    async with console_client(clean_pool, settings, Clock(T0)) as client:
        for name in ("a1", "a2", "li"):
            assert (await log_in(client, name, "guess")).status == 401
        refused = await log_in(client, "li", PASSWORD)
        assert refused.status == 429 and "此地址登录失败次数过多" in await refused.text()


async def test_an_idle_or_old_session_sends_back_to_log_in(client: TestClient, clock: Clock) -> None:
    await log_in(client, "wang")
    clock.now = T0 + 1799
    assert (await client.get("/console/")).status == 200
    clock.now = T0 + 1799 + 1800  # idle half an hour since the last request
    lapsed = await client.get("/console/audit?x=1", allow_redirects=False)
    assert lapsed.status == 303
    target = urlsplit(lapsed.headers["Location"])
    assert target.path == "/console/login"
    assert parse_qs(target.query) == {"next": ["/console/audit?x=1"], "expired": ["1"]}
    page = await client.get(lapsed.headers["Location"])
    assert page.status == 200 and "登录已过期" in await page.text()
    # Used every 20 minutes, a session still ends 12 hours after log-in.
    clock.now = T0 + 10_000
    await log_in(client, "wang")
    for minutes in range(20, 12 * 60, 20):
        clock.now = T0 + 10_000 + 60 * minutes
        assert (await client.get("/console/", allow_redirects=False)).status == 200
    clock.now = T0 + 10_000 + 12 * 3600
    assert (await client.get("/console/", allow_redirects=False)).status == 303


async def test_a_state_change_without_the_sessions_csrf_token_is_refused(client: TestClient) -> None:
    await log_in(client, "wang")
    token = form_token(await (await client.get("/console/")).text())
    for data, headers in (({}, {}), ({"csrf_token": "forged"}, {}), ({}, {"X-CSRF-Token": token + "x"})):
        refused = await client.post("/console/logout", data=data, headers=headers, allow_redirects=False)
        assert refused.status == 403 and "安全令牌" in await refused.text()
    assert (await client.get("/console/")).status == 200  # still logged in
    out = await client.post("/console/logout", headers={"X-CSRF-Token": token}, allow_redirects=False)
    assert out.status == 303 and out.headers["Location"] == "/console/login?bye=1"
    assert "已退出登录" in await (await client.get(out.headers["Location"])).text()


async def test_a_log_in_form_without_its_token_is_refused(client: TestClient) -> None:
    await client.get("/console/login")  # the cookie is set, the field is not sent back right
    for token in ("", "forged"):
        answer = await client.post("/console/login", allow_redirects=False, data={
            "username": "wang", "password": PASSWORD, "csrf_token": token})
        assert answer.status == 403 and "登录表单已失效" in await answer.text()
    assert (await client.get("/console/", allow_redirects=False)).status == 303


async def test_a_logged_out_user_gets_the_log_in_page(client: TestClient) -> None:
    home = await client.get("/console/", allow_redirects=False)
    assert home.status == 303 and home.headers["Location"] == "/console/login?next=%2Fconsole%2F"
    assert "console_session" not in home.headers.get("Set-Cookie", "")  # nothing had lapsed
    page = await client.get("/console/")  # followed
    text = await page.text()
    assert page.status == 200 and 'name="password"' in text and "登录已过期" not in text
    assert (await client.get("/console", allow_redirects=False)).headers["Location"] == "/console/"
    assert (await client.get("/health")).status == 200  # the rest of the service is untouched


@pytest.mark.parametrize(("asked", "lands"), [
    ("/console/audit", "/console/audit"),
    ("https://evil.example/console/", "/console/"),
    ("//evil.example/console/", "/console/"),
    ("/console/..//evil.example", "/console/"),
    ("/s/S1", "/console/"),
])
async def test_a_log_in_goes_only_to_a_console_page(client: TestClient, asked: str, lands: str) -> None:
    assert (await log_in(client, "wang", next_path=asked)).headers["Location"] == lands


async def test_disabling_a_user_ends_their_session_at_once(client: TestClient, clean_pool: asyncpg.Pool) -> None:
    await log_in(client, "wang")
    await disable_user(clean_pool, "wang", Act("li", "admin", T0, ""))
    assert (await client.get("/console/", allow_redirects=False)).status == 303
    assert (await log_in(client, "wang")).status == 401


async def test_cookies_are_secure_when_configured(clean_pool: asyncpg.Pool) -> None:
    await add(clean_pool, "li", "viewer")
    async with console_client(clean_pool, ConsoleSettings(secure_cookies=True), Clock(T0)) as client:
        form = await client.get("/console/login")
        cookie = set_cookie(form, "console_login_csrf")
        assert "Secure" in cookie
        # The client's jar keeps Secure cookies for https: sent back by hand, as a browser behind TLS would.
        answer = await client.post("/console/login", allow_redirects=False, headers={
            "Cookie": cookie.split(";")[0]}, data={
            "username": "li", "password": PASSWORD, "csrf_token": form_token(await form.text())})
        assert answer.status == 303 and "Secure" in set_cookie(answer, "console_session")


def test_the_service_takes_the_consoles_settings_from_its_configuration() -> None:
    config = Config(console_session_idle_s=600.0, console_session_max_s=28800.0, console_secure_cookies=True)
    settings = console_settings(config, NETWORK)
    assert (settings.sessions.idle_s, settings.sessions.max_s, settings.secure_cookies) == (600.0, 28800.0, True)
    assert settings.logins == LoginPolicy()  # 5 per account, 20 per address, 15 minutes
    assert settings.timezone == NETWORK.timezone
