"""A console served by the service's own application factory on a real
PostgreSQL, with users added through the store, and a browser-like log-in."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache

import asyncpg
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from tests.clock import Clock
from tests.gtfs.tinyfeed import TINY_FEED, zip_feed
from transit.api.app import ServiceContext, init_app
from transit.api.console import ConsoleSettings
from transit.console.access import parse_grant
from transit.console.audit import Act
from transit.console.passwords import hash_password
from transit.console.users import User, new_user
from transit.gtfs.feed import load_feed
from transit.live.tracking import LiveTracking
from transit.store.users import add_user
from transit.tracking.tracker import Tracker

T0 = 1_772_400_000.0  # 2026-03-02 05:20 in Tongchuan
PASSWORD = "东风路 7 depot!"
_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@cache
def password_hash() -> str:
    return hash_password(PASSWORD)


async def _ok() -> int:
    return 1


@asynccontextmanager
async def console_client(pool: asyncpg.Pool, settings: ConsoleSettings, clock: Clock) -> AsyncIterator[TestClient]:
    network = load_feed(zip_feed(TINY_FEED), "tiny.zip").network
    # Version 0: no stored version is this network, so the approval pages build
    # what they chart from the store (a test's stored version 1 is another feed).
    context = ServiceContext(network, 0, LiveTracking(Tracker(network), clock), _ok, clock)
    client = TestClient(TestServer(init_app(context, store=pool, console=settings, wall_clock=clock)))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


async def add(pool: asyncpg.Pool, username: str, *grants: str, display_name: str = "") -> User:
    user = new_user(username, display_name, [parse_grant(text) for text in grants])
    return await add_user(pool, user, password_hash(), Act("shell:test", "shell", T0, "test"))


def form_token(html: str) -> str:
    match = _CSRF_FIELD.search(html)
    assert match is not None, "no CSRF field on the page"
    return match.group(1)


async def log_in(client: TestClient, username: str, password: str = PASSWORD,
                 next_path: str = "/console/") -> ClientResponse:
    """Fetch the log-in form (its token and cookie), post it; the answer unfollowed."""
    form = await client.get("/console/login")
    assert form.status == 200
    token = form_token(await form.text())
    return await client.post("/console/login", allow_redirects=False, data={
        "username": username, "password": password, "csrf_token": token, "next": next_path})


def set_cookie(response: ClientResponse, name: str) -> str:
    """The raw Set-Cookie header that sets ``name``."""
    found = [header for header in response.headers.getall("Set-Cookie", []) if header.startswith(f"{name}=")]
    assert len(found) == 1, response.headers.getall("Set-Cookie", [])
    return found[0]

