"""Stop events: a trip's arrival and departure at each stop; corrections replace."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import asyncpg
import numpy as np

from transit.records import DayEvents, StopEvent
from transit.store.instants import to_datetime_or_none, to_seconds_or_none

_COLUMNS = ("service_date", "trip_id", "stop_sequence", "stop_id", "vehicle_id", "arrival", "departure")

# A per-session staging table, emptied at each commit: creating and dropping one per
# batch would churn the system catalogs at group-commit rate.
_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS stop_events_stage
    (LIKE stop_events INCLUDING DEFAULTS) ON COMMIT DELETE ROWS
"""

_UPSERT = f"""
INSERT INTO stop_events ({", ".join(_COLUMNS)}, updated_at)
SELECT {", ".join(_COLUMNS)}, now() FROM stop_events_stage
ON CONFLICT (service_date, trip_id, stop_sequence) DO UPDATE SET
    stop_id = EXCLUDED.stop_id,
    vehicle_id = EXCLUDED.vehicle_id,
    arrival = EXCLUDED.arrival,
    departure = EXCLUDED.departure,
    updated_at = EXCLUDED.updated_at
"""


async def upsert_stop_events(pool: asyncpg.Pool, events: Sequence[StopEvent]) -> None:
    """Store ``events`` in one transaction; a later event for the same
    (service date, trip, stop sequence), in the batch or in the table, replaces the earlier.
    """
    # ON CONFLICT DO UPDATE cannot touch one row twice in a statement: keep the last.
    latest = {(e.service_date, e.trip_id, e.stop_sequence): e for e in events}
    rows = [
        (
            e.service_date,
            e.trip_id,
            e.stop_sequence,
            e.stop_id,
            e.vehicle_id,
            to_datetime_or_none(e.arrival),
            to_datetime_or_none(e.departure),
        )
        for e in latest.values()
    ]
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(_STAGE)
        await conn.copy_records_to_table("stop_events_stage", records=rows, columns=_COLUMNS)
        await conn.execute(_UPSERT)


async def list_stop_events(
    pool: asyncpg.Pool, service_date: date, trip_id: str | None = None
) -> list[StopEvent]:
    """A service day's events (of one trip if given), by trip then stop sequence."""
    rows = await pool.fetch(
        f"""
        SELECT {", ".join(_COLUMNS)} FROM stop_events
        WHERE service_date = $1 AND ($2::text IS NULL OR trip_id = $2)
        ORDER BY trip_id, stop_sequence
        """,
        service_date,
        trip_id,
    )
    return [
        StopEvent(
            service_date=row["service_date"],
            trip_id=row["trip_id"],
            stop_sequence=row["stop_sequence"],
            stop_id=row["stop_id"],
            vehicle_id=row["vehicle_id"],
            arrival=to_seconds_or_none(row["arrival"]),
            departure=to_seconds_or_none(row["departure"]),
        )
        for row in rows
    ]


async def list_day_events(pool: asyncpg.Pool, service_date: date) -> DayEvents:
    """A service day's events for the reports, as columns in one row: one
    array per column, instants as Unix seconds (NaN when missing) straight
    from the database; several times faster to decode than a record per event."""
    row = await pool.fetchrow(
        """
        SELECT array_agg(trip_id) AS trips, array_agg(stop_sequence) AS sequences, array_agg(stop_id) AS stops,
               array_agg(coalesce(date_part('epoch', arrival), 'NaN')) AS arrivals,
               array_agg(coalesce(date_part('epoch', departure), 'NaN')) AS departures
        FROM stop_events WHERE service_date = $1
        """, service_date)
    # All five aggregates read the rows in the same order (one scan, one group).
    return DayEvents(service_date, row["trips"] or [], np.array(row["sequences"] or [], dtype=np.int64),
                     row["stops"] or [], np.array(row["arrivals"] or [], dtype=np.float64),
                     np.array(row["departures"] or [], dtype=np.float64))


async def list_event_days(pool: asyncpg.Pool, limit: int) -> list[date]:
    """The latest ``limit`` service days with stop events, newest first. A
    skip scan on the primary key: one index probe per day, however many
    events each holds."""
    rows = await pool.fetch(
        """
        WITH RECURSIVE days (day, n) AS (
            (SELECT service_date, 1 FROM stop_events ORDER BY service_date DESC LIMIT 1)
            UNION ALL
            SELECT (SELECT service_date FROM stop_events WHERE service_date < days.day
                    ORDER BY service_date DESC LIMIT 1), n + 1
            FROM days WHERE days.day IS NOT NULL AND n < $1
        )
        SELECT day FROM days WHERE day IS NOT NULL
        """, limit)
    return [row["day"] for row in rows]


async def stop_events_mark(pool: asyncpg.Pool, service_date: date) -> tuple[int, float | None]:
    """How many events the day has and when the last was written: what
    changes whenever the day's events do (a report made from them is stale)."""
    row = await pool.fetchrow("SELECT count(*) AS n, max(updated_at) AS last FROM stop_events"
                              " WHERE service_date = $1", service_date)
    return row["n"], to_seconds_or_none(row["last"])
