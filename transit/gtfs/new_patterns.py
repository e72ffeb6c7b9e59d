"""GTFS rows for draft trips on patterns the base feed has no trip of: a short
turn, a line extended, cut or with stops added or removed, a new line.

There is no base trip to copy, so the rows are written from the pattern: its
stops' stop times (times from the ``Trip``), a shape, and a route row for a new
line. The shape is a base shape when the pattern's stops lie on it in order (a
short turn, a cut, a stop dropped: the bus drives the same street); else one
built leg by leg the way the line study measured them
(``optimizer.timetable.line_geometry.leg_lengths``): the points of the shape the
leg runs along between its two stops, or the straight line when no shape runs
it. A feed without shapes gets none (its readers draw the stops' line).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import pandas as pd

from optimizer.timetable.line_geometry import along_indices, leg_lengths
from transit.gtfs.tables import Tables
from transit.model.network import Network, Pattern, Trip
from transit.model.service_days import format_gtfs_time

Point = tuple[float, float]  # lat, lon


def with_new_patterns(tables: Tables, network: Network, trips: Sequence[Trip]) -> Tables:
    """``tables`` with ``trips`` (on patterns of ``network`` no trip of it runs) in:
    trips, stop times, new shapes and the routes of new lines."""
    if not trips:
        return tables
    base = replace(network, patterns={p: network.patterns[p] for p in {t.pattern_id for t in network.trips.values()}})
    patterns = sorted({t.pattern_id for t in trips})
    shapes = _shapes(tables, network, base, patterns)
    tables = dict(tables)
    tables["trips"] = _append(tables["trips"], [_trip_row(network, shapes[t.pattern_id][0], t) for t in trips])
    # Every time written is a scheduled one: exact where the feed says which are.
    exact = {"timepoint": "1"} if "timepoint" in tables["stop_times"].columns else {}
    tables["stop_times"] = _append(tables["stop_times"], [row | exact for t in trips for row in
                                                          _stop_time_rows(network.patterns[t.pattern_id], t)])
    points = [{"shape_id": shape_id, "shape_pt_lat": f"{lat:.6f}", "shape_pt_lon": f"{lon:.6f}",
               "shape_pt_sequence": str(n)}
              for shape_id, drawn in sorted(set(shapes.values())) for n, (lat, lon) in enumerate(drawn, 1)]
    if points:
        tables["shapes"] = _append(tables["shapes"], points)
    known = set(tables["routes"]["route_id"])
    routes = sorted({t.route_id for t in trips} - known)
    if routes:
        tables["routes"] = _append(tables["routes"], [_route_row(tables, network, r) for r in routes])
    return tables


def _shapes(tables: Tables, network: Network, base: Network,
            patterns: Sequence[str]) -> dict[str, tuple[str, tuple[Point, ...]]]:
    """pattern -> (its shape_id, the points to write; none for a base shape).
    ("", ()) when the feed has no shapes."""
    if "shapes" not in tables:
        return {p: ("", ()) for p in patterns}
    written = set(tables["shapes"]["shape_id"])
    chosen: dict[str, tuple[str, tuple[Point, ...]]] = {}
    for pattern_id in patterns:
        pattern = network.patterns[pattern_id]
        host = _host(base, pattern, written)
        if host is not None:
            chosen[pattern_id] = (host.shape_id, ())
            continue
        n = 1
        while (shape_id := f"{pattern.route_id}-{pattern.direction_id}-draft-{n}") in written:
            n += 1
        written.add(shape_id)
        chosen[pattern_id] = (shape_id, _drawn(base, pattern))
    return chosen


def _host(base: Network, pattern: Pattern, written: set[str]) -> Pattern | None:
    """A base pattern with a shape in the feed serving ``pattern``'s stops in
    order (its own line's first), or None."""
    hosts = [p for p in base.patterns.values() if p.shape_id in written and _in_order(pattern.stop_ids, p.stop_ids)]
    return min(hosts, key=lambda p: (p.route_id != pattern.route_id, p.pattern_id), default=None)


def _in_order(stops: Sequence[str], along: Sequence[str]) -> bool:
    remaining = iter(along)
    return all(stop in remaining for stop in stops)


def _drawn(base: Network, pattern: Pattern) -> tuple[Point, ...]:
    """The shape through ``pattern``'s stops, each leg along the base shape the
    line study measured it on (straight where none)."""
    stops = pattern.stop_ids
    own = max((p for p in base.patterns.values() if (p.route_id, p.direction_id) == (pattern.route_id,
                                                                                      pattern.direction_id)),
              key=lambda p: (len(set(p.stop_ids) & set(stops)), p.pattern_id), default=None)
    points = [_at(base, stops[0])]
    for a, b, leg in zip(stops, stops[1:], leg_lengths(base, stops, own)):
        if leg.pattern_id:
            along = base.patterns[leg.pattern_id]
            found = along_indices(along, a, b)
            shape = base.shapes.get(along.shape_id)
            if found is not None and shape is not None:
                start, end = along.stop_dists[found[0]], along.stop_dists[found[1]]
                points += [(lat, lon) for lat, lon, d in zip(shape.lats, shape.lons, shape.dists) if start < d < end]
        points.append(_at(base, b))
    return tuple(p for i, p in enumerate(points) if i == 0 or p != points[i - 1])


def _at(network: Network, stop_id: str) -> Point:
    stop = network.stops[stop_id]
    return stop.lat, stop.lon


def _trip_row(network: Network, shape_id: str, trip: Trip) -> dict[str, str]:
    last = network.stops[network.patterns[trip.pattern_id].stop_ids[-1]].name
    return {"route_id": trip.route_id, "service_id": trip.service_id, "trip_id": trip.trip_id,
            "trip_headsign": trip.headsign or last, "direction_id": str(trip.direction_id), "shape_id": shape_id,
            "block_id": ""}


def _stop_time_rows(pattern: Pattern, trip: Trip) -> list[dict[str, str]]:
    if len(trip.arrivals) != len(pattern.stop_ids):
        raise ValueError(f"trip {trip.trip_id} has {len(trip.arrivals)} times, its pattern "
                         f"{pattern.pattern_id} {len(pattern.stop_ids)} stops")
    sequences = pattern.stop_sequences or tuple(range(1, len(pattern.stop_ids) + 1))
    return [{"trip_id": trip.trip_id, "arrival_time": format_gtfs_time(a), "departure_time": format_gtfs_time(d),
             "stop_id": s, "stop_sequence": str(q)}
            for s, q, a, d in zip(pattern.stop_ids, sequences, trip.arrivals, trip.departures, strict=True)]


def _route_row(tables: Tables, network: Network, route_id: str) -> dict[str, str]:
    """A new line's route: the feed's first agency, a bus unless the study said otherwise."""
    route = network.routes[route_id]
    agency = tables.get("agency")
    agency_id = route.agency_id or (str(agency["agency_id"].iloc[0]) if agency is not None and
                                    "agency_id" in agency.columns and len(agency) else "")
    return {"route_id": route_id, "agency_id": agency_id, "route_short_name": route.short_name,
            "route_long_name": route.long_name, "route_type": str(route.route_type)}


def _append(table: pd.DataFrame, rows: Sequence[Mapping[str, str]]) -> pd.DataFrame:
    """``table`` with ``rows`` after it; a column either lacks is empty there."""
    new = pd.DataFrame(list(rows), dtype=str)
    return pd.concat([table, new], ignore_index=True).fillna("")
