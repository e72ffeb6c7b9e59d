"""The audit log table: entries appended inside the transaction of the change
they record (so no change goes unrecorded), read newest first a page at a
time. The table refuses UPDATE and DELETE (migration 0007)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg

from transit.console.audit import AuditEntry
from transit.store.instants import to_datetime, to_seconds

_COLUMNS = "id, at, actor, role, action, object_type, object_id, before, after, reason"


async def append_audit(conn: asyncpg.Connection, entry: AuditEntry) -> int:
    """Append ``entry`` (its id is ignored); return the id it was given."""
    entry_id: int = await conn.fetchval(
        """
        INSERT INTO audit_log (at, actor, role, action, object_type, object_id, before, after, reason)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id
        """,
        to_datetime(entry.at), entry.actor, entry.role, entry.action, entry.object_type, entry.object_id,
        None if entry.before is None else dict(entry.before),
        None if entry.after is None else dict(entry.after), entry.reason,
    )
    return entry_id


def _entry(row: asyncpg.Record) -> AuditEntry:
    return AuditEntry(row["actor"], row["role"], row["action"], row["object_type"], row["object_id"],
                      row["before"], row["after"], row["reason"], to_seconds(row["at"]), row["id"])


async def list_audit(pool: asyncpg.Pool, limit: int, before_id: int | None = None) -> list[AuditEntry]:
    """Up to ``limit`` entries, newest first, older than ``before_id`` when given."""
    rows = await pool.fetch(
        f"SELECT {_COLUMNS} FROM audit_log WHERE $1::bigint IS NULL OR id < $1 ORDER BY id DESC LIMIT $2",
        before_id, limit,
    )
    return [_entry(row) for row in rows]


async def iter_audit(pool: asyncpg.Pool, page: int = 1000) -> AsyncIterator[list[AuditEntry]]:
    """Every entry, oldest first, ``page`` at a time (an export of any length
    without holding it all, nor a connection between pages)."""
    after = 0
    while True:
        rows = await pool.fetch(f"SELECT {_COLUMNS} FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2",
                                after, page)
        if not rows:
            return
        yield [_entry(row) for row in rows]
        after = rows[-1]["id"]


async def list_audit_of(pool: asyncpg.Pool, object_type: str, object_id: str, limit: int = 200) -> list[AuditEntry]:
    """The entries about one object (a draft's history), oldest first."""
    rows = await pool.fetch(
        f"SELECT {_COLUMNS} FROM audit_log WHERE object_type = $1 AND object_id = $2 ORDER BY id LIMIT $3",
        object_type, object_id, limit,
    )
    return [_entry(row) for row in rows]
