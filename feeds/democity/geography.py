"""Street network of the demo city: jittered district grids joined by corridor roads.

Everything is in local metres (x east, y north) around a fixed origin; `to_lat_lon`
converts at the edge. An equirectangular projection is accurate to well under 1 % over
the 40 km the city spans, which is all a demo feed needs.
"""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass
from enum import Enum

LAT0, LON0 = 35.0, 109.0
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(LAT0))
GRID_SPACING_M = 430.0


def to_xy(lat: float, lon: float) -> tuple[float, float]:
    return ((lon - LON0) * M_PER_DEG_LON, (lat - LAT0) * M_PER_DEG_LAT)


def to_lat_lon(x: float, y: float) -> tuple[float, float]:
    return (LAT0 + y / M_PER_DEG_LAT, LON0 + x / M_PER_DEG_LON)


@dataclass(frozen=True)
class District:
    key: str
    name: str
    centre: tuple[float, float]  # (lat, lon) of the real district seat
    grid_centre: tuple[float, float]  # (lat, lon); shifted where a valley or a site constrains the town
    cols: int  # north-south streets
    rows: int  # east-west streets
    rotation_deg: float  # street axis, counter-clockwise from east, following the valley


DISTRICTS: tuple[District, ...] = (
    District("wangyi", "王益区", (35.069, 109.072), (35.064, 109.062), 19, 8, 25.0),
    District("yintai", "印台区", (35.114, 109.100), (35.123, 109.108), 12, 9, 10.0),
    District("yaozhou", "耀州区", (34.909, 108.980), (34.900, 108.958), 14, 11, 0.0),
    District("xinqu", "新区", (34.955, 108.960), (34.960, 108.958), 16, 12, 0.0),
    District("huangbao", "黄堡", (35.000, 109.030), (35.004, 109.032), 9, 6, 40.0),
)


@dataclass(frozen=True)
class Site:
    key: str
    location: tuple[float, float]  # (lat, lon)
    access_from: str  # district whose grid the access road leaves from
    stop_spacing_m: float


# Tourist sites; Zhaojin sits in the hills north-west of Yaozhou, the others are close
# to the towns they are reached from.
SITES: tuple[Site, ...] = (
    Site("zhaojin", (35.058, 108.640), "yaozhou", 3200.0),
    Site("yaowangshan", (34.916, 109.001), "yaozhou", 600.0),
    Site("yuhua", (35.250, 109.130), "yintai", 2600.0),
    Site("chenlu", (35.030, 109.140), "huangbao", 2100.0),
)

# Roads between towns: (from district, to district, node spacing in metres).
LINKS: tuple[tuple[str, str, float], ...] = (
    ("wangyi", "huangbao", 620.0),
    ("huangbao", "xinqu", 620.0),
    ("wangyi", "yintai", 560.0),
    ("xinqu", "yaozhou", 560.0),
)


class PlaceKind(Enum):
    GRID = "grid"
    ROAD = "road"
    SITE = "site"


@dataclass(frozen=True)
class Node:
    node_id: int
    x: float
    y: float
    kind: PlaceKind
    district: str  # district key, or the road's "from-to" key for road nodes
    col: int = -1  # grid position, -1 off the grid
    row: int = -1


@dataclass(frozen=True)
class Edge:
    points: tuple[tuple[float, float], ...]  # polyline from the lower node id to the higher
    length_m: float
    intercity: bool  # run at corridor speed rather than urban speed


@dataclass(frozen=True)
class StreetNetwork:
    nodes: tuple[Node, ...]
    edges: dict[tuple[int, int], Edge]  # keyed (low id, high id)
    adjacency: dict[int, tuple[int, ...]]
    site_nodes: dict[str, int]

    def edge_points(self, a: int, b: int) -> tuple[tuple[float, float], ...]:
        """Polyline of edge a-b oriented from a to b."""
        points = self.edges[(min(a, b), max(a, b))].points
        return points if a < b else points[::-1]

    def district_nodes(self, district: str) -> list[int]:
        return [n.node_id for n in self.nodes if n.kind is PlaceKind.GRID and n.district == district]

    def nearest_node(self, lat: float, lon: float, district: str) -> int:
        x, y = to_xy(lat, lon)
        return min(self.district_nodes(district), key=lambda i: _dist((x, y), (self.nodes[i].x, self.nodes[i].y)))


