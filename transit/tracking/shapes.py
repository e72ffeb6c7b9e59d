"""Shapes prepared for the per-report path: local metric coordinates, so that
projecting a fix onto a few segments is a handful of float operations."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass

from transit.model.geometry import EARTH_RADIUS_M
from transit.model.network import Network, Shape

_M_PER_DEG = math.radians(1) * EARTH_RADIUS_M
# Two points of a shape this much apart in distance from a fix are as near as
# GPS can tell (two lanes of one street).
TIE_M = 20.0


@dataclass(frozen=True, slots=True)
class LocalFrame:
    """An equirectangular frame around the network's centre (metres)."""

    lat0: float
    lon0: float
    kx: float

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        return (lon - self.lon0) * self.kx, (lat - self.lat0) * _M_PER_DEG


@dataclass(frozen=True, slots=True)
class Projection:
    along: float  # metres along the shape
    offset: float  # metres from the shape
    segment: int


@dataclass(frozen=True, slots=True)
class PreparedShape:
    shape_id: str
    xs: tuple[float, ...]
    ys: tuple[float, ...]
    dists: tuple[float, ...]

    @property
    def length(self) -> float:
        return self.dists[-1]

    def project(self, x: float, y: float, lo: float = -math.inf, hi: float = math.inf,
                near: float | None = None) -> Projection:
        """Nearest point of the part of the shape between ``lo`` and ``hi``
        metres along it: the window keeps a loop, or a street the route passes
        twice, from snapping a bus to the other passage. Where the window still
        holds both passages (an out-and-back turning round inside it), ``near``
        (metres along where the bus is expected) picks between points about as
        close (within ``TIE_M``): the passage the bus is on is the one nearest
        where it should be, not the one met first."""
        dists = self.dists
        first = max(0, bisect_right(dists, lo) - 1)
        last = min(len(dists) - 1, bisect_left(dists, hi) + 1)
        best = Projection(math.inf, math.inf, first)
        ties: list[Projection] = []
        xs, ys = self.xs, self.ys
        for i in range(first, max(first + 1, last)):
            if i + 1 >= len(xs):
                break
            ax, ay = xs[i], ys[i]
            dx, dy = xs[i + 1] - ax, ys[i + 1] - ay
            seg2 = dx * dx + dy * dy
            t = 0.0 if seg2 == 0.0 else ((x - ax) * dx + (y - ay) * dy) / seg2
            t = 0.0 if t < 0.0 else 1.0 if t > 1.0 else t
            px, py = ax + t * dx - x, ay + t * dy - y
            offset = math.sqrt(px * px + py * py)
            if near is not None and offset <= best.offset + TIE_M:
                ties.append(Projection(dists[i] + t * (dists[i + 1] - dists[i]), offset, i))
            if offset < best.offset:
                along = dists[i] + t * (dists[i + 1] - dists[i])
                best = Projection(along, offset, i)
        if best.offset == math.inf:
            # A one-point shape: the fix is at its only point's distance.
            px, py = xs[0] - x, ys[0] - y
            best = Projection(0.0, math.hypot(px, py), 0)
        elif near is not None:
            close = [p for p in ties if p.offset <= best.offset + TIE_M]
            best = min(close, key=lambda p: abs(p.along - near))
        return best


def frame_for(network: Network) -> LocalFrame:
    lats = [s.lat for s in network.stops.values()] or [0.0]
    lons = [s.lon for s in network.stops.values()] or [0.0]
    lat0 = (min(lats) + max(lats)) / 2
    lon0 = (min(lons) + max(lons)) / 2
    return LocalFrame(lat0, lon0, _M_PER_DEG * math.cos(math.radians(lat0)))


def prepare_shapes(network: Network, frame: LocalFrame) -> Mapping[str, PreparedShape]:
    return {sid: _prepare(shape, frame) for sid, shape in network.shapes.items()}


def _prepare(shape: Shape, frame: LocalFrame) -> PreparedShape:
    points = [frame.xy(lat, lon) for lat, lon in zip(shape.lats, shape.lons, strict=True)]
    return PreparedShape(
        shape.shape_id, tuple(p[0] for p in points), tuple(p[1] for p in points), shape.dists
    )
