"""Which ``GoBack`` code of the route files is which ``Direction`` of the shapes
and positions files: checked against the geometry, not assumed.

A direction's stop list should begin where its shape begins and end where it
ends; the pairing of the two codes that fits both ends best is taken, and
only when it clearly beats the crossed pairing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from feeds.kaohsiung.source import RouteShape, RouteStop
from transit.model.geometry import haversine_m

# The chosen pairing must fit the ends at least this much better than the
# crossed one (by ratio and by metres), and its ends must lie within
# MAX_END_GAP_M of the shapes'.
CLEAR_RATIO = 3.0
CLEAR_MARGIN_M = 200.0
MAX_END_GAP_M = 1500.0

DirectionMap = Mapping[tuple[str, int], int]  # (route id, GoBack) -> Direction


class DirectionMismatch(ValueError):
    """A route whose stop lists cannot be told apart by its shapes."""

    def __init__(self, route_id: str, reason: str) -> None:
        super().__init__(f"route {route_id}: {reason}")
        self.route_id = route_id
        self.reason = reason


def match_directions(stops: Iterable[RouteStop], shapes: Iterable[RouteShape]) -> DirectionMap:
    """(route, GoBack) -> Direction for every route that has stops. Raises
    ``DirectionMismatch`` when a route lacks two stop lists or two shapes, or
    when neither pairing clearly fits."""
    by_route: dict[str, dict[int, list[RouteStop]]] = {}
    for stop in stops:
        by_route.setdefault(stop.route_id, {}).setdefault(stop.go_back, []).append(stop)
    shape_of = {(s.route_id, s.direction): s for s in shapes}
    result: dict[tuple[str, int], int] = {}
    for route_id, lists in sorted(by_route.items()):
        codes = sorted(lists)
        ends = [shape_of.get((route_id, d)) for d in (0, 1)]
        if len(codes) != 2 or ends[0] is None or ends[1] is None:
            raise DirectionMismatch(route_id, f"needs two stop lists and two shapes, has GoBack "
                                              f"{codes} and {sum(e is not None for e in ends)} shape(s)")
        ordered = [sorted(lists[c], key=lambda s: s.seq_no) for c in codes]
        straight = _end_gap(ordered[0], ends[0]) + _end_gap(ordered[1], ends[1])
        crossed = _end_gap(ordered[0], ends[1]) + _end_gap(ordered[1], ends[0])
        best, other = min(straight, crossed), max(straight, crossed)
        if best > 2 * MAX_END_GAP_M or other < max(CLEAR_RATIO * best, best + CLEAR_MARGIN_M):
            raise DirectionMismatch(route_id, f"stop lists end {straight:.0f} m from the shapes' ends "
                                              f"one way and {crossed:.0f} m the other: no clear pairing")
        first_direction = 0 if straight <= crossed else 1
        result[(route_id, codes[0])] = first_direction
        result[(route_id, codes[1])] = 1 - first_direction
    return MappingProxyType(result)


def _end_gap(stops: list[RouteStop], shape: RouteShape) -> float:
    """Metres from the first stop to the shape's start plus from the last stop to its end."""
    first, last = stops[0], stops[-1]
    return (haversine_m(first.lat, first.lon, shape.lats[0], shape.lons[0])
            + haversine_m(last.lat, last.lon, shape.lats[-1], shape.lons[-1]))
