"""Vehicle reports: every accepted GPS fix, written in batches by COPY."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import asyncpg

from transit.records import VehicleReport
from transit.store.instants import to_datetime, to_seconds

_COLUMNS = ("vehicle_id", "ts", "received_at", "lat", "lon", "speed_mps", "bearing", "source",
            "trip_id", "route_id", "direction_id", "start_date")


async def insert_reports(pool: asyncpg.Pool, reports: Sequence[VehicleReport]) -> None:
    """Store ``reports`` in one COPY (all or none); a ``BatchWriter`` flush function.

    ``speed_mps`` and ``bearing`` are stored as 4-byte reals (about 7 digits);
    the trip descriptor fields as given, NULL where the feed sent none.
    """
    rows = [
        (
            r.vehicle_id,
            to_datetime(r.timestamp),
            to_datetime(r.received_at),
            r.lat,
            r.lon,
            r.speed_mps,
            r.bearing,
            r.source,
            r.trip_id,
            r.route_id,
            r.direction_id,
            r.start_date,
        )
        for r in reports
    ]
    async with pool.acquire() as conn:
        await conn.copy_records_to_table("vehicle_reports", records=rows, columns=_COLUMNS)


async def stream_reports_received(
    pool: asyncpg.Pool, since: float, until: float, chunk: int = 20_000
) -> AsyncIterator[list[VehicleReport]]:
    """Every vehicle's reports received in [since, until), in order of receipt
    (the order ingest applied them), ``chunk`` at a time from a cursor."""
    async with pool.acquire() as conn, conn.transaction(readonly=True):
        cursor = await conn.cursor(
            f"""
            SELECT {", ".join(_COLUMNS)} FROM vehicle_reports
            WHERE received_at >= $1 AND received_at < $2
            ORDER BY received_at, vehicle_id, ts
            """,
            to_datetime(since),
            to_datetime(until),
        )
        while rows := await cursor.fetch(chunk):
            yield [_report(row) for row in rows]


async def list_reports(
    pool: asyncpg.Pool, vehicle_id: str, since: float, until: float
) -> list[VehicleReport]:
    """One vehicle's reports with fix time in [since, until), in fix-time order."""
    rows = await pool.fetch(
        f"""
        SELECT {", ".join(_COLUMNS)} FROM vehicle_reports
        WHERE vehicle_id = $1 AND ts >= $2 AND ts < $3
        ORDER BY ts, received_at
        """,
        vehicle_id,
        to_datetime(since),
        to_datetime(until),
    )
    return [_report(row) for row in rows]


def _report(row: asyncpg.Record) -> VehicleReport:
    return VehicleReport(
        vehicle_id=row["vehicle_id"],
        timestamp=to_seconds(row["ts"]),
        lat=row["lat"],
        lon=row["lon"],
        speed_mps=row["speed_mps"],
        bearing=row["bearing"],
        source=row["source"],
        received_at=to_seconds(row["received_at"]),
        trip_id=row["trip_id"],
        route_id=row["route_id"],
        direction_id=row["direction_id"],
        start_date=row["start_date"],
    )
