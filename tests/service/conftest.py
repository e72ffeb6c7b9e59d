"""The whole service on a real PostgreSQL with the tiny feed live: shared fixtures."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import asyncpg
import pytest_asyncio
from rich.console import Console

from tests.gtfs.tinyfeed import TINY_FEED, zip_feed
from transit.bootstrap import Service, open_service
from transit.config import Config
from transit.gtfs.feed import load_feed
from transit.store.embedded import create_pool
from transit.store.migrate import apply_migrations
from transit.versions import import_feed

# Between stops S1 and S2 of the tiny feed, on its shape.
NEAR_S2 = (35.0715, 109.0753)


def free_port() -> int:
    """A port nobody listens on now (the JT/T 808 port 0 means "disabled")."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest_asyncio.fixture(loop_scope="session")
async def tiny_store(empty_database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """The test's own database with the tiny feed as the live schedule."""
    pool = await create_pool(empty_database_url)
    await apply_migrations(pool)
    await import_feed(pool, load_feed(zip_feed(TINY_FEED), "tiny.zip"), make_live=True)
    yield pool
    await pool.close()


@pytest_asyncio.fixture(loop_scope="session")
async def service(
    tiny_store: asyncpg.Pool, empty_database_url: str, tmp_path: Path
) -> AsyncIterator[Service]:
    async with run_service(Config(database_url=empty_database_url, data_dir=tmp_path)) as running:
        yield running


@contextlib.asynccontextmanager
async def run_service(config: Config) -> AsyncIterator[Service]:
    """The service on ``config`` with free ports; no background task may crash meanwhile."""
    config = replace(config, http_port=0, jt808_port=free_port(), jt808_auth_key="test-key")
    async with open_service(config, Console(quiet=True), demo=False) as running:
        yield running
        running.check()  # no background task crashed meanwhile
    assert all(task.done() for task in running.tasks)


