"""Sums of a built day's passenger flow per line, for the console's
ridership report: the database adds up the day's hundred thousand segment
loads, the report gets a few rows per line."""

from __future__ import annotations

from datetime import date

import asyncpg

from transit.console.ridership import DirectionLoad, LineHour
from transit.flow.peaks import PeakLoadPoint
from transit.model.service_days import service_day_origin


async def list_line_hours(pool: asyncpg.Pool, service_date: date) -> list[LineHour]:
    """Boardings and alightings per line and hour of the service day."""
    rows = await pool.fetch(
        "SELECT route_id, bin_start / 3600 AS hour, sum(boardings) AS b, sum(alightings) AS a"
        " FROM flow_stop_bins WHERE service_date = $1 GROUP BY route_id, hour ORDER BY route_id, hour",
        service_date)
    return [LineHour(row["route_id"], row["hour"], row["b"], row["a"]) for row in rows]


async def list_direction_loads(pool: asyncpg.Pool, service_date: date) -> list[DirectionLoad]:
    """Per line and direction: trips with a load, the heaviest load, the mean of each trip's heaviest."""
    rows = await pool.fetch(
        """
        SELECT route_id, direction_id, count(*) AS trips, max(peak) AS max_load, avg(peak) AS mean_peak
        FROM (SELECT route_id, direction_id, trip_id, max(load) AS peak FROM flow_segment_loads
              WHERE service_date = $1 GROUP BY route_id, direction_id, trip_id) AS trip_peaks
        GROUP BY route_id, direction_id ORDER BY route_id, direction_id
        """, service_date)
    return [DirectionLoad(row["route_id"], row["direction_id"], row["trips"], row["max_load"], row["mean_peak"])
            for row in rows]


async def list_peak_load_points(pool: asyncpg.Pool, service_date: date, timezone: str) -> list[PeakLoadPoint]:
    """Per line and direction, the segment and hour (of the service day, by
    when the bus left the segment's first stop) carrying the most riders:
    ``transit.flow.peaks.peak_load_points``, summed in the database."""
    origin = service_day_origin(service_date, timezone)
    rows = await pool.fetch(
        """
        SELECT DISTINCT ON (route_id, direction_id) route_id, direction_id, hour, from_stop_id, to_stop_id, riders
        FROM (SELECT route_id, direction_id, segment, from_stop_id, to_stop_id,
                     floor(extract(epoch FROM departure - $2::timestamptz) / 3600)::int AS hour, sum(load) AS riders
              FROM flow_segment_loads WHERE service_date = $1
              GROUP BY route_id, direction_id, segment, from_stop_id, to_stop_id, hour) AS hourly
        ORDER BY route_id, direction_id, riders DESC, segment, from_stop_id, to_stop_id, hour
        """, service_date, origin)
    return [PeakLoadPoint(row["route_id"], row["direction_id"], row["hour"], row["from_stop_id"], row["to_stop_id"],
                          row["riders"]) for row in rows]


async def list_flow_dates(pool: asyncpg.Pool, limit: int) -> list[date]:
    """The latest ``limit`` service days with a built flow, newest first."""
    rows = await pool.fetch("SELECT service_date FROM flow_days ORDER BY service_date DESC LIMIT $1", limit)
    return [row["service_date"] for row in rows]
