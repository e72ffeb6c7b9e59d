"""Stored passenger flow of service days: stop counts per time bin, the load
of every trip's segments, the origin-destination matrix and the transfers, as
``transit flow build`` inferred them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

from transit.flow.day import DayFlow, FlowCounts
from transit.flow.loads import SegmentLoad, StopFlow
from transit.flow.od import OdFlow
from transit.flow.transfers import JourneyCounts, TransferFlow, Transfers
from transit.store.instants import to_datetime, to_seconds

_STOP_COLUMNS = ("service_date", "route_id", "direction_id", "bin_start", "stop_id",
                 "boardings", "alightings")
_LOAD_COLUMNS = ("service_date", "trip_id", "segment", "route_id", "direction_id",
                 "from_stop_id", "to_stop_id", "departure", "load", "chained")
_OD_COLUMNS = ("service_date", "route_id", "hour", "origin_stop_id", "destination_stop_id",
               "riders", "chained")
_TRANSFER_COLUMNS = ("service_date", "from_route_id", "to_route_id", "from_stop_id", "to_stop_id",
                     "walk_m", "transfers", "mean_wait_s", "median_wait_s")


class FlowDayNotFound(LookupError):
    """No flow was built for this service day."""

    def __init__(self, service_date: date) -> None:
        super().__init__(f"no passenger flow built for {service_date} "
                         f"(run: transit flow build --day {service_date})")
        self.service_date = service_date


@dataclass(frozen=True, slots=True)
class FlowDay:
    service_date: date
    version_id: int
    built_at: datetime
    counts: Mapping[str, Any]  # FlowCounts as JSON: taps, placed, chained, by reason
    clocks: Mapping[str, Any]  # vehicle -> {offset_s, taps, estimated}
    journeys: Mapping[str, Any]  # JourneyCounts as JSON: legs, journeys, transfers, by_legs


def counts_json(counts: FlowCounts) -> dict[str, Any]:
    return {
        "taps": counts.taps, "duplicates": counts.duplicates, "placed": counts.placed,
        "chained": counts.chained, "chained_share": round(counts.chained_share, 4),
        "unplaced": {str(k): v for k, v in counts.unplaced.items()},
        "unchained": {str(k): v for k, v in counts.unchained.items()},
    }


def journeys_json(journeys: JourneyCounts | None) -> dict[str, Any]:
    if journeys is None:  # nobody rode: no legs
        return {"legs": 0, "journeys": 0, "transfers": 0, "legs_per_journey": 0.0, "by_legs": {}}
    return {"legs": journeys.legs, "journeys": journeys.journeys, "transfers": journeys.transfers,
            "legs_per_journey": round(journeys.legs_per_journey, 4),
            "by_legs": {str(k): v for k, v in journeys.by_legs.items()}}


async def replace_flow_day(pool: asyncpg.Pool, flow: DayFlow, service_date: date,
                           version_id: int, built_at: float, *, od: Sequence[OdFlow],
                           transfers: Transfers) -> None:
    """Store ``flow``, its OD matrix ``od`` and its ``transfers`` as the day's
    flow, replacing any earlier build of it."""
    clocks = {c.vehicle_id: {"offset_s": round(c.offset_s, 1), "taps": c.taps,
                             "estimated": c.estimated} for c in flow.clocks.values()}
    journeys = next((j for j in transfers.journeys if j.service_date == service_date), None)
    tables = {
        "flow_stop_bins": ([_stop_row(s) for s in flow.stops if s.service_date == service_date],
                           _STOP_COLUMNS),
        "flow_segment_loads": ([_load_row(s) for s in flow.loads if s.service_date == service_date],
                               _LOAD_COLUMNS),
        "flow_od": ([_row(r, _OD_COLUMNS) for r in od if r.service_date == service_date], _OD_COLUMNS),
        "flow_transfers": ([_row(t, _TRANSFER_COLUMNS) for t in transfers.flows
                            if t.service_date == service_date], _TRANSFER_COLUMNS),
    }
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("DELETE FROM flow_days WHERE service_date = $1", service_date)
        await conn.execute(
            "INSERT INTO flow_days (service_date, version_id, built_at, counts, clocks, journeys) "
            "VALUES ($1, $2, $3, $4, $5, $6)", service_date, version_id, to_datetime(built_at),
            counts_json(flow.counts), clocks, journeys_json(journeys))
        for table, (records, columns) in tables.items():
            await conn.copy_records_to_table(table, records=records, columns=columns)


def _row(record: OdFlow | TransferFlow, columns: Sequence[str]) -> tuple[object, ...]:
    return tuple(getattr(record, c) for c in columns)


def _stop_row(s: StopFlow) -> tuple[object, ...]:
    return (s.service_date, s.route_id, s.direction_id, s.bin_start, s.stop_id,
            s.boardings, s.alightings)


def _load_row(s: SegmentLoad) -> tuple[object, ...]:
    return (s.service_date, s.trip_id, s.segment, s.route_id, s.direction_id,
            s.from_stop_id, s.to_stop_id, to_datetime(s.departure), s.load, s.chained)


async def list_flow_days(pool: asyncpg.Pool) -> list[FlowDay]:
    """Every built day, latest first."""
    rows = await pool.fetch("SELECT * FROM flow_days ORDER BY service_date DESC")
    return [FlowDay(**dict(row)) for row in rows]


async def get_flow_day(pool: asyncpg.Pool, service_date: date) -> FlowDay:
    row = await pool.fetchrow("SELECT * FROM flow_days WHERE service_date = $1", service_date)
    if row is None:
        raise FlowDayNotFound(service_date)
    return FlowDay(**dict(row))


async def list_stop_bins(pool: asyncpg.Pool, service_date: date,
                         route_id: str | None = None) -> list[StopFlow]:
    """The day's boardings and alightings per line, direction, bin and stop."""
    rows = await pool.fetch(
        f"SELECT {', '.join(_STOP_COLUMNS)} FROM flow_stop_bins "
        "WHERE service_date = $1 AND ($2::text IS NULL OR route_id = $2) "
        "ORDER BY route_id, direction_id, bin_start, stop_id", service_date, route_id)
    return [StopFlow(*row.values()) for row in rows]


