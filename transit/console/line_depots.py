"""Which depots run which lines, so that a role scoped to depots
(``dispatcher:depots=Wangyi``) reaches the alarms, pages, reports, signs and
drafts of those depots' lines.

The source of truth is data: a file mapping each line to its depots
(``feeds.schedules.line_depots``), or, without one, each line's nearest
depot to its terminals (``nearest_depots``). Every console target is built
here from the lines it touches (``LineDepots.touching``), so its depots are
always those of its lines. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from transit.console.access import Target
from transit.geo import distance_m
from transit.model.network import Network

# The depot of a line that belongs to none. A grant's ids are never empty
# (``parse_grant`` drops them), so no depot scope holds it: a target touching
# such a line is for scopes over its lines or over everything only.
NO_DEPOT = ""


@dataclass(frozen=True)
class LineDepots:
    """route_id -> the depots whose buses run it (usually one)."""

    depots_of: Mapping[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))

    def of(self, route_ids: Iterable[str]) -> frozenset[str]:
        """The depots the lines touch; ``NO_DEPOT`` among them when a line has none."""
        found: set[str] = set()
        for route_id in route_ids:
            found |= self.depots_of.get(route_id) or {NO_DEPOT}
        return frozenset(found)

    def touching(self, kind: str, object_id: str, route_ids: frozenset[str], author: str | None = None) -> Target:
        """A target touching ``route_ids`` and so their depots (none for a
        network-wide target that touches no line)."""
        return Target(kind, object_id, route_ids=route_ids, depots=self.of(route_ids), author=author)

    def line(self, route_id: str) -> Target:
        return self.touching("line", route_id, frozenset({route_id}))

    def lines_of(self, depot: str) -> frozenset[str]:
        return frozenset(r for r, depots in self.depots_of.items() if depot in depots)


def line_depots(pairs: Iterable[tuple[str, str]]) -> LineDepots:
    """From (route_id, depot) pairs, a line listed once per depot."""
    found: dict[str, set[str]] = {}
    for route_id, depot in pairs:
        found.setdefault(route_id, set()).add(depot)
    return LineDepots(MappingProxyType({r: frozenset(d) for r, d in found.items()}))


def terminals_of(network: Network) -> dict[str, frozenset[str]]:
    """route_id -> the first and last stops of its patterns."""
    found: dict[str, set[str]] = {}
    for pattern in network.patterns.values():
        if pattern.stop_ids:
            found.setdefault(pattern.route_id, set()).update((pattern.stop_ids[0], pattern.stop_ids[-1]))
    return {route_id: frozenset(stops) for route_id, stops in found.items()}


def nearest_depots(network: Network, depots: Mapping[str, tuple[float, float]], reach_m: float) -> LineDepots:
    """Each line's depot: the one nearest to any of its terminals, when that is
    within ``reach_m`` (a bus pulls out to the end of its line; a depot farther
    than that from every terminal of a line is no guess worth making, and the
    line then belongs to none). ``depots``: name -> (lat, lon). Ties go to the
    first name in order."""
    pairs = []
    for route_id, stops in sorted(terminals_of(network).items()):
        best: tuple[float, str] | None = None
        for name, (lat, lon) in sorted(depots.items()):
            gap = min(distance_m(lat, lon, network.stops[s].lat, network.stops[s].lon) for s in stops)
            if gap <= reach_m and (best is None or gap < best[0]):
                best = (gap, name)
        if best is not None:
            pairs.append((route_id, best[1]))
    return line_depots(pairs)
