"""Schedule versions: imported GTFS feeds, one of them live."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

# Serializes live switches: two concurrent switches would otherwise both clear the
# old flag and then collide on the one-live index.
_LIVE_LOCK_KEY = 0x7472_616E_7369_7402

_COLUMNS = "id, imported_at, source, sha256, summary, service_start, service_end, is_live"


class VersionNotFound(LookupError):
    """No schedule version has this id."""

    def __init__(self, version_id: int) -> None:
        super().__init__(f"schedule version {version_id} not found")
        self.version_id = version_id


@dataclass(frozen=True, slots=True)
class ScheduleVersion:
    """One imported feed, without its zip (fetch that with ``get_feed_zip``)."""

    id: int
    imported_at: datetime
    source: str  # file name it was imported from
    sha256: str  # of the normalized zip, hex
    summary: Mapping[str, Any]  # counts of stops, routes, trips, ...
    service_start: date | None
    service_end: date | None
    is_live: bool


def _version(row: asyncpg.Record) -> ScheduleVersion:
    return ScheduleVersion(
        id=row["id"],
        imported_at=row["imported_at"],
        source=row["source"],
        sha256=row["sha256"],
        summary=row["summary"],
        service_start=row["service_start"],
        service_end=row["service_end"],
        is_live=row["is_live"],
    )


async def _clear_live(conn: asyncpg.Connection) -> None:
    await conn.execute("SELECT pg_advisory_xact_lock($1)", _LIVE_LOCK_KEY)
    await conn.execute("UPDATE schedule_versions SET is_live = false WHERE is_live")


async def insert_version(
    pool: asyncpg.Pool,
    *,
    source: str,
    sha256: str,
    feed_zip: bytes,
    summary: Mapping[str, Any],
    start: date | None,
    end: date | None,
    make_live: bool,
) -> int:
    """Store a feed and return its version id.

    With ``make_live`` the new version replaces the live one in the same
    transaction: if anything fails, the previous live version stays live.
    """
    async with pool.acquire() as conn, conn.transaction():
        version_id = await add_version(conn, source=source, sha256=sha256, feed_zip=feed_zip, summary=summary,
                                       start=start, end=end)
        if make_live:
            await switch_live(conn, version_id)
    return version_id


async def add_version(
    conn: asyncpg.Connection,
    *,
    source: str,
    sha256: str,
    feed_zip: bytes,
    summary: Mapping[str, Any],
    start: date | None,
    end: date | None,
) -> int:
    """Store a feed, not live, inside the caller's transaction; its version id."""
    version_id: int = await conn.fetchval(
        """
        INSERT INTO schedule_versions (source, sha256, feed_zip, summary, service_start, service_end, is_live)
        VALUES ($1, $2, $3, $4, $5, $6, false)
        RETURNING id
        """,
        source, sha256, feed_zip, dict(summary), start, end,
    )
    return version_id


async def lock_live(conn: asyncpg.Connection) -> int | None:
    """Take the live-switch lock for the caller's transaction (nothing else
    switches the live version until it ends) and return the live version's id."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", _LIVE_LOCK_KEY)
    live: int | None = await conn.fetchval("SELECT id FROM schedule_versions WHERE is_live")
    return live


async def switch_live(conn: asyncpg.Connection, version_id: int) -> None:
    """Make ``version_id`` the live version inside the caller's transaction
    (raises ``VersionNotFound``, which rolls the transaction back)."""
    await _clear_live(conn)
    status = await conn.execute("UPDATE schedule_versions SET is_live = true WHERE id = $1", version_id)
    if status == "UPDATE 0":
        raise VersionNotFound(version_id)


async def set_live(pool: asyncpg.Pool, version_id: int) -> None:
    """Make ``version_id`` the live version (raises ``VersionNotFound``)."""
    async with pool.acquire() as conn, conn.transaction():
        await switch_live(conn, version_id)


async def find_live_version(pool: asyncpg.Pool) -> ScheduleVersion | None:
    row = await pool.fetchrow(f"SELECT {_COLUMNS} FROM schedule_versions WHERE is_live")
    return None if row is None else _version(row)


async def get_version(pool: asyncpg.Pool | asyncpg.Connection, version_id: int) -> ScheduleVersion:
    row = await pool.fetchrow(f"SELECT {_COLUMNS} FROM schedule_versions WHERE id = $1", version_id)
    if row is None:
        raise VersionNotFound(version_id)
    return _version(row)


async def list_versions(pool: asyncpg.Pool) -> list[ScheduleVersion]:
    """All versions, oldest first."""
    rows = await pool.fetch(f"SELECT {_COLUMNS} FROM schedule_versions ORDER BY id")
    return [_version(row) for row in rows]


async def get_feed_zip(pool: asyncpg.Pool, version_id: int) -> bytes:
    feed_zip: bytes | None = await pool.fetchval(
        "SELECT feed_zip FROM schedule_versions WHERE id = $1", version_id
    )
    if feed_zip is None:
        raise VersionNotFound(version_id)
    return feed_zip
