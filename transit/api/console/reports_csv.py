"""The reports as CSV: UTF-8 with a byte-order mark (a spreadsheet reads the
Chinese right), one header row, numbers as numbers (seconds, shares from 0
to 1, to 4 decimals), every text cell kept from running as a formula
(``text``). The row builders say which cells are text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from aiohttp import web

from transit.console.adherence import DelayCell
from transit.console.audit import spreadsheet_text
from transit.console.line_accuracy import LineHorizon
from transit.console.regularity import LineRegularity
from transit.console.ridership import LineRidership
from transit.model.network import Network

Cell = str | int | float
text = spreadsheet_text


def _n(value: float) -> float:
    return round(value, 4)


def csv_response(name: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> web.Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return web.Response(body="\ufeff".encode() + out.getvalue().encode("utf-8"), headers={
        "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": f'attachment; filename="{name}"'})


ACCURACY_HEADER = ("route_id", "line", "horizon", "scored", "mae_s", "bias_s", "within_band", "timetable_mae_s")


def accuracy_rows(rows: Sequence[LineHorizon], names: Mapping[str, str]) -> list[list[Cell]]:
    return [[text(r.route_id), text(names.get(r.route_id, r.route_id)), r.horizon, r.scored, _n(r.mae_s),
             _n(r.bias_s), _n(r.within_band), "" if r.timetable_mae_s is None else _n(r.timetable_mae_s)]
            for r in rows]


ADHERENCE_HEADER = ("service_date", "route_id", "line", "direction_id", "stop_id", "stop_name", "hour", "calls",
                    "early", "on_time", "late", "on_time_share", "median_delay_s", "p90_delay_s")


def adherence_rows(day: date, cells: Sequence[DelayCell], names: Mapping[str, str],
                   network: Network) -> list[list[Cell]]:
    stops = {stop_id: (text(stop_id), text(stop.name)) for stop_id, stop in network.stops.items()}
    lines = {route_id: (text(route_id), text(name)) for route_id, name in names.items()}
    return [[day.isoformat(), *lines.get(c.route_id, (text(c.route_id), "")), c.direction_id,
             *stops.get(c.stop_id, (text(c.stop_id), "")), c.hour, c.count.calls, c.count.early, c.count.on_time,
             c.count.late, _n(c.count.on_time_share), _n(c.count.median_s), _n(c.count.p90_s)] for c in cells]


REGULARITY_HEADER = ("service_date", "route_id", "line", "direction_id", "headways", "mean_actual_s",
                     "mean_scheduled_s", "cv_h", "level", "within_50pct", "bunched", "gapped")


def regularity_rows(day: date, rows: Sequence[LineRegularity], names: Mapping[str, str]) -> list[list[Cell]]:
    return [[day.isoformat(), text(r.route_id), text(names.get(r.route_id, r.route_id)), r.direction_id, r.headways,
             _n(r.mean_actual_s), _n(r.mean_scheduled_s), _n(r.cv_h), r.level, _n(r.within), _n(r.bunched),
             _n(r.gapped)] for r in rows]


RIDERSHIP_HEADER = ("service_date", "route_id", "line", "boardings", "alightings", "trips", "boardings_per_trip",
                    "max_load", "mean_trip_peak_load", "peak_direction_id", "peak_hour", "peak_from_stop_id",
                    "peak_to_stop_id", "peak_riders")


def ridership_rows(day: date, rows: Sequence[LineRidership], names: Mapping[str, str]) -> list[list[Cell]]:
    """One row per line and direction's peak-load point (a line with none: one row without)."""
    found: list[list[Cell]] = []
    for r in rows:
        head: list[Cell] = [day.isoformat(), text(r.route_id), text(names.get(r.route_id, r.route_id)),
                            _n(r.boardings), _n(r.alightings), r.trips, _n(r.boardings_per_trip), _n(r.max_load),
                            _n(r.mean_trip_peak)]
        found += [head + [p.direction_id, p.hour, text(p.from_stop_id), text(p.to_stop_id), _n(p.load)]
                  for p in r.peaks] or [head + ["", "", "", "", ""]]
    return found
