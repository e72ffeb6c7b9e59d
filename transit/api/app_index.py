"""What the app API serves from the network alone, built once per schedule
version: stops in both coordinate systems, a grid for ``stops/nearby``, the
lines at each stop, and each line's JSON."""

from __future__ import annotations

import enum
import math
from collections import Counter
from typing import Any

import orjson

from transit.geo import distance_m, wgs84_to_gcj02
from transit.model.line_names import line_order_key
from transit.model.network import Network

GRID_CELL_M = 500.0
_M_PER_DEG_LAT = 111_320.0


class Coords(enum.StrEnum):
    WGS84 = "wgs84"
    GCJ02 = "gcj02"


def position(coords: Coords, lat: float, lon: float) -> tuple[float, float]:
    if coords is Coords.GCJ02:
        lat, lon = wgs84_to_gcj02(lat, lon)
    return round(lat, 6), round(lon, 6)


class NetworkIndex:
    """What the API serves from the network alone, built once per schedule version."""

    def __init__(self, network: Network) -> None:
        self.network = network
        lines_at: dict[str, set[str]] = {}
        for pattern in network.patterns.values():
            for stop_id in pattern.stop_ids:
                lines_at.setdefault(stop_id, set()).add(pattern.route_id)
        self.lines_at = {
            stop_id: [{"route_id": r, "short_name": network.routes[r].short_name}
                      for r in sorted(routes, key=lambda r: line_order_key(network.routes[r].short_name))]
            for stop_id, routes in lines_at.items()
        }
        self.stops = {c: {s.stop_id: self._stop(s.stop_id, c) for s in network.stops.values()} for c in Coords}
        lat0 = sum(s.lat for s in network.stops.values()) / max(1, len(network.stops))
        self._m_per_deg_lon = _M_PER_DEG_LAT * math.cos(math.radians(lat0))
        self._grid: dict[tuple[int, int], list[tuple[str, float, float]]] = {}
        for stop in network.stops.values():
            self._grid.setdefault(self._cell(stop.lat, stop.lon), []).append((stop.stop_id, stop.lat, stop.lon))
        self.lines = {c: {r: orjson.dumps(self._line(r, c)) for r in network.routes} for c in Coords}

    def _stop(self, stop_id: str, coords: Coords) -> dict[str, Any]:
        stop = self.network.stops[stop_id]
        lat, lon = position(coords, stop.lat, stop.lon)
        return {"stop_id": stop_id, "name": stop.name, "lat": lat, "lon": lon}

    def _cell(self, lat: float, lon: float) -> tuple[int, int]:
        return (math.floor(lon * self._m_per_deg_lon / GRID_CELL_M), math.floor(lat * _M_PER_DEG_LAT / GRID_CELL_M))

    def list_nearby(self, lat: float, lon: float, radius_m: float, limit: int) -> list[tuple[float, str]]:
        """(distance m, stop id) of the stops within ``radius_m`` of a WGS-84
        point, nearest first, at most ``limit``."""
        cx, cy = self._cell(lat, lon)
        reach = math.ceil(radius_m / GRID_CELL_M) + 1  # +1: the projection is exact only at lat0
        found = []
        for x in range(cx - reach, cx + reach + 1):
            for y in range(cy - reach, cy + reach + 1):
                for stop_id, s_lat, s_lon in self._grid.get((x, y), ()):
                    d = distance_m(lat, lon, s_lat, s_lon)
                    if d <= radius_m:
                        found.append((d, stop_id))
        found.sort()
        return found[:limit]

    def _line(self, route_id: str, coords: Coords) -> dict[str, Any]:
        """The line's stops in order per direction, along its main pattern
        (the one most trips of that direction run)."""
        network = self.network
        route = network.routes[route_id]
        trips_of: dict[str, list[str]] = {}
        for trip in network.trips.values():
            if trip.route_id == route_id:
                trips_of.setdefault(trip.pattern_id, []).append(trip.headsign)
        main: dict[int, str] = {}
        for pattern_id in sorted(trips_of, key=lambda p: (-len(trips_of[p]), p)):
            main.setdefault(network.patterns[pattern_id].direction_id, pattern_id)
        directions = []
        for direction_id, pattern_id in sorted(main.items()):
            pattern = network.patterns[pattern_id]
            directions.append({
                "direction_id": direction_id,
                "headsign": Counter(trips_of[pattern_id]).most_common(1)[0][0],
                "pattern_id": pattern_id,
                "stops": [{**self.stops[coords][s], "stop_sequence": pattern.sequence_at(i)}
                          for i, s in enumerate(pattern.stop_ids)],
            })
        return {"route_id": route_id, "short_name": route.short_name, "long_name": route.long_name,
                "coords": coords.value, "directions": directions}
