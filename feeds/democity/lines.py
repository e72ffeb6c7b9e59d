"""Bus lines on the street network: routing, the stop set, and per-direction patterns.

Lines are shortest paths between terminals (urban lines detour through a via node so
they sweep more of the grid). Every node a line passes starts out as a stop; the stop
set is then thinned to exactly the operator's stop count by dropping pass-through nodes
whose removal keeps every line's stop spacing under MAX_STOP_GAP_M.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from enum import Enum

from feeds.democity.geography import (
    DISTRICTS,
    PlaceKind,
    StreetNetwork,
    centre_node,
    path_in_tree,
    shortest_path_tree,
)

STOP_COUNT = 526
LINE_COUNT = 40
MAX_LINE_COUNT = 42
MAX_STOP_GAP_M = 950.0
MAX_URBAN_LINE_NODES = 34
URBAN_CANDIDATES_PER_PICK = 24


class LineKind(Enum):
    TRUNK = "trunk"
    URBAN = "urban"
    NIGHT = "night"
    TOURIST = "tourist"


@dataclass(frozen=True)
class Line:
    line_id: str
    short_name: str
    kind: LineKind
    path: tuple[int, ...]  # street nodes, direction 0 terminal to direction 1 terminal


@dataclass(frozen=True)
class Pattern:
    """One direction of a line: its stops and shape, distances in metres from the start."""

    line_id: str
    direction: int
    stops: tuple[int, ...]
    stop_dist_m: tuple[float, ...]
    shape: tuple[tuple[float, float, float], ...]  # (x, y, distance)
    hop_urban_m: tuple[float, ...]  # per hop between consecutive stops, at urban speed
    hop_intercity_m: tuple[float, ...]  # the rest of the hop, at corridor speed


# Inter-district trunks and night lines: (from district, to district); the first trunk
# joins the two centres, the others pick terminals at random in each district.
TRUNK_PAIRS = (("wangyi", "xinqu"), ("yintai", "wangyi"), ("xinqu", "yaozhou"), ("wangyi", "huangbao"))
NIGHT_PAIRS = (("wangyi", "xinqu"), ("yintai", "wangyi"))
# Tourist lines: (urban terminal district, site).
TOURIST_ROUTES = (("yaozhou", "zhaojin"), ("xinqu", "yaowangshan"), ("yintai", "yuhua"), ("wangyi", "chenlu"))


class _Router:
    """Caches one shortest-path tree per source; line planning asks many paths."""

    def __init__(self, net: StreetNetwork) -> None:
        self.net = net
        self._trees: dict[int, dict[int, int]] = {}

    def path(self, a: int, b: int) -> tuple[int, ...]:
        if a not in self._trees:
            self._trees[a] = shortest_path_tree(self.net, a)
        return path_in_tree(self._trees[a], a, b)


def _urban_candidate(net: StreetNetwork, router: _Router, served: set[int], rng: random.Random) -> tuple[int, ...] | None:
    keys = [d.key for d in DISTRICTS]
    unserved = [sum(1 for n in net.district_nodes(k) if n not in served) + 1 for k in keys]
    nodes = net.district_nodes(rng.choices(keys, weights=unserved)[0])
    a, b = rng.sample(nodes, 2)
    if math.dist((net.nodes[a].x, net.nodes[a].y), (net.nodes[b].x, net.nodes[b].y)) < 2000.0:
        return None
    via = rng.choice([n for n in nodes if n not in served] or nodes)
    path = router.path(a, via) + router.path(via, b)[1:]
    return path if len(set(path)) == len(path) and len(path) <= MAX_URBAN_LINE_NODES else None


def _thin_stops(net: StreetNetwork, lines: list[Line], keep: set[int], rng: random.Random) -> frozenset[int]:
    stops = {n for line in lines for n in line.path}
    if len(stops) < STOP_COUNT:
        raise ValueError(f"lines serve only {len(stops)} nodes, fewer than {STOP_COUNT}")
    through: dict[int, list[tuple[Line, int]]] = {}
    for line in lines:
        for i, n in enumerate(line.path):
            through.setdefault(n, []).append((line, i))

    def hop(path: tuple[int, ...], i: int) -> float:
        return net.edges[(min(path[i], path[i + 1]), max(path[i], path[i + 1]))].length_m

    def gap_if_removed(line: Line, i: int) -> float:
        lo, hi = i - 1, i + 1
        while line.path[lo] not in stops:
            lo -= 1
        while line.path[hi] not in stops:
            hi += 1
        return sum(hop(line.path, k) for k in range(lo, hi))

    candidates = sorted(n for n in stops if n not in keep and net.nodes[n].kind is PlaceKind.GRID)
    rng.shuffle(candidates)
    for n in candidates:
        if len(stops) == STOP_COUNT:
            break
        if all(0 < i < len(line.path) - 1 and gap_if_removed(line, i) <= MAX_STOP_GAP_M for line, i in through[n]):
            stops.discard(n)
    if len(stops) != STOP_COUNT:
        raise ValueError(f"could not thin {len(stops)} served nodes to {STOP_COUNT} stops")
    return frozenset(stops)


def plan_lines(net: StreetNetwork, rng: random.Random) -> tuple[tuple[Line, ...], frozenset[int]]:
    """All lines and the stop nodes (every line terminal stays a stop)."""
    router = _Router(net)
    lines: list[Line] = []

    def random_terminal(district: str) -> int:
        return rng.choice(net.district_nodes(district))

    for i, (frm, to) in enumerate(TRUNK_PAIRS, start=1):
        a, b = (centre_node(net, frm), centre_node(net, to)) if i == 1 else (random_terminal(frm), random_terminal(to))
        lines.append(Line(f"L{i:02d}", f"{i}路", LineKind.TRUNK, router.path(a, b)))
    for i, (district, site) in enumerate(TOURIST_ROUTES, start=1):
        path = router.path(centre_node(net, district), net.site_nodes[site])
        lines.append(Line(f"T{i}", f"旅游{i}线", LineKind.TOURIST, path))
    for i, (frm, to) in enumerate(NIGHT_PAIRS, start=1):
        lines.append(Line(f"N{i}", f"夜{i}路", LineKind.NIGHT, router.path(random_terminal(frm), random_terminal(to))))
    served = {n for line in lines for n in line.path}
    number = len(TRUNK_PAIRS)
    while len(lines) < LINE_COUNT or (len(served) < STOP_COUNT and len(lines) < MAX_LINE_COUNT):
        # Greedy coverage: of a handful of random candidates keep the one reaching the
        # most unserved nodes, so ~40 lines cover the whole network.
        candidates = [c for c in (_urban_candidate(net, router, served, rng) for _ in range(URBAN_CANDIDATES_PER_PICK)) if c]
        if not candidates:
            continue
        best = max(candidates, key=lambda p: sum(1 for n in p if n not in served))
        number += 1
        lines.append(Line(f"L{number:02d}", f"{number}路", LineKind.URBAN, best))
        served.update(best)
    keep = {line.path[0] for line in lines} | {line.path[-1] for line in lines}
    return tuple(lines), _thin_stops(net, lines, keep, rng)


def build_pattern(net: StreetNetwork, line: Line, direction: int, stops: frozenset[int]) -> Pattern:
    """Stops and shape of one direction; direction 1 runs the path backwards."""
    path = line.path if direction == 0 else line.path[::-1]
    shape = [(net.nodes[path[0]].x, net.nodes[path[0]].y, 0.0)]
    stop_nodes, stop_dist, hops_urban, hops_inter = [path[0]], [0.0], [], []
    urban = inter = 0.0
    for a, b in zip(path, path[1:]):
        edge = net.edges[(min(a, b), max(a, b))]
        for x, y in net.edge_points(a, b)[1:]:
            shape.append((x, y, shape[-1][2] + math.hypot(x - shape[-1][0], y - shape[-1][1])))
        if edge.intercity:
            inter += edge.length_m
        else:
            urban += edge.length_m
        if b in stops:
            stop_nodes.append(b)
            stop_dist.append(shape[-1][2])
            hops_urban.append(urban)
            hops_inter.append(inter)
            urban = inter = 0.0
    return Pattern(line.line_id, direction, tuple(stop_nodes), tuple(stop_dist), tuple(shape), tuple(hops_urban), tuple(hops_inter))
