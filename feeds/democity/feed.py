"""Assemble the demo city into GTFS tables and write them as a GTFS zip."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import pandas as pd

from feeds.democity.calendars import FEED_END, FEED_START, SERVICES, list_exceptions
from feeds.democity.geography import Node, build_network, to_lat_lon
from feeds.democity.lines import Line, LineKind, Pattern, build_pattern, plan_lines
from feeds.democity.names import StopName, name_stops
from feeds.democity.timetable import Trip, build_trips

AGENCY_ID = "TCBUS"
DEMO_URL = "https://example.org/tongchuan-bus"
TOURIST_ROUTE_DESC = "旅游专线"
ROUTE_STYLE = {  # kind -> (route_desc, route_color, route_text_color)
    LineKind.TRUNK: ("城区干线", "C8102E", "FFFFFF"),
    LineKind.URBAN: ("城区线路", "005BAC", "FFFFFF"),
    LineKind.NIGHT: ("夜班线路", "1B1F3B", "FFFFFF"),
    LineKind.TOURIST: (TOURIST_ROUTE_DESC, "2E7D32", "FFFFFF"),
}


def _stop_id(node: int) -> str:
    return f"S{node:04d}"


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _lat_lon(x: float, y: float) -> tuple[str, str]:
    lat, lon = to_lat_lon(x, y)
    return f"{lat:.6f}", f"{lon:.6f}"


def _frame(rows: list[tuple[str, ...]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns, dtype=str)


def _stops_table(nodes: tuple[Node, ...], names: dict[int, StopName]) -> pd.DataFrame:
    rows = [(_stop_id(n), names[n].name, *_lat_lon(nodes[n].x, nodes[n].y), "0") for n in sorted(names)]
    return _frame(rows, ["stop_id", "stop_name", "stop_lat", "stop_lon", "location_type"])


def _routes_table(lines: tuple[Line, ...], names: dict[int, StopName]) -> pd.DataFrame:
    rows = []
    for line in lines:
        desc, color, text = ROUTE_STYLE[line.kind]
        long_name = f"{names[line.path[0]].name}—{names[line.path[-1]].name}"
        rows.append((line.line_id, AGENCY_ID, line.short_name, long_name, desc, "3", color, text))
    columns = ["route_id", "agency_id", "route_short_name", "route_long_name", "route_desc", "route_type"]
    return _frame(rows, [*columns, "route_color", "route_text_color"])


def _shapes_table(patterns: list[Pattern]) -> pd.DataFrame:
    rows = []
    for p in patterns:
        shape_id = f"{p.line_id}-{p.direction}"
        for seq, (x, y, dist) in enumerate(p.shape, start=1):
            rows.append((shape_id, *_lat_lon(x, y), str(seq), f"{dist:.1f}"))
    return _frame(rows, ["shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence", "shape_dist_traveled"])


def _trip_tables(
    trips: list[Trip], patterns: dict[tuple[str, int], Pattern], names: dict[int, StopName]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    trip_rows, time_rows = [], []
    clock_cache: dict[int, str] = {}

    def clock(t: int) -> str:
        if t not in clock_cache:
            clock_cache[t] = _clock(t)
        return clock_cache[t]

    for trip in trips:
        p = patterns[(trip.line_id, trip.direction)]
        headsign = names[p.stops[-1]].name
        shape_id = f"{p.line_id}-{p.direction}"
        trip_rows.append((trip.line_id, trip.service_id, trip.trip_id, headsign, str(trip.direction), trip.block_id, shape_id))
        for seq, (node, dist, (arr, dep)) in enumerate(zip(p.stops, p.stop_dist_m, trip.times), start=1):
            time_rows.append((trip.trip_id, clock(arr), clock(dep), _stop_id(node), str(seq), "1", f"{dist:.1f}"))
    return (
        _frame(trip_rows, ["route_id", "service_id", "trip_id", "trip_headsign", "direction_id", "block_id", "shape_id"]),
        _frame(time_rows, ["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence", "timepoint", "shape_dist_traveled"]),
    )


def _calendar_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    calendar = [
        (s.service_id, *("1" if d else "0" for d in s.weekdays), f"{s.start:%Y%m%d}", f"{s.end:%Y%m%d}") for s in SERVICES
    ]
    days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    exceptions = [(sid, f"{day:%Y%m%d}", str(kind)) for sid, day, kind in list_exceptions()]
    return (
        _frame(calendar, ["service_id", *days, "start_date", "end_date"]),
        _frame(exceptions, ["service_id", "date", "exception_type"]),
    )


def build_demo_feed(seed: int = 7) -> dict[str, pd.DataFrame]:
    """The demo city's GTFS tables by file stem, every column as the string to be written."""
    rng = random.Random(seed)
    net = build_network(rng)
    lines, stops = plan_lines(net, rng)
    names = name_stops(net, stops, rng)
    patterns = {(line.line_id, d): build_pattern(net, line, d, stops) for line in lines for d in (0, 1)}
    trips = [t for line in lines for t in build_trips(line, (patterns[(line.line_id, 0)], patterns[(line.line_id, 1)]), rng)]
    trips_df, stop_times_df = _trip_tables(trips, patterns, names)
    calendar_df, calendar_dates_df = _calendar_tables()
    # The agency name carries no "(demo)" suffix: the validator reads the brackets as a
    # word break and warns about letter case; feed_info and the example.org URL mark the demo.
    return {
        "agency": _frame(
            [(AGENCY_ID, "铜川市公共交通有限责任公司", DEMO_URL, "Asia/Shanghai", "zh")],
            ["agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang"],
        ),
        "stops": _stops_table(net.nodes, names),
        "routes": _routes_table(lines, names),
        "trips": trips_df,
        "stop_times": stop_times_df,
        "calendar": calendar_df,
        "calendar_dates": calendar_dates_df,
        "shapes": _shapes_table(list(patterns.values())),
        "feed_info": _frame(
            [("铜川公交演示数据", DEMO_URL, "zh", f"{FEED_START:%Y%m%d}", f"{FEED_END:%Y%m%d}", f"democity-seed{seed}", "demo@example.org")],
            ["feed_publisher_name", "feed_publisher_url", "feed_lang", "feed_start_date", "feed_end_date", "feed_version"]
            + ["feed_contact_email"],
        ),
    }


def write_demo_feed(path: Path, seed: int = 7) -> Path:
    """Write the demo feed as a GTFS zip (UTF-8 CSV without BOM) at `path` and return it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for stem, table in build_demo_feed(seed).items():
            zf.writestr(f"{stem}.txt", table.to_csv(index=False, lineterminator="\n"))
    return path