async def list_segment_loads(pool: asyncpg.Pool, service_date: date, route_id: str | None = None,
                             direction_id: int | None = None) -> list[SegmentLoad]:
    """The day's load on every segment of every trip (of a line and direction if given)."""
    rows = await pool.fetch(
        "SELECT service_date, trip_id, route_id, direction_id, segment, from_stop_id, "
        "to_stop_id, departure, load, chained FROM flow_segment_loads "
        "WHERE service_date = $1 AND ($2::text IS NULL OR route_id = $2) "
        "AND ($3::smallint IS NULL OR direction_id = $3) "
        "ORDER BY route_id, direction_id, trip_id, segment", service_date, route_id, direction_id)
    return [SegmentLoad(**{**dict(row), "departure": to_seconds(row["departure"])}) for row in rows]


async def list_stop_od(pool: asyncpg.Pool, service_date: date,
                       route_id: str | None = None) -> list[OdFlow]:
    """The day's OD matrix per line and hour of boarding (of one line if given)."""
    rows = await pool.fetch(
        f"SELECT {', '.join(_OD_COLUMNS)} FROM flow_od "
        "WHERE service_date = $1 AND ($2::text IS NULL OR route_id = $2) "
        "ORDER BY route_id, hour, origin_stop_id, destination_stop_id", service_date, route_id)
    return [OdFlow(*row.values()) for row in rows]


async def list_transfer_flows(pool: asyncpg.Pool, service_date: date) -> list[TransferFlow]:
    """The day's transfers per pair of lines and stops, the busiest first."""
    rows = await pool.fetch(
        f"SELECT {', '.join(_TRANSFER_COLUMNS)} FROM flow_transfers WHERE service_date = $1 "
        "ORDER BY transfers DESC, from_route_id, to_route_id, from_stop_id, to_stop_id", service_date)
    return [TransferFlow(*row.values()) for row in rows]


def flow_day_json(day: FlowDay) -> dict[str, Any]:
    return {**asdict(day), "service_date": day.service_date.isoformat(),
            "built_at": day.built_at.isoformat()}
