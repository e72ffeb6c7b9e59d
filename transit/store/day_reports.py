"""A service day's computed console reports (adherence and regularity), kept
in PostgreSQL per schedule version with the mark of the events they came
from (``stop_events_mark``), so any process reads a day back instead of
computing it. The report itself is opaque bytes here (the console's JSON)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import asyncpg


@dataclass(frozen=True, slots=True)
class StoredDayReport:
    mark: tuple[int, float | None]  # the events' count and last write when computed
    report: bytes


async def find_day_report(pool: asyncpg.Pool, service_date: date, version_id: int) -> StoredDayReport | None:
    """The day's stored report against this version; None when none is."""
    row = await pool.fetchrow("SELECT events, events_last_s, report FROM console_day_reports"
                              " WHERE service_date = $1 AND version_id = $2", service_date, version_id)
    if row is None:
        return None
    return StoredDayReport((row["events"], row["events_last_s"]), row["report"])


async def find_day_report_mark(pool: asyncpg.Pool, service_date: date,
                               version_id: int) -> tuple[int, float | None] | None:
    """The mark of the day's stored report (without reading the report); None when none is."""
    row = await pool.fetchrow("SELECT events, events_last_s FROM console_day_reports"
                              " WHERE service_date = $1 AND version_id = $2", service_date, version_id)
    return None if row is None else (row["events"], row["events_last_s"])


async def put_day_report(pool: asyncpg.Pool, service_date: date, version_id: int, mark: tuple[int, float | None],
                         computed_at: float, report: bytes) -> bool:
    """Keep the day's report (replacing the one stored for this version);
    ``computed_at`` (Unix seconds) is for whoever reads the table. False when
    the version is not stored (nothing is then kept)."""
    try:
        await pool.execute(
            """
            INSERT INTO console_day_reports (service_date, version_id, events, events_last_s, computed_at, report)
            VALUES ($1, $2, $3, $4, to_timestamp($5), $6)
            ON CONFLICT (service_date, version_id) DO UPDATE SET events = excluded.events,
                events_last_s = excluded.events_last_s, computed_at = excluded.computed_at, report = excluded.report
            """, service_date, version_id, mark[0], mark[1], computed_at, report)
    except asyncpg.ForeignKeyViolationError:
        return False
    return True
