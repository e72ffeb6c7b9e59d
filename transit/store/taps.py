"""Taps: fare payments on board, stored once however often a reader resends them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from transit.records import PaymentMedium, Tap
from transit.store.errors import is_row_fault
from transit.store.instants import to_datetime, to_seconds

_COLUMNS = ("tap_id", "vehicle_id", "ts", "medium", "account_hash", "lat", "lon", "received_at",
            "line_id", "amount_fen", "transfer", "reader_id")

# Per-session staging table, emptied at each commit (see stop_events.py).
_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS taps_stage
    (LIKE taps INCLUDING DEFAULTS) ON COMMIT DELETE ROWS
"""

_INSERT = f"""
INSERT INTO taps ({", ".join(_COLUMNS)})
SELECT {", ".join(_COLUMNS)} FROM taps_stage
ON CONFLICT (tap_id) DO NOTHING
"""


_TYPES = ("text", "text", "timestamptz", "text", "text", "float8", "float8", "timestamptz", "text", "int4",
          "bool", "text")
# One statement, so one round trip and atomic on its own (a push is small: no
# staging table, no COPY); RETURNING says which rows were new.
_INSERT_ARRAYS = f"""
INSERT INTO taps ({", ".join(_COLUMNS)})
SELECT * FROM unnest({", ".join(f"${n}::{t}[]" for n, t in enumerate(_TYPES, 1))})
ON CONFLICT (tap_id) DO NOTHING RETURNING tap_id
"""
_INSERT_ONE = f"""
INSERT INTO taps ({", ".join(_COLUMNS)}) VALUES ({", ".join(f"${n}" for n in range(1, len(_COLUMNS) + 1))})
ON CONFLICT (tap_id) DO NOTHING RETURNING tap_id
"""


def _row(t: Tap) -> tuple[object, ...]:
    return (t.tap_id, t.vehicle_id, to_datetime(t.timestamp), t.medium.value, t.account_hash, t.lat,
            t.lon, to_datetime(t.received_at), t.line_id, t.amount_fen, t.transfer, t.reader_id)


async def insert_taps(pool: asyncpg.Pool, taps: Sequence[Tap]) -> int:
    """Store ``taps`` in one transaction, skipping tap ids already stored (a resend
    or a file imported again must not fail the batch); return how many were new.
    """
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(_STAGE)
        await conn.copy_records_to_table("taps_stage", records=[_row(t) for t in taps], columns=_COLUMNS)
        status = await conn.execute(_INSERT)
    return int(status.rsplit(" ", 1)[1])  # "INSERT 0 <rows>"


@dataclass(frozen=True, slots=True)
class NewTaps:
    """What ``store_new_taps`` did with each tap, by its index in the taps given.
    An index in none of these was a duplicate: the same payment (transaction id,
    vehicle and account) was already stored, or came earlier in the list."""

    stored: frozenset[int]
    # Its transaction id is stored for another payment (another vehicle or account).
    conflicting: frozenset[int]
    refused: dict[int, str]  # the database refused what the row holds: why


