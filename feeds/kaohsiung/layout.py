"""The network's fixed part from the route files: GTFS stops and one pattern
per route and direction (its stops in order and its shape).

The operator's stop ``Id`` names a stop place on both sides of a street (and
on several routes) with different coordinates: a GTFS stop is one position,
so each distinct (Id, position) gets its own stop id: the Id itself when it
has one position, else Id-1, Id-2, ... in the order of their coordinates.

The published shapes (version of 2018-11-08) stop short of some terminals:
route 122's first three outbound stops lie 70-440 m before its shape begins
and its last three return stops up to 575 m past its end, though the buses
are seen passing them. Stops beyond a shape's ends (farther than
``END_TOLERANCE_M`` from it) are added to it as points, so that the pattern
reaches every stop the route lists; the count is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from feeds.kaohsiung.directions import DirectionMap
from feeds.kaohsiung.source import RouteShape, RouteStop
from transit.model.geometry import cumulative_distances, segment_projections

END_TOLERANCE_M = 30.0

PatternKey = tuple[str, int]  # (route id, direction)


@dataclass(frozen=True, slots=True)
class StopPlace:
    stop_id: str
    code: str  # the operator's Id
    name_zh: str
    name_en: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class PatternLayout:
    route_id: str
    direction: int
    shape_id: str
    stop_ids: tuple[str, ...]
    points: tuple[tuple[float, float], ...]  # (lat, lon) of each stop, in order
    shape: RouteShape
    stops_added_to_shape: int = 0

    @property
    def key(self) -> PatternKey:
        return (self.route_id, self.direction)


@dataclass(frozen=True, slots=True)
class Layout:
    stops: Mapping[str, StopPlace]
    patterns: Mapping[PatternKey, PatternLayout]


def build_layout(stops: Iterable[RouteStop], shapes: Iterable[RouteShape],
                 directions: DirectionMap) -> Layout:
    """Stops and patterns of every route and direction that has a shape."""
    route_stops = list(stops)
    ids = _stop_ids(route_stops)
    places = {}
    for stop in route_stops:
        stop_id = ids[(stop.stop_code, stop.lat, stop.lon)]
        places.setdefault(stop_id, StopPlace(stop_id, stop.stop_code, stop.name_zh, stop.name_en,
                                             stop.lat, stop.lon))
    shape_of = {(s.route_id, s.direction): s for s in shapes}
    lists: dict[PatternKey, list[RouteStop]] = {}
    for stop in route_stops:
        lists.setdefault((stop.route_id, directions[(stop.route_id, stop.go_back)]), []).append(stop)
    patterns = {}
    for key, members in sorted(lists.items()):
        shape = shape_of.get(key)
        if shape is None:
            continue
        members.sort(key=lambda s: s.seq_no)
        points = tuple((s.lat, s.lon) for s in members)
        reaching, added = reach_end_stops(shape, points)
        patterns[key] = PatternLayout(
            route_id=key[0], direction=key[1], shape_id=f"{key[0]}-{key[1]}",
            stop_ids=tuple(ids[(s.stop_code, s.lat, s.lon)] for s in members),
            points=points, shape=reaching, stops_added_to_shape=added,
        )
    return Layout(MappingProxyType(dict(sorted(places.items()))), MappingProxyType(patterns))


def _stop_ids(stops: list[RouteStop]) -> dict[tuple[str, float, float], str]:
    positions: dict[str, set[tuple[float, float]]] = {}
    for stop in stops:
        positions.setdefault(stop.stop_code, set()).add((stop.lat, stop.lon))
    ids = {}
    for code, places in positions.items():
        for n, (lat, lon) in enumerate(sorted(places), 1):
            ids[(code, lat, lon)] = code if len(places) == 1 else f"{code}-{n}"
    return ids


def reach_end_stops(shape: RouteShape, points: tuple[tuple[float, float], ...],
                    tolerance_m: float = END_TOLERANCE_M) -> tuple[RouteShape, int]:
    """``shape`` lengthened through the stops before its start and after its
    end (the leading and trailing stops farther than ``tolerance_m`` from it),
    and how many stops were added."""
    lats, lons = np.asarray(shape.lats, float), np.asarray(shape.lons, float)
    dists = np.asarray(cumulative_distances(shape.lats, shape.lons), float)
    near = [float(segment_projections(lat, lon, lats, lons, dists)[1].min()) <= tolerance_m
            for lat, lon in points]
    if not any(near):
        return shape, 0
    first, last = near.index(True), len(near) - 1 - near[::-1].index(True)
    before, after = points[:first], points[last + 1:]
    if not before and not after:
        return shape, 0
    return RouteShape(
        shape.route_id, shape.direction,
        tuple(p[0] for p in before) + shape.lats + tuple(p[0] for p in after),
        tuple(p[1] for p in before) + shape.lons + tuple(p[1] for p in after),
    ), len(before) + len(after)
