"""Shared fixtures: a real PostgreSQL for integration tests.

``DATABASE_URL`` set: a fresh ``transit_test_<hex>`` database is created on that server
for the session and dropped at the end. Unset: a throwaway embedded PostgreSQL
(pgserver) runs in a temporary folder for the session.

- ``database_url`` (session): DSN of the session database, schema not applied.
- ``pool`` (session): asyncpg pool on it with all migrations applied; tables are
  shared by every test, so assert on your own ids or use ``clean_pool``.
- ``clean_pool`` (function): the same pool, every table except ``schema_migrations``
  truncated before the test.
- ``empty_database_url`` (function): DSN of a brand-new empty database on the same
  server, dropped after the test (for migration tests).
"""

from __future__ import annotations

import os
import pathlib
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import asyncpg
import pytest
import pytest_asyncio

from transit.store.embedded import create_pool, open_database
from transit.store.migrate import apply_migrations


def _with_database(dsn: str, name: str) -> str:
    """``dsn`` pointing at database ``name`` (host, user and query kept)."""
    return urlsplit(dsn)._replace(path=f"/{name}").geturl()


async def _create_database(server_dsn: str) -> str:
    name = f"transit_test_{secrets.token_hex(6)}"
    conn = await asyncpg.connect(server_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name


async def _drop_database(server_dsn: str, name: str) -> None:
    conn = await asyncpg.connect(server_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def server_dsn() -> AsyncIterator[str]:
    """DSN of a database on the test server that tests may create databases from.

    The embedded cluster lives outside pytest's temporary folders: pytest
    prunes old ones at start, so another pytest run on the machine would
    delete a running cluster's files from under it.
    """
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="transit-test-pg-"))
    try:
        async with open_database(os.environ.get("DATABASE_URL"), scratch / "data") as dsn:
            yield dsn
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def database_url(server_dsn: str) -> AsyncIterator[str]:
    name = await _create_database(server_dsn)
    yield _with_database(server_dsn, name)
    await _drop_database(server_dsn, name)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url)
    await apply_migrations(pool)
    yield pool
    await pool.close()


@pytest_asyncio.fixture(loop_scope="session")
async def clean_pool(pool: asyncpg.Pool) -> asyncpg.Pool:
    tables = await pool.fetch(
        "SELECT quote_ident(tablename) AS name FROM pg_tables"
        " WHERE schemaname = 'public' AND tablename <> 'schema_migrations'"
    )
    if tables:
        names = ", ".join(row["name"] for row in tables)
        await pool.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    return pool


@pytest_asyncio.fixture(loop_scope="session")
async def empty_database_url(server_dsn: str) -> AsyncIterator[str]:
    name = await _create_database(server_dsn)
    yield _with_database(server_dsn, name)
    await _drop_database(server_dsn, name)