async def store_new_taps(pool: asyncpg.Pool, taps: Sequence[Tap]) -> NewTaps:
    """Store ``taps`` in one statement (committed when it returns) and say
    which were new: a caller that must answer per tap (a reader's push) learns
    it from the commit itself, so two pushes of one payment at once store it,
    and count it new, once. If the database refuses a row despite the checks,
    the taps go again one by one, each in a savepoint, and only that row is refused."""
    first: dict[str, int] = {}
    for index, tap in enumerate(taps):
        first.setdefault(tap.tap_id, index)
    unique = [taps[i] for i in first.values()]
    async with pool.acquire() as conn:
        try:
            columns = [list(column) for column in zip(*(_row(t) for t in unique), strict=True)]
            inserted = {r["tap_id"] for r in await conn.fetch(_INSERT_ARRAYS, *columns)}
            faults: dict[str, str] = {}
        except Exception as exc:
            if not is_row_fault(exc):
                raise
            async with conn.transaction():
                inserted, faults = await _insert_one_by_one(conn, unique)
        held = {t.tap_id for t in unique} - inserted - faults.keys()
        rows = await conn.fetch("SELECT tap_id, vehicle_id, account_hash FROM taps WHERE tap_id = ANY($1)",
                                list(held)) if held else []
    stored_as = {r["tap_id"]: (r["vehicle_id"], r["account_hash"]) for r in rows}
    stored: set[int] = set()
    conflicting: set[int] = set()
    refused: dict[int, str] = {}
    for index, tap in enumerate(taps):
        origin = first[tap.tap_id]
        if tap.tap_id in faults:
            refused[index] = faults[tap.tap_id]
        elif origin == index and tap.tap_id in inserted:
            stored.add(index)
        # A repeat is the same payment as the one stored (before, or just now
        # from earlier in the list), or another payment under a taken id.
        elif _payment(tap) != stored_as.get(tap.tap_id, _payment(taps[origin])):
            conflicting.add(index)
    return NewTaps(frozenset(stored), frozenset(conflicting), refused)


def _payment(tap: Tap) -> tuple[str, str]:
    return tap.vehicle_id, tap.account_hash


async def _insert_one_by_one(conn: asyncpg.Connection, taps: Sequence[Tap]) -> tuple[set[str], dict[str, str]]:
    """Each tap in its own savepoint: the new tap ids, and the refused ones with why."""
    inserted: set[str] = set()
    faults: dict[str, str] = {}
    for tap in taps:
        try:
            async with conn.transaction():
                row = await conn.fetchrow(_INSERT_ONE, *_row(tap))
        except Exception as exc:
            if not is_row_fault(exc):
                raise
            faults[tap.tap_id] = f"{type(exc).__name__}: {exc}"
            continue
        if row is not None:
            inserted.add(tap.tap_id)
    return inserted, faults


async def list_taps(
    pool: asyncpg.Pool, since: float, until: float, vehicle_id: str | None = None
) -> list[Tap]:
    """Taps with time in [since, until) (on one vehicle if given), in time order."""
    rows = await pool.fetch(
        f"""
        SELECT {", ".join(_COLUMNS)} FROM taps
        WHERE ts >= $1 AND ts < $2 AND ($3::text IS NULL OR vehicle_id = $3)
        ORDER BY ts, tap_id
        """,
        to_datetime(since),
        to_datetime(until),
        vehicle_id,
    )
    return [_tap(row) for row in rows]


# Readers' clocks may be off by up to this much (as the flow inference searches):
# the fix-time index is searched this much wider than the receipt window.
_READER_CLOCK_SLACK_S = 3 * 3600.0


async def list_live_taps(pool: asyncpg.Pool, since: float, until: float) -> list[Tap]:
    """Taps received in [since, until) that went live, in order of receipt
    (the order ingest applied them): those a registered reader pushed, and
    the simulator's (which carry a position). A back-office file's never went
    live: no reader, no position."""
    rows = await pool.fetch(
        f"""
        SELECT {", ".join(_COLUMNS)} FROM taps
        WHERE ts >= $1 AND ts < $2 AND received_at >= $3 AND received_at < $4
          AND (reader_id IS NOT NULL OR lat IS NOT NULL)
        ORDER BY received_at, tap_id
        """,
        to_datetime(since - _READER_CLOCK_SLACK_S),
        to_datetime(until + _READER_CLOCK_SLACK_S),
        to_datetime(since),
        to_datetime(until),
    )
    return [_tap(row) for row in rows]


def _tap(row: asyncpg.Record) -> Tap:
    return Tap(
        tap_id=row["tap_id"],
        vehicle_id=row["vehicle_id"],
        timestamp=to_seconds(row["ts"]),
        medium=PaymentMedium(row["medium"]),
        account_hash=row["account_hash"],
        lat=row["lat"],
        lon=row["lon"],
        received_at=to_seconds(row["received_at"]),
        line_id=row["line_id"],
        amount_fen=row["amount_fen"],
        transfer=row["transfer"],
        reader_id=row["reader_id"],
    )
