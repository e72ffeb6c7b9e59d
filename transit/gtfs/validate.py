"""Row-level checks that a GTFS feed can be imported and run.

Not a full conformance validator (tests run MobilityData's rules through
``gtfs-validator``): these are the checks without which the network model
would be wrong, each naming file, line, field and value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

import numpy as np
import pandas as pd

from transit.gtfs.problems import FeedProblem, Level
from transit.gtfs.tables import Tables

REQUIRED_FILES = ("agency", "stops", "routes", "trips", "stop_times")
REQUIRED_COLUMNS = {
    "agency": ("agency_name", "agency_timezone"),
    "stops": ("stop_id",),
    "routes": ("route_id", "route_type"),
    "trips": ("route_id", "service_id", "trip_id"),
    "stop_times": ("trip_id", "stop_id", "stop_sequence", "arrival_time", "departure_time"),
    "calendar": (
        "service_id", "monday", "tuesday", "wednesday", "thursday", "friday",
        "saturday", "sunday", "start_date", "end_date",
    ),
    "calendar_dates": ("service_id", "date", "exception_type"),
    "shapes": ("shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"),
}
_TIME = r"^(\d{1,3}):([0-5]\d):([0-5]\d)$"
_DATE = r"^\d{8}$"
_TIME_RE = re.compile(_TIME)


def check_feed(tables: Tables) -> list[FeedProblem]:
    """Every problem found; the feed is importable when none is an ERROR."""
    problems = list(_check_structure(tables))
    if any(p.level is Level.ERROR for p in problems):
        return problems  # row checks would only repeat "missing column" noise
    problems += _check_unique(tables, "stops", "stop_id")
    problems += _check_unique(tables, "routes", "route_id")
    problems += _check_unique(tables, "trips", "trip_id")
    problems += _check_stops(tables["stops"])
    problems += _check_routes(tables["routes"])
    problems += _check_trips(tables["trips"])
    problems += _check_calendars(tables)
    problems += _check_references(tables)
    problems += _check_shapes(tables)
    problems += _check_stop_times(tables)
    return problems


def parse_times(values: pd.Series) -> np.ndarray:
    """'H:MM:SS' strings -> seconds as float, NaN where empty or malformed."""
    # A feed repeats few distinct times across many rows: parse each once.
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    parsed = np.array([_seconds(str(text)) for text in distinct], dtype=float)
    return parsed[codes] if len(parsed) else np.zeros(0)


def _seconds(text: str) -> float:
    match = _TIME_RE.match(text.strip())
    if match is None:
        return np.nan
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds)


def _line(index: int) -> int:
    return index + 2  # pandas row 0 is the line after the header


def _problems(
    file: str, table: pd.DataFrame, mask: np.ndarray | pd.Series, field: str, message: str,
    id_field: str | None = None,
) -> Iterable[FeedProblem]:
    for index in np.flatnonzero(np.asarray(mask)):
        row = table.iloc[index]
        yield FeedProblem(
            f"{file}.txt", _line(int(index)), field, str(row[field]) if field in row else None,
            message, Level.ERROR, str(row[id_field]) if id_field else None,
        )


def _check_structure(tables: Tables) -> Iterable[FeedProblem]:
    for stem in REQUIRED_FILES:
        if stem not in tables:
            yield FeedProblem(f"{stem}.txt", None, None, None, "required file is missing")
    if "agency" in tables and tables["agency"].empty:
        yield FeedProblem("agency.txt", None, None, None, "no agency: the file has no rows")
    if "calendar" not in tables and "calendar_dates" not in tables:
        yield FeedProblem(
            "calendar.txt", None, None, None,
            "neither calendar.txt nor calendar_dates.txt is present: no trip would ever run",
        )
    for stem, columns in REQUIRED_COLUMNS.items():
        if stem not in tables:
            continue
        for column in columns:
            if column not in tables[stem].columns:
                yield FeedProblem(f"{stem}.txt", 1, column, None, "required column is missing")


def _check_unique(tables: Tables, stem: str, field: str) -> Iterable[FeedProblem]:
    table = tables[stem]
    yield from _problems(stem, table, table[field].duplicated(keep="first"), field,
                         f"duplicate {field}")
    yield from _problems(stem, table, table[field].str.strip() == "", field, f"{field} is empty")


def _check_stops(stops: pd.DataFrame) -> Iterable[FeedProblem]:
    located = (
        stops["location_type"].isin(["", "0", "1"])
        if "location_type" in stops.columns
        else pd.Series(True, index=stops.index)
    )
    for field, limit in (("stop_lat", 90.0), ("stop_lon", 180.0)):
        if field not in stops.columns:
            yield FeedProblem("stops.txt", 1, field, None, "stops need coordinates; column missing")
            continue
        values = pd.to_numeric(stops[field], errors="coerce")
        bad = located & (values.isna() | (values.abs() > limit))
        yield from _problems("stops", stops, bad, field,
                             f"stop has no valid coordinate (|{field}| <= {limit:g})", "stop_id")
        if field == "stop_lat":
            zero = located & (values == 0)
            yield from _problems("stops", stops, zero, field, "stop at latitude 0", "stop_id")


def _check_routes(routes: pd.DataFrame) -> Iterable[FeedProblem]:
    kind = routes["route_type"].str.strip()
    yield from _problems("routes", routes, ~kind.str.fullmatch(r"[0-9]+"), "route_type",
                         "not a route type (a non-negative integer)", "route_id")


def _check_trips(trips: pd.DataFrame) -> Iterable[FeedProblem]:
    if "direction_id" in trips.columns:
        bad = ~trips["direction_id"].str.strip().isin(["", "0", "1"])
        yield from _problems("trips", trips, bad, "direction_id", "must be 0 or 1 (or empty)",
                             "trip_id")


def _is_date(text: str) -> bool:
    """``YYYYMMDD`` naming a day that exists (20260230 does not)."""
    if not re.match(_DATE, text.strip()):
        return False
    try:
        datetime.strptime(text.strip(), "%Y%m%d")
    except ValueError:
        return False
    return True


def _check_calendars(tables: Tables) -> Iterable[FeedProblem]:
    if "calendar" in tables:
        calendar = tables["calendar"]
        for field in ("start_date", "end_date"):
            bad = ~calendar[field].map(_is_date)
            yield from _problems("calendar", calendar, bad, field, "date is not YYYYMMDD", "service_id")
        for day in REQUIRED_COLUMNS["calendar"][1:8]:
            bad = ~calendar[day].isin(["0", "1"])
            yield from _problems("calendar", calendar, bad, day, "must be 0 or 1", "service_id")
    if "calendar_dates" in tables:
        dates = tables["calendar_dates"]
        yield from _problems("calendar_dates", dates, ~dates["date"].map(_is_date), "date",
                             "date is not YYYYMMDD", "service_id")
        yield from _problems("calendar_dates", dates, ~dates["exception_type"].isin(["1", "2"]),
                             "exception_type", "must be 1 (added) or 2 (removed)", "service_id")


def _check_references(tables: Tables) -> Iterable[FeedProblem]:
    trips, stop_times = tables["trips"], tables["stop_times"]
    services: set[str] = set()
    for stem in ("calendar", "calendar_dates"):
        if stem in tables:
            services |= set(tables[stem]["service_id"])
    stops = tables["stops"]
    if "location_type" in stops.columns:
        # A station, entrance or node (location_type 1-4) is no place a bus halts at.
        stops = stops[stops["location_type"].isin(["", "0"])]
    checks = [
        ("trips", trips, "route_id", set(tables["routes"]["route_id"]), "unknown route"),
        ("trips", trips, "service_id", services, "service_id has no calendar"),
        ("stop_times", stop_times, "trip_id", set(trips["trip_id"]), "unknown trip"),
        ("stop_times", stop_times, "stop_id", set(stops["stop_id"]),
         "unknown stop, or not a stop (location_type 0)"),
    ]
    if "shape_id" in trips.columns:
        shapes = set(tables["shapes"]["shape_id"]) if "shapes" in tables else set()
        used = trips["shape_id"].str.strip() != ""
        checks.append(("trips", trips[used], "shape_id", shapes, "unknown shape"))
    for stem, table, field, known, message in checks:
        bad = ~table[field].isin(known)
        id_field = "trip_id" if "trip_id" in table.columns else None
        for index in np.flatnonzero(bad.to_numpy()):
            row = table.iloc[index]
            yield FeedProblem(f"{stem}.txt", _line(int(table.index[index])), field, row[field],
                              message, Level.ERROR, row[id_field] if id_field else None)


def _check_shapes(tables: Tables) -> Iterable[FeedProblem]:
    if "shapes" not in tables:
        return
    shapes = tables["shapes"]
    # NaN and infinities fail the comparison; an infinite latitude once reached the
    # distance computation (math domain error).
    for field, limit in (("shape_pt_lat", 90.0), ("shape_pt_lon", 180.0),
                         ("shape_pt_sequence", np.finfo(float).max)):
        values = pd.to_numeric(shapes[field], errors="coerce")
        bad = ~(values.abs() <= limit)
        message = "not a number" if field == "shape_pt_sequence" else f"not a number within ±{limit:g}"
        yield from _problems("shapes", shapes, bad, field, message, "shape_id")


def _check_stop_times(tables: Tables) -> Iterable[FeedProblem]:
    st = tables["stop_times"]
    sequence = pd.to_numeric(st["stop_sequence"], errors="coerce")
    # inf % 1 is NaN, so infinities are refused with fractions.
    bad_sequence = sequence.isna() | (sequence < 0) | (sequence % 1 != 0)
    yield from _problems("stop_times", st, bad_sequence, "stop_sequence",
                         "not a non-negative integer", "trip_id")
    arrival, departure = parse_times(st["arrival_time"]), parse_times(st["departure_time"])
    for field, parsed in (("arrival_time", arrival), ("departure_time", departure)):
        malformed = np.isnan(parsed) & (st[field].str.strip() != "").to_numpy()
        yield from _problems("stop_times", st, malformed, field, "time is not H:MM:SS", "trip_id")
    yield from _problems("stop_times", st, departure < arrival, "departure_time",
                         "departure before arrival at the same stop", "trip_id")

    order = pd.DataFrame({
        "trip": st["trip_id"].to_numpy(), "seq": sequence.to_numpy(),
        "arr": arrival, "dep": departure, "row": np.arange(len(st)),
    }).dropna(subset=["seq"]).sort_values(["trip", "seq"], kind="stable")
    same_trip = order["trip"].to_numpy()[1:] == order["trip"].to_numpy()[:-1]
    rows = order["row"].to_numpy()[1:]
    yield from _problems("stop_times", st, _at(rows, same_trip & (np.diff(order["seq"]) == 0), len(st)),
                         "stop_sequence", "stop_sequence repeated within the trip", "trip_id")
    # Times going backwards: compare each stop's arrival with the last known
    # departure before it in the same trip (empty times of non-timepoints skipped).
    trip = order["trip"]
    leaving = order["dep"].fillna(order["arr"]).groupby(trip).ffill()
    last_dep = leaving.groupby(trip).shift()
    backwards = (order["arr"] < last_dep).to_numpy()
    yield from _problems("stop_times", st, _at(order["row"].to_numpy(), backwards, len(st)),
                         "arrival_time", "time goes backwards: earlier than the previous stop's departure",
                         "trip_id")

    counts = order.groupby("trip").size()
    for trip_id in counts.index[counts < 2]:
        yield FeedProblem("stop_times.txt", None, "trip_id", trip_id,
                          "trip has fewer than two stop times", Level.ERROR, trip_id)
    ends = order.groupby("trip").agg(first=("row", "first"), last=("row", "last"))
    for column in ("first", "last"):
        rows_at_end = ends[column].to_numpy()
        untimed = np.isnan(arrival[rows_at_end]) & np.isnan(departure[rows_at_end])
        yield from _problems("stop_times", st, _at(rows_at_end, untimed, len(st)), "arrival_time",
                             f"the {column} stop of a trip must have a time", "trip_id")


def _at(rows: np.ndarray, mask: np.ndarray, size: int) -> np.ndarray:
    """A row mask of the table from a mask over some of its rows."""
    full = np.zeros(size, dtype=bool)
    full[rows[mask]] = True
    return full