def centre_node(net: StreetNetwork, district: str) -> int:
    """The grid node nearest the real district seat."""
    d = next(d for d in DISTRICTS if d.key == district)
    return net.nearest_node(*d.centre, district)


def _dist(p: tuple[float, float], q: tuple[float, float]) -> float:
    return math.hypot(p[0] - q[0], p[1] - q[1])


def polyline_length(points: tuple[tuple[float, float], ...]) -> float:
    return sum(_dist(p, q) for p, q in zip(points, points[1:]))


class _Builder:
    """Accumulates nodes and edges; only `build_network` uses it."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.edges: dict[tuple[int, int], Edge] = {}

    def add_node(self, x: float, y: float, kind: PlaceKind, district: str, col: int = -1, row: int = -1) -> int:
        self.nodes.append(Node(len(self.nodes), x, y, kind, district, col, row))
        return len(self.nodes) - 1

    def add_edge(self, a: int, b: int, points: list[tuple[float, float]], intercity: bool) -> None:
        if a > b:
            a, b, points = b, a, points[::-1]
        pts = tuple(points)
        self.edges[(a, b)] = Edge(pts, polyline_length(pts), intercity)


def _street_edge(p: tuple[float, float], q: tuple[float, float], rng: random.Random) -> list[tuple[float, float]]:
    """Two intermediate points with a slight bend, so shapes follow a street rather than a chord."""
    dx, dy = q[0] - p[0], q[1] - p[1]
    length = math.hypot(dx, dy)
    nx, ny = -dy / length, dx / length
    bend = rng.uniform(-12.0, 12.0)
    return [p] + [(p[0] + dx * t + nx * bend, p[1] + dy * t + ny * bend) for t in (1 / 3, 2 / 3)] + [q]


def _add_grid(b: _Builder, d: District, rng: random.Random) -> None:
    cx, cy = to_xy(*d.grid_centre)
    ang = math.radians(d.rotation_deg)
    ux, uy, vx, vy = math.cos(ang), math.sin(ang), -math.sin(ang), math.cos(ang)
    ids: dict[tuple[int, int], int] = {}
    jitter = 0.12 * GRID_SPACING_M
    for c in range(d.cols):
        for r in range(d.rows):
            u = (c - (d.cols - 1) / 2) * GRID_SPACING_M + rng.uniform(-jitter, jitter)
            v = (r - (d.rows - 1) / 2) * GRID_SPACING_M + rng.uniform(-jitter, jitter)
            ids[(c, r)] = b.add_node(cx + u * ux + v * vx, cy + u * uy + v * vy, PlaceKind.GRID, d.key, c, r)
    for (c, r), a in ids.items():
        for nb in ((c + 1, r), (c, r + 1)):
            # Drop a few cross-street links so the grid is not perfectly regular. Columns
            # and the outer ring stay whole, which keeps the grid connected.
            dropped = nb[0] == c + 1 and 0 < r < d.rows - 1 and rng.random() < 0.08
            if nb in ids and not dropped:
                pa, pb = b.nodes[a], b.nodes[ids[nb]]
                b.add_edge(a, ids[nb], _street_edge((pa.x, pa.y), (pb.x, pb.y), rng), intercity=False)


def _add_road(b: _Builder, a: int, z: int, spacing_m: float, key: str, rng: random.Random) -> None:
    """A meandering road from node a to node z with intermediate nodes every ~spacing_m."""
    p, q = (b.nodes[a].x, b.nodes[a].y), (b.nodes[z].x, b.nodes[z].y)
    chord = _dist(p, q)
    nx, ny = -(q[1] - p[1]) / chord, (q[0] - p[0]) / chord
    amp, waves, phase = rng.uniform(0.02, 0.06) * chord, rng.choice((1, 2, 3)), rng.uniform(0, math.pi)
    steps = max(8, int(chord / 80))
    dense = []
    for i in range(steps + 1):
        t = i / steps
        off = amp * math.sin(math.pi * t) * math.sin(waves * math.pi * t + phase)
        dense.append((p[0] + (q[0] - p[0]) * t + nx * off, p[1] + (q[1] - p[1]) * t + ny * off))
    cum = [0.0]
    for s, e in zip(dense, dense[1:]):
        cum.append(cum[-1] + _dist(s, e))
    segments = max(1, round(cum[-1] / spacing_m))
    inner = [min(range(len(cum)), key=lambda i: abs(cum[i] - cum[-1] * k / segments)) for k in range(1, segments)]
    cut_idx = [0, *inner, steps]
    prev = a
    for k in range(1, segments + 1):
        lo, hi = cut_idx[k - 1], cut_idx[k]
        node = z if k == segments else b.add_node(*dense[hi], PlaceKind.ROAD, key)
        b.add_edge(prev, node, dense[lo : hi + 1], intercity=True)
        prev = node


def _closest_pair(b: _Builder, xs: list[int], ys: list[int]) -> tuple[int, int]:
    return min(((i, j) for i in xs for j in ys), key=lambda ij: _dist((b.nodes[ij[0]].x, b.nodes[ij[0]].y), (b.nodes[ij[1]].x, b.nodes[ij[1]].y)))


def build_network(rng: random.Random) -> StreetNetwork:
    """The whole street graph: district grids, town links and the roads to the tourist sites."""
    b = _Builder()
    for d in DISTRICTS:
        _add_grid(b, d, rng)

    def grid(key: str) -> list[int]:
        return [n.node_id for n in b.nodes if n.kind is PlaceKind.GRID and n.district == key]

    for frm, to, spacing in LINKS:
        a, z = _closest_pair(b, grid(frm), grid(to))
        _add_road(b, a, z, spacing, f"{frm}-{to}", rng)
    site_nodes = {}
    for s in SITES:
        site = b.add_node(*to_xy(*s.location), PlaceKind.SITE, s.key)
        a, _ = _closest_pair(b, grid(s.access_from), [site])
        _add_road(b, a, site, s.stop_spacing_m, f"{s.access_from}-{s.key}", rng)
        site_nodes[s.key] = site
    adjacency: dict[int, list[int]] = {n.node_id: [] for n in b.nodes}
    for lo, hi in b.edges:
        adjacency[lo].append(hi)
        adjacency[hi].append(lo)
    return StreetNetwork(tuple(b.nodes), b.edges, {k: tuple(sorted(v)) for k, v in adjacency.items()}, site_nodes)


def shortest_path_tree(net: StreetNetwork, source: int) -> dict[int, int]:
    """Dijkstra by length from source: each reached node -> its predecessor.

    Ties break on node id, so the tree is deterministic.
    """
    best = {source: 0.0}
    prev: dict[int, int] = {}
    heap = [(0.0, source)]
    while heap:
        d, node = heapq.heappop(heap)
        if d > best[node]:
            continue
        for nb in net.adjacency[node]:
            nd = d + net.edges[(min(node, nb), max(node, nb))].length_m
            if nd < best.get(nb, math.inf):
                best[nb], prev[nb] = nd, node
                heapq.heappush(heap, (nd, nb))
    return prev


def path_in_tree(tree: dict[int, int], source: int, target: int) -> tuple[int, ...]:
    """Node sequence source..target read off a tree from `shortest_path_tree(net, source)`."""
    path = [target]
    while path[-1] != source:
        if path[-1] not in tree:
            raise ValueError(f"no path from node {source} to node {target}")
        path.append(tree[path[-1]])
    return tuple(reversed(path))
