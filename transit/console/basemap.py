"""The console's map, drawn from the network's own shapes (no map tiles from
anywhere): a projection of WGS-84 onto the page, and each line's shapes as
SVG path data. Pure.

Equirectangular around the network's middle latitude: over a city it is
true to shape within a fraction of a percent, and cheap enough to place
every bus every second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from transit.model.network import Network

WIDTH_PX = 1000.0
MARGIN_PX = 16.0
# A shape's points closer than this (px) to the last one drawn add nothing visible.
MIN_STEP_PX = 1.0


@dataclass(frozen=True, slots=True)
class Projection:
    west: float
    north: float
    px_per_lon: float
    px_per_lat: float
    width: float
    height: float

    @classmethod
    def of(cls, network: Network, width: float = WIDTH_PX, margin: float = MARGIN_PX) -> Projection:
        """Fit every shape point and stop of ``network`` into ``width`` px across."""
        lats = [lat for s in network.shapes.values() for lat in s.lats] + [s.lat for s in network.stops.values()]
        lons = [lon for s in network.shapes.values() for lon in s.lons] + [s.lon for s in network.stops.values()]
        if not lats:
            raise ValueError("a network with no stops and no shapes has no map")
        south, north, west, east = min(lats), max(lats), min(lons), max(lons)
        squeeze = math.cos(math.radians((south + north) / 2))  # a degree of longitude is shorter
        span = max((east - west) * squeeze, north - south, 1e-6)
        scale = (width - 2 * margin) / span
        height = (north - south) * scale + 2 * margin
        return cls(west - margin / (scale * squeeze), north + margin / scale, scale * squeeze, scale,
                   width, round(height, 1))

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        return round((lon - self.west) * self.px_per_lon, 1), round((self.north - lat) * self.px_per_lat, 1)


def shape_paths(network: Network, projection: Projection) -> list[tuple[str, str]]:
    """(route_id, SVG path data) of every shape a pattern runs, by route then shape."""
    routes = {p.shape_id: p.route_id for p in sorted(network.patterns.values(), key=lambda p: p.pattern_id)}
    paths = []
    for shape_id in sorted(routes, key=lambda s: (routes[s], s)):
        shape = network.shapes.get(shape_id)
        if shape is None or len(shape.lats) < 2:
            continue
        points = [projection.xy(lat, lon) for lat, lon in zip(shape.lats, shape.lons, strict=True)]
        kept = [points[0]]
        for point in points[1:-1]:
            if math.dist(point, kept[-1]) >= MIN_STEP_PX:
                kept.append(point)
        kept.append(points[-1])
        paths.append((routes[shape_id], "M" + "L".join(f"{x:g},{y:g}" for x, y in kept)))
    return paths
