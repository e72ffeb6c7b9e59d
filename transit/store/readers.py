"""The POS reader registry (migration 0011): readers added, listed, disabled.
Every change is written with its audit entry in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from transit.console.audit import Act
from transit.readers import Reader
from transit.store.audit import append_audit
from transit.store.instants import to_datetime, to_datetime_or_none, to_seconds, to_seconds_or_none

_COLUMNS = "reader_id, vehicle_id, key_hash, created_at, disabled_at"


class ReaderExists(ValueError):
    def __init__(self, reader_id: str) -> None:
        super().__init__(f"reader {reader_id!r} already exists (a reader moved to another bus "
                         "is disabled and added again under a new id)")
        self.reader_id = reader_id


class ReaderNotFound(LookupError):
    def __init__(self, reader_id: str) -> None:
        super().__init__(f"no reader {reader_id!r}")
        self.reader_id = reader_id


class ReaderAlreadyDisabled(ValueError):
    def __init__(self, reader_id: str) -> None:
        super().__init__(f"reader {reader_id!r} is already disabled")
        self.reader_id = reader_id


def _reader(row: asyncpg.Record) -> Reader:
    return Reader(row["reader_id"], row["vehicle_id"], row["key_hash"], to_seconds(row["created_at"]),
                  to_seconds_or_none(row["disabled_at"]))


def _audited(reader: Reader) -> dict[str, Any]:
    """What the audit log keeps of a reader: never its key's hash."""
    return {"vehicle_id": reader.vehicle_id, "active": reader.active}


async def add_readers(pool: asyncpg.Pool, readers: Sequence[Reader], act: Act,
                      *, skip_existing: bool = False) -> list[Reader]:
    """Store ``readers``; return those added. An id already registered raises
    ``ReaderExists`` (nothing is stored), or is left as it is with ``skip_existing``."""
    added: list[Reader] = []
    async with pool.acquire() as conn, conn.transaction():
        for reader in readers:
            row = await conn.fetchrow(
                f"INSERT INTO pos_readers ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5)"
                f" ON CONFLICT (reader_id) DO NOTHING RETURNING {_COLUMNS}",
                reader.reader_id, reader.vehicle_id, reader.key_hash, to_datetime(reader.created_at),
                to_datetime_or_none(reader.disabled_at))
            if row is None:
                if skip_existing:
                    continue
                raise ReaderExists(reader.reader_id)
            added.append(_reader(row))
            await append_audit(conn, act.entry("add_reader", "reader", reader.reader_id, None,
                                               _audited(added[-1])))
    return added


async def list_readers(pool: asyncpg.Pool) -> list[Reader]:
    """Every reader, disabled ones too, by id."""
    return [_reader(row) for row in await pool.fetch(f"SELECT {_COLUMNS} FROM pos_readers ORDER BY reader_id")]


async def disable_reader(pool: asyncpg.Pool, reader_id: str, act: Act) -> Reader:
    """Disable ``reader_id``: its pushes are refused from then on. Raises
    ``ReaderNotFound`` or ``ReaderAlreadyDisabled``."""
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM pos_readers WHERE reader_id = $1 FOR UPDATE",
                                  reader_id)
        if row is None:
            raise ReaderNotFound(reader_id)
        if row["disabled_at"] is not None:
            raise ReaderAlreadyDisabled(reader_id)
        before = _reader(row)
        after = _reader(await conn.fetchrow(
            f"UPDATE pos_readers SET disabled_at = $2 WHERE reader_id = $1 RETURNING {_COLUMNS}",
            reader_id, to_datetime(act.at)))
        await append_audit(conn, act.entry("disable_reader", "reader", reader_id, _audited(before),
                                           _audited(after)))
    return after
