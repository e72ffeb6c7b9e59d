"""Where the database lives: the operator's PostgreSQL or an embedded one.

With no ``DATABASE_URL`` the service starts its own PostgreSQL (pgserver ships the
binaries) in a data folder, so ``transit demo`` needs nothing installed by hand
(DESIGN.md "Zero-config default").
"""

from __future__ import annotations

import asyncio
import logging
import pathlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import asyncpg
import orjson

_log = logging.getLogger(__name__)


def describe_dsn(dsn: str) -> str:
    """The DSN without its password, safe to log."""
    parts = urlsplit(dsn)
    if parts.password is None:
        return dsn
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


@asynccontextmanager
async def open_database(database_url: str | None, data_dir: pathlib.Path) -> AsyncIterator[str]:
    """Yield a DSN: ``database_url`` when given, else an embedded server's.

    The embedded server keeps its files in ``data_dir`` (created if missing; its
    parent must exist) and is stopped on exit; the data stays for the next start.
    """
    if database_url:
        _log.info(
            "database_external dsn=%s",
            describe_dsn(database_url),
            extra={"event": "database_external", "dsn": describe_dsn(database_url)},
        )
        yield database_url
        return

    import pgserver  # only the zero-config path needs the bundled binaries

    started = time.perf_counter()
    # pgserver blocks (initdb, pg_ctl -w start): keep it off the event loop.
    server = await asyncio.to_thread(pgserver.get_server, data_dir, cleanup_mode="stop")
    dsn = server.get_uri()
    seconds = time.perf_counter() - started
    _log.info(
        "database_embedded data_dir=%s dsn=%s start_s=%.2f",
        data_dir,
        dsn,
        seconds,
        extra={"event": "database_embedded", "data_dir": str(data_dir), "dsn": dsn, "start_s": seconds},
    )
    try:
        yield dsn
    finally:
        await asyncio.to_thread(server.cleanup)
        _log.info(
            "database_embedded_stopped data_dir=%s",
            data_dir,
            extra={"event": "database_embedded_stopped", "data_dir": str(data_dir)},
        )


async def _init_connection(conn: asyncpg.Connection) -> None:
    for type_name in ("jsonb", "json"):
        await conn.set_type_codec(
            type_name,
            schema="pg_catalog",
            encoder=lambda value: orjson.dumps(value).decode(),
            decoder=orjson.loads,
        )


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """A connection pool whose json/jsonb columns take and give Python objects."""
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        # Sessions in UTC: instants come back as aware UTC datetimes whatever the
        # server's default; service days are computed in Asia/Shanghai by the core.
        server_settings={"timezone": "UTC"},
    )
    assert pool is not None
    return pool
