"""Taps: fare payments on board, stored once however often a reader resends them."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from transit.records import PaymentMedium, Tap
from transit.store.instants import to_datetime, to_seconds

_COLUMNS = ("tap_id", "vehicle_id", "ts", "medium", "account_hash", "lat", "lon", "received_at",
            "line_id", "amount_fen", "transfer")

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


async def insert_taps(pool: asyncpg.Pool, taps: Sequence[Tap]) -> int:
    """Store ``taps`` in one transaction, skipping tap ids already stored (a resend
    or a file imported again must not fail the batch); return how many were new.
    """
    rows = [
        (
            t.tap_id,
            t.vehicle_id,
            to_datetime(t.timestamp),
            t.medium.value,
            t.account_hash,
            t.lat,
            t.lon,
            to_datetime(t.received_at),
            t.line_id,
            t.amount_fen,
            t.transfer,
        )
        for t in taps
    ]
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(_STAGE)
        await conn.copy_records_to_table("taps_stage", records=rows, columns=_COLUMNS)
        status = await conn.execute(_INSERT)
    return int(status.rsplit(" ", 1)[1])  # "INSERT 0 <rows>"


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
    """Taps received in [since, until) that readers pushed live, in order of
    receipt (the order ingest applied them). A reader's push carries its
    position; a back-office file does not, and never went live."""
    rows = await pool.fetch(
        f"""
        SELECT {", ".join(_COLUMNS)} FROM taps
        WHERE ts >= $1 AND ts < $2 AND received_at >= $3 AND received_at < $4 AND lat IS NOT NULL
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
    )
