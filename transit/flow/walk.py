"""Walking distances between stops: straight lines on a plane around the network.

Trip chaining asks which stop of a ride is closest to where the rider boards
next; straight-line metres on an equirectangular plane are what published
chaining studies use (street distance is longer by a roughly constant factor,
which the walking limit absorbs), and are exact enough over a city.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from transit.model.geometry import EARTH_RADIUS_M
from transit.model.network import Network

METRES_PER_DEGREE = math.radians(1) * EARTH_RADIUS_M


@dataclass(frozen=True)
class StopPlane:
    """Every stop of a network as (x, y) metres from the network's mean position."""

    index: Mapping[str, int]  # stop_id -> row of x and y
    x: np.ndarray
    y: np.ndarray
    origin: tuple[float, float]  # (lat, lon) of (0, 0)

    def project(self, lats: np.ndarray, lons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Points (WGS-84 degrees) on the plane, in metres."""
        return _project(np.asarray(lats, float), np.asarray(lons, float), self.origin)

    def distance_m(self, a: str, b: str) -> float:
        i, j = self.index[a], self.index[b]
        return float(math.hypot(self.x[i] - self.x[j], self.y[i] - self.y[j]))

    def distances_m(self, stop_ids: Sequence[str], to: str) -> np.ndarray:
        """Metres from each of ``stop_ids`` to the stop ``to``."""
        rows = np.fromiter((self.index[s] for s in stop_ids), np.int64, len(stop_ids))
        j = self.index[to]
        return np.hypot(self.x[rows] - self.x[j], self.y[rows] - self.y[j])


def stop_plane(network: Network) -> StopPlane:
    stops = list(network.stops.values())
    lats = np.fromiter((s.lat for s in stops), float, len(stops))
    lons = np.fromiter((s.lon for s in stops), float, len(stops))
    lat0 = float(lats.mean()) if len(stops) else 0.0
    lon0 = float(lons.mean()) if len(stops) else 0.0
    x, y = _project(lats, lons, (lat0, lon0))
    return StopPlane({s.stop_id: i for i, s in enumerate(stops)}, x, y, (lat0, lon0))


def _project(lats: np.ndarray, lons: np.ndarray,
             origin: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    lat0, lon0 = origin
    return ((lons - lon0) * METRES_PER_DEGREE * math.cos(math.radians(lat0)),
            (lats - lat0) * METRES_PER_DEGREE)


def stops_within(plane: StopPlane, radius_m: float) -> dict[str, tuple[str, ...]]:
    """For every stop, the stops at most ``radius_m`` away (itself included),
    nearest first. A grid of ``radius_m`` cells keeps this linear in stops."""
    ids = sorted(plane.index, key=plane.index.__getitem__)
    cells: dict[tuple[int, int], list[int]] = {}
    cx = np.floor(plane.x / radius_m).astype(np.int64)
    cy = np.floor(plane.y / radius_m).astype(np.int64)
    for i, cell in enumerate(zip(cx.tolist(), cy.tolist())):
        cells.setdefault(cell, []).append(i)
    near: dict[str, tuple[str, ...]] = {}
    for i, (a, b) in enumerate(zip(cx.tolist(), cy.tolist())):
        rows = np.array([j for da in (-1, 0, 1) for db in (-1, 0, 1)
                         for j in cells.get((a + da, b + db), ())])
        d = np.hypot(plane.x[rows] - plane.x[i], plane.y[rows] - plane.y[i])
        keep = np.argsort(d, kind="stable")
        near[ids[i]] = tuple(ids[rows[k]] for k in keep if d[k] <= radius_m)
    return near
