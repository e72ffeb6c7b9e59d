"""Assemble the loop city into GTFS tables (`transit.gtfs.tables.write_tables` zips them)."""

from __future__ import annotations

import random

import pandas as pd

from feeds.loopcity.lines import LINES, LineKind, Pattern, build_patterns, to_lat_lon
from feeds.loopcity.timetable import build_trips

AGENCY_ID = "LOOP"
URL = "https://example.org/loop-city"
SERVICE_ID = "WKD"
ROUTE_DESC = {LineKind.LOOP: "环线", LineKind.OUT_AND_BACK: "往返线", LineKind.ORDINARY: "城区线路"}


def _stop_id(node: tuple[int, int]) -> str:
    return f"P{node[0] + 10:02d}{node[1] + 10:02d}"


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _frame(rows: list[tuple[str, ...]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns, dtype=str)


def _lat_lon(x: float, y: float) -> tuple[str, str]:
    lat, lon = to_lat_lon(x, y)
    return f"{lat:.6f}", f"{lon:.6f}"


def build_loop_feed(seed: int = 7) -> dict[str, pd.DataFrame]:
    """The loop city's GTFS tables by file stem, every column as the string to be written."""
    rng = random.Random(seed)
    patterns: dict[tuple[str, int], Pattern] = {}
    trips = []
    for line in LINES:
        line_patterns = build_patterns(line)
        patterns.update({(line.line_id, p.direction): p for p in line_patterns})
        trips += build_trips(line, line_patterns, rng)
    nodes = {n: (x, y) for p in patterns.values() for n, (x, y, _) in zip(p.stops, p.shape, strict=True)}
    stops = [(_stop_id(n), f"{n[0] * 5:+d}街{n[1] * 5:+d}路口", *_lat_lon(*xy), "0") for n, xy in sorted(nodes.items())]
    routes = [(line.line_id, AGENCY_ID, line.short_name, f"{line.short_name}{ROUTE_DESC[line.kind]}",
               ROUTE_DESC[line.kind], "3") for line in LINES]
    shapes = [(f"{p.line_id}-{p.direction}", *_lat_lon(x, y), str(seq), f"{d:.1f}")
              for p in patterns.values() for seq, (x, y, d) in enumerate(p.shape, start=1)]
    trip_rows, time_rows = [], []
    for trip in trips:
        p = patterns[(trip.line_id, trip.direction)]
        headsign = "环线" if p.stops[0] == p.stops[-1] else _stop_id(p.stops[-1])
        trip_rows.append((trip.line_id, SERVICE_ID, trip.trip_id, headsign, str(trip.direction), trip.block_id,
                          f"{p.line_id}-{p.direction}"))
        for seq, (node, dist, (arr, dep)) in enumerate(zip(p.stops, p.stop_dist_m, trip.times, strict=True), start=1):
            time_rows.append((trip.trip_id, _clock(arr), _clock(dep), _stop_id(node), str(seq), "1", f"{dist:.1f}"))
    return {
        "agency": _frame([(AGENCY_ID, "环城公交演示", URL, "Asia/Shanghai", "zh")],
                         ["agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang"]),
        "stops": _frame(stops, ["stop_id", "stop_name", "stop_lat", "stop_lon", "location_type"]),
        "routes": _frame(routes, ["route_id", "agency_id", "route_short_name", "route_long_name", "route_desc",
                                  "route_type"]),
        "trips": _frame(trip_rows, ["route_id", "service_id", "trip_id", "trip_headsign", "direction_id",
                                    "block_id", "shape_id"]),
        "stop_times": _frame(time_rows, ["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence",
                                         "timepoint", "shape_dist_traveled"]),
        "calendar": _frame([(SERVICE_ID, *"11111", "0", "0", "20260101", "20271231")],
                           ["service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                            "sunday", "start_date", "end_date"]),
        "shapes": _frame(shapes, ["shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence",
                                  "shape_dist_traveled"]),
    }

