"""Building the network model from checked GTFS tables (pandas stays here)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime

import numpy as np
import pandas as pd

from transit.gtfs.tables import Tables
from transit.gtfs.validate import parse_times
from transit.model.geometry import cumulative_distances, locate_stops_along
from transit.model.network import Network, Pattern, Route, ServiceCalendar, Shape, Stop, Trip

Progress = Callable[[str], None]


def build_network(tables: Tables, progress: Progress | None = None) -> Network:
    """The network of a feed that ``check_feed`` found free of errors."""
    note = progress or (lambda _step: None)
    agency = tables["agency"].iloc[0]
    stops = _stops(tables["stops"])
    note("stops")
    routes = _routes(tables["routes"])
    shapes = _shapes(tables.get("shapes"))
    note("shapes")
    calendars = _calendars(tables.get("calendar"), tables.get("calendar_dates"))
    patterns, trips = _patterns_and_trips(tables["trips"], tables["stop_times"], stops, shapes)
    note("trips")
    by_block: dict[str, list[Trip]] = defaultdict(list)
    for trip in trips.values():
        if trip.block_id:
            by_block[trip.block_id].append(trip)
    trips_by_block = {
        block: tuple(t.trip_id for t in sorted(members, key=lambda t: (t.start, t.trip_id)))
        for block, members in by_block.items()
    }
    return Network(
        agency_name=str(agency["agency_name"]),
        timezone=str(agency["agency_timezone"]).strip(),
        stops=stops,
        routes=routes,
        shapes=shapes,
        patterns=patterns,
        trips=trips,
        calendars=calendars,
        trips_by_block=trips_by_block,
    )


def _column(table: pd.DataFrame, name: str) -> pd.Series:
    return table[name] if name in table.columns else pd.Series("", index=table.index)


def _stops(table: pd.DataFrame) -> dict[str, Stop]:
    kind = _column(table, "location_type")
    rows = table[kind.isin(["", "0"])]
    codes = _column(rows, "stop_code")
    names = _column(rows, "stop_name")
    return {
        sid: Stop(sid, name, float(lat), float(lon), code or None)
        for sid, name, lat, lon, code in zip(
            rows["stop_id"], names, rows["stop_lat"], rows["stop_lon"], codes, strict=True
        )
    }


def _routes(table: pd.DataFrame) -> dict[str, Route]:
    return {
        rid: Route(rid, short, long, int(kind), agency or None)
        for rid, short, long, kind, agency in zip(
            table["route_id"], _column(table, "route_short_name"), _column(table, "route_long_name"),
            table["route_type"], _column(table, "agency_id"), strict=True,
        )
    }


def _shapes(table: pd.DataFrame | None) -> dict[str, Shape]:
    if table is None or table.empty:
        return {}
    frame = pd.DataFrame({
        "shape_id": table["shape_id"],
        "seq": pd.to_numeric(table["shape_pt_sequence"]),
        "lat": pd.to_numeric(table["shape_pt_lat"]),
        "lon": pd.to_numeric(table["shape_pt_lon"]),
    }).sort_values(["shape_id", "seq"], kind="stable")
    shapes = {}
    for shape_id, points in frame.groupby("shape_id", sort=False):
        lats, lons = tuple(points["lat"].tolist()), tuple(points["lon"].tolist())
        shapes[str(shape_id)] = Shape(str(shape_id), lats, lons, cumulative_distances(lats, lons))
    return shapes


def _date(text: str) -> date:
    return datetime.strptime(text.strip(), "%Y%m%d").date()


def _calendars(
    calendar: pd.DataFrame | None, calendar_dates: pd.DataFrame | None
) -> dict[str, ServiceCalendar]:
    weekly: dict[str, tuple[tuple[bool, ...], date | None, date | None]] = {}
    if calendar is not None:
        days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        for row in calendar.itertuples(index=False):
            flags = tuple(getattr(row, d) == "1" for d in days)
            weekly[row.service_id] = (flags, _date(row.start_date), _date(row.end_date))
    added: dict[str, set[date]] = defaultdict(set)
    removed: dict[str, set[date]] = defaultdict(set)
    if calendar_dates is not None:
        for row in calendar_dates.itertuples(index=False):
            (added if row.exception_type == "1" else removed)[row.service_id].add(_date(row.date))
    never = (False,) * 7
    return {
        sid: ServiceCalendar(
            sid,
            weekly.get(sid, (never, None, None))[0],  # type: ignore[arg-type]
            weekly.get(sid, (never, None, None))[1],
            weekly.get(sid, (never, None, None))[2],
            frozenset(added.get(sid, ())),
            frozenset(removed.get(sid, ())),
        )
        for sid in set(weekly) | set(added) | set(removed)
    }


def _patterns_and_trips(
    trips_table: pd.DataFrame,
    stop_times: pd.DataFrame,
    stops: dict[str, Stop],
    shapes: dict[str, Shape],
) -> tuple[dict[str, Pattern], dict[str, Trip]]:
    order = pd.DataFrame({
        "trip_id": stop_times["trip_id"].to_numpy(),
        "seq": pd.to_numeric(stop_times["stop_sequence"]).to_numpy(),
        "stop_id": stop_times["stop_id"].to_numpy(),
        "arr": parse_times(stop_times["arrival_time"]),
        "dep": parse_times(stop_times["departure_time"]),
    }).sort_values(["trip_id", "seq"], kind="stable")
    trip_ids = order["trip_id"].to_numpy()
    bounds = np.flatnonzero(trip_ids[1:] != trip_ids[:-1]) + 1
    starts = np.concatenate(([0], bounds))
    ends = np.concatenate((bounds, [len(order)]))
    seqs, stop_ids = order["seq"].to_numpy(), order["stop_id"].to_numpy()
    arrs, deps = order["arr"].to_numpy(), order["dep"].to_numpy()

    info = trips_table.set_index("trip_id")
    # Plain dicts: a pandas scalar lookup per trip and field cost half the build.
    directions = pd.to_numeric(_column(info, "direction_id"), errors="coerce").fillna(0).astype(int).to_dict()
    route_ids, service_ids = info["route_id"].to_dict(), info["service_id"].to_dict()
    shape_ids, blocks, headsigns = (_column(info, c).to_dict() for c in ("shape_id", "block_id", "trip_headsign"))

    patterns: dict[str, Pattern] = {}
    pattern_keys: dict[tuple, str] = {}
    trips: dict[str, Trip] = {}
    for lo, hi in zip(starts, ends, strict=True):
        trip_id = str(trip_ids[lo])
        route_id = str(route_ids[trip_id])
        direction = int(directions[trip_id])
        shape_id = str(shape_ids[trip_id]).strip()
        stop_seq = tuple(str(s) for s in stop_ids[lo:hi])
        key = (route_id, direction, shape_id, stop_seq, tuple(int(q) for q in seqs[lo:hi]))
        pattern_id = pattern_keys.get(key)
        if pattern_id is None:
            pattern_id = f"{route_id}:{direction}:{sum(1 for k in pattern_keys if k[0] == route_id) + 1}"
            pattern_keys[key] = pattern_id
            patterns[pattern_id] = _pattern(pattern_id, key, stops, shapes)
        pattern = patterns[pattern_id]
        arrival, departure = _fill_times(arrs[lo:hi], deps[lo:hi], pattern.stop_dists)
        trips[trip_id] = Trip(
            trip_id=trip_id,
            route_id=route_id,
            service_id=str(service_ids[trip_id]),
            pattern_id=pattern_id,
            direction_id=direction,
            block_id=str(blocks[trip_id]).strip() or None,
            headsign=str(headsigns[trip_id]),
            arrivals=arrival,
            departures=departure,
        )
    return patterns, trips


def _pattern(pattern_id: str, key: tuple, stops: dict[str, Stop], shapes: dict[str, Shape]) -> Pattern:
    route_id, direction, shape_id, stop_seq, sequences = key
    shape = shapes.get(shape_id)
    coords = [(stops[s].lat, stops[s].lon) for s in stop_seq]
    if shape is None:
        # No shape given: the straight line through the stops stands in for it.
        shape_id = f"~{pattern_id}"
        lats, lons = tuple(c[0] for c in coords), tuple(c[1] for c in coords)
        shape = Shape(shape_id, lats, lons, cumulative_distances(lats, lons))
        shapes[shape_id] = shape
    dists = locate_stops_along(coords, shape.lats, shape.lons, shape.dists)
    return Pattern(pattern_id, route_id, direction, shape.shape_id, stop_seq, dists, sequences)


def _fill_times(
    arrivals: np.ndarray, departures: np.ndarray, dists: tuple[float, ...]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Times of stops left blank (non-timepoints), interpolated by distance."""
    arr = np.where(np.isnan(arrivals), departures, arrivals)
    dep = np.where(np.isnan(departures), arrivals, departures)
    known = ~np.isnan(arr)
    if not known.all():
        x = np.asarray(dists, dtype=float)
        x = x + np.arange(len(x)) * 1e-6  # equal distances still interpolate in order
        arr = np.interp(x, x[known], arr[known])
        dep = np.where(known, dep, arr)
    return tuple(np.rint(arr).astype(int).tolist()), tuple(np.rint(dep).astype(int).tolist())
