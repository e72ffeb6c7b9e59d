"""A line ladder: each direction's stops down a rail, and where each bus is
on it, from the snapshot's distance along its trip's shape.

A rail is the direction's main pattern (the one most trips run; a tie goes
to the longer, then to the first by id). A bus on another pattern of the
direction (a short working) is placed by the stops it lies between, as the
rail knows them. A position is a stop index with a fraction: 2.5 is halfway
from the rail's third stop to its fourth. Pure.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass

from transit.model.network import Network, Pattern
from transit.tracking.state import VehicleState


@dataclass(frozen=True, slots=True)
class Rail:
    route_id: str
    direction_id: int
    pattern_id: str
    stop_ids: tuple[str, ...]


def list_rails(network: Network, route_id: str) -> tuple[Rail, ...]:
    """The line's rails, direction 0 first."""
    trips = Counter(t.pattern_id for t in network.trips.values() if t.route_id == route_id)
    best: dict[int, Pattern] = {}
    for pattern in sorted(network.patterns.values(), key=lambda p: p.pattern_id):
        if pattern.route_id != route_id:
            continue
        held = best.get(pattern.direction_id)
        if held is None or (trips[pattern.pattern_id], len(pattern.stop_ids)) > (
                trips[held.pattern_id], len(held.stop_ids)):
            best[pattern.direction_id] = pattern
    return tuple(Rail(route_id, direction, p.pattern_id, p.stop_ids) for direction, p in sorted(best.items()))


def position_along(pattern: Pattern, distance: float) -> float:
    """Stop index and fraction of ``distance`` (metres along the shape) on ``pattern``."""
    dists = pattern.stop_dists
    if distance <= dists[0]:
        return 0.0
    if distance >= dists[-1]:
        return float(len(dists) - 1)
    i = bisect_right(dists, distance) - 1
    span = dists[i + 1] - dists[i]
    return i + ((distance - dists[i]) / span if span > 0 else 0.0)


def place(network: Network, rail: Rail, vehicle: VehicleState) -> float | None:
    """Where ``vehicle`` is on ``rail``; None when it runs no trip of the
    rail's line and direction, or is not yet placed along it."""
    ref = vehicle.trip
    if ref is None or vehicle.distance_along is None or (ref.route_id, ref.direction_id) != (
            rail.route_id, rail.direction_id):
        return None
    trip = network.trips.get(ref.trip_id)
    if trip is None:
        return None
    pattern = network.patterns[trip.pattern_id]
    own = position_along(pattern, vehicle.distance_along)
    if pattern.pattern_id == rail.pattern_id:
        return own
    return _on_rail(rail, pattern, own)


def _on_rail(rail: Rail, pattern: Pattern, own: float) -> float | None:
    """A position on another pattern, carried over by the stops around it
    that the rail also serves (None when it shares none of them)."""
    index = {stop_id: i for i, stop_id in enumerate(rail.stop_ids)}
    below = int(own)
    before = next((index[s] for s in reversed(pattern.stop_ids[:below + 1]) if s in index), None)
    after = next((index[s] for s in pattern.stop_ids[below + 1:] if s in index), None)
    if before is None:
        return None if after is None else float(after)
    if after is None or after <= before:
        return float(before)
    return before + (own - below) * (after - before)
