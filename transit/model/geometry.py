"""Plane geometry on WGS-84 coordinates over city-sized distances.

An equirectangular projection around a reference latitude is accurate to well
under a metre over a few tens of kilometres, and is far cheaper than geodesics.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def cumulative_distances(lats: Sequence[float], lons: Sequence[float]) -> tuple[float, ...]:
    """Metres from the first point to each point along the polyline."""
    dists = [0.0]
    for i in range(1, len(lats)):
        dists.append(dists[-1] + haversine_m(lats[i - 1], lons[i - 1], lats[i], lons[i]))
    return tuple(dists)


def segment_projections(
    lat: float,
    lon: float,
    lats: np.ndarray,
    lons: np.ndarray,
    dists: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """For every segment of the polyline: (distance along of the nearest point,
    offset in metres of (lat, lon) from it)."""
    k = math.radians(1) * EARTH_RADIUS_M
    kx = k * math.cos(math.radians(lat))
    x = (lons - lon) * kx
    y = (lats - lat) * k
    ax, ay, dx, dy = x[:-1], y[:-1], np.diff(x), np.diff(y)
    seg2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(seg2 > 0, -(ax * dx + ay * dy) / seg2, 0.0)
    t = np.clip(t, 0.0, 1.0)
    offsets = np.hypot(ax + t * dx, ay + t * dy)
    along = dists[:-1] + t * np.diff(dists)
    return along, offsets


def locate_stops_along(
    stop_coords: Sequence[tuple[float, float]],
    lats: Sequence[float],
    lons: Sequence[float],
    dists: Sequence[float],
    slack_m: float = 25.0,
) -> tuple[float, ...]:
    """Distance along the shape of each stop, in visiting order.

    Each stop is searched only from the previous stop's segment on, so a loop or
    a street the route passes twice puts the stop at its own passage. Among
    passages, the first one within ``slack_m`` of the best is taken (then
    followed to its own closest point), so a later passage that happens to be a
    little closer does not swallow the stops after it.
    """
    la, lo, di = np.asarray(lats, float), np.asarray(lons, float), np.asarray(dists, float)
    if len(la) < 2:
        return tuple(0.0 for _ in stop_coords)
    located: list[float] = []
    index = 0
    for lat, lon in stop_coords:
        along, offsets = segment_projections(lat, lon, la, lo, di)
        along, offsets = along[index:], offsets[index:]
        close = np.flatnonzero(offsets <= offsets.min() + slack_m)
        seg = int(close[0])
        while seg + 1 < len(offsets) and offsets[seg + 1] < offsets[seg]:
            seg += 1
        here = float(along[seg])
        located.append(max(here, located[-1]) if located else here)
        index += seg
    return tuple(located)
