"""Where a changed or new line runs: the length of each leg between two stops,
and the study's network with the new patterns in it.

A leg takes the street a bus already drives between its two stops when there
is one: the line's own shape (a stop removed between them adds its two legs),
else the shortest shape of another pattern serving the two stops in that order,
if it is at most ``MAX_DETOUR`` times the straight line (a longer one goes
round by somewhere else). Otherwise the straight line between the stops, which
understates the street a bus would drive: the report counts such legs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from transit.geo import distance_m
from transit.model.network import Network, Pattern, Route

MAX_DETOUR = 2.0
# Two stops at the same point of a shape still take some road: no leg shorter than this.
MIN_LEG_KM = 0.01
STUDY_SUFFIX = "~study"


@dataclass(frozen=True, slots=True)
class Leg:
    km: float
    along: str  # "line": its own shape; "shape P": another pattern's; "straight": a straight line
    pattern_id: str = ""  # the pattern whose shape it runs along ("" for a straight line)


def leg_lengths(network: Network, stops: Sequence[str], own: Pattern | None) -> tuple[Leg, ...]:
    """The legs between consecutive ``stops``; ``own``: the line's pattern today, if any."""
    at: dict[str, list[tuple[Pattern, int]]] = {}
    for pattern in sorted(network.patterns.values(), key=lambda p: p.pattern_id):
        for i, stop in enumerate(pattern.stop_ids):
            at.setdefault(stop, []).append((pattern, i))
    legs = []
    for a, b in zip(stops, stops[1:]):
        own_km = _along(own, a, b) if own is not None else None
        if own is not None and own_km is not None:
            leg = Leg(own_km, "line", own.pattern_id)
        else:
            straight = _straight_km(network, a, b)
            shapes = [(km, p.pattern_id) for p, i in at.get(a, ()) if (km := _along(p, a, b, i)) is not None]
            km, pattern_id = min(shapes, default=(math.inf, ""))
            leg = (Leg(km, f"shape {pattern_id}", pattern_id) if km <= MAX_DETOUR * straight
                   else Leg(straight, "straight"))
        legs.append(replace(leg, km=max(leg.km, MIN_LEG_KM)))
    return tuple(legs)


def along_indices(pattern: Pattern, a: str, b: str, start: int = 0) -> tuple[int, int] | None:
    """Where ``pattern`` serves ``a`` (at or after index ``start``) and the next ``b`` after it."""
    stops = pattern.stop_ids
    if a not in stops[start:]:
        return None
    i = stops.index(a, start)
    if b not in stops[i + 1:]:
        return None
    return i, stops.index(b, i + 1)


def _along(pattern: Pattern, a: str, b: str, start: int = 0) -> float | None:
    """km along ``pattern`` from ``a`` (at or after index ``start``) to the next ``b`` after it."""
    found = along_indices(pattern, a, b, start)
    if found is None:
        return None
    i, j = found
    return (pattern.stop_dists[j] - pattern.stop_dists[i]) / 1000.0


def _straight_km(network: Network, a: str, b: str) -> float:
    s, t = network.stops[a], network.stops[b]
    return distance_m(s.lat, s.lon, t.lat, t.lon) / 1000.0


def study_pattern(route_id: str, direction_id: int, stops: Sequence[str], legs: Sequence[Leg],
                  old: Pattern | None) -> Pattern:
    """The pattern a study runs: ``<old id>~study`` (``<route>-<direction>~study`` for a new line)."""
    dists = [0.0]
    for leg in legs:
        dists.append(dists[-1] + leg.km * 1000.0)
    base = old.pattern_id if old is not None else f"{route_id}-{direction_id}"
    return Pattern(base + STUDY_SUFFIX, route_id, direction_id, old.shape_id if old is not None else "",
                   tuple(stops), tuple(dists))


def study_network(network: Network, patterns: Sequence[Pattern], routes: Sequence[Route]) -> Network:
    """``network`` with the study's patterns and new lines added (its trips unchanged)."""
    return replace(network, patterns={**network.patterns, **{p.pattern_id: p for p in patterns}},
                   routes={**network.routes, **{r.route_id: r for r in routes}})
