"""The Kaohsiung case as GTFS tables (strings, as ``transit.gtfs.tables`` holds them).

One service per date (calendar_dates only), so each day runs exactly its own
planned trips; shapes are the published WKT lines; a trip's headsign is its
last stop's name. Stop names are the Chinese ones; the English ones go to
``stop_desc``.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from feeds.kaohsiung.case import TIMEZONE, KaohsiungCase
from transit.gtfs.tables import Tables
from transit.model.service_days import format_gtfs_time

AGENCY_ID = "KHH"
ROUTE_TYPE_BUS = "3"


def build_tables(case: KaohsiungCase) -> Tables:
    layout = case.layout
    stops = pd.DataFrame(
        [(s.stop_id, s.code, s.name_zh, s.name_en, f"{s.lat:.6f}", f"{s.lon:.6f}")
         for s in layout.stops.values()],
        columns=["stop_id", "stop_code", "stop_name", "stop_desc", "stop_lat", "stop_lon"])
    routes = pd.DataFrame(
        [(route_id, AGENCY_ID, route_id, _long_name(case, route_id), ROUTE_TYPE_BUS)
         for route_id in sorted({p.route_id for p in layout.patterns.values()})],
        columns=["route_id", "agency_id", "route_short_name", "route_long_name", "route_type"])
    shapes = pd.DataFrame(
        [(p.shape_id, f"{lat:.7f}", f"{lon:.7f}", str(n))
         for p in layout.patterns.values()
         for n, (lat, lon) in enumerate(zip(p.shape.lats, p.shape.lons), 1)],
        columns=["shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"])
    trips = pd.DataFrame(
        [(t.route_id, _service_id(t.service_date), t.trip_id, str(t.direction),
          layout.patterns[(t.route_id, t.direction)].shape_id, t.block_id,
          _headsign(case, t.route_id, t.direction))
         for t in case.trips],
        columns=["route_id", "service_id", "trip_id", "direction_id", "shape_id", "block_id",
                 "trip_headsign"])
    stop_times = pd.DataFrame(
        [(t.trip_id, format_gtfs_time(a), format_gtfs_time(d), stop_id, str(n))
         for t in case.trips
         for n, (a, d, stop_id) in enumerate(
             zip(t.arrivals, t.departures, layout.patterns[(t.route_id, t.direction)].stop_ids), 1)],
        columns=["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"])
    dates = sorted({t.service_date for t in case.trips})
    calendar_dates = pd.DataFrame([(_service_id(d), _service_id(d), "1") for d in dates],
                                  columns=["service_id", "date", "exception_type"])
    agency = pd.DataFrame([(AGENCY_ID, "高雄市公車 (Kaohsiung City Bus)", "https://ptx.transportdata.tw",
                            TIMEZONE, "zh-TW")],
                          columns=["agency_id", "agency_name", "agency_url", "agency_timezone",
                                   "agency_lang"])
    return {"agency": agency, "stops": stops, "routes": routes, "shapes": shapes, "trips": trips,
            "stop_times": stop_times, "calendar_dates": calendar_dates}


def _service_id(day: date) -> str:
    return day.strftime("%Y%m%d")


def _headsign(case: KaohsiungCase, route_id: str, direction: int) -> str:
    last = case.layout.patterns[(route_id, direction)].stop_ids[-1]
    return case.layout.stops[last].name_zh


def _long_name(case: KaohsiungCase, route_id: str) -> str:
    outbound = case.layout.patterns.get((route_id, 0))
    if outbound is None:
        return ""
    stops = case.layout.stops
    return f"{stops[outbound.stop_ids[0]].name_zh}—{stops[outbound.stop_ids[-1]].name_zh}"
