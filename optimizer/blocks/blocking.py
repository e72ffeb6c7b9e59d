"""What the engine returns: blocks, their cost, and the proof of how good they are."""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from optimizer.blocks.bounds import FleetBounds
from optimizer.blocks.network import NOT_ALLOWED, BlockingNetwork

# A block by indexes: (depot, trips in running order).
Chain = tuple[int, list[int]]


class Status(enum.StrEnum):
    OPTIMAL = "optimal"  # cost == lower bound: no cheaper blocking exists
    FEASIBLE = "feasible"  # stopped by the time limit; the gap says how far it may be


@dataclass(frozen=True, slots=True)
class Block:
    depot_id: str
    trip_ids: tuple[str, ...]
    cost: int  # pull-out (with the vehicle's fixed cost), connections, pull-in


@dataclass(frozen=True, slots=True)
class Blocking:
    blocks: tuple[Block, ...]
    cost: int
    lower_bound: int  # proven: no blocking of these trips costs less, whatever its waits
    status: Status
    method: str
    fleet_bounds: FleetBounds
    lp_bound: float | None  # the LP relaxation's value, where an LP was solved
    baseline_cost: int | None  # the greedy blocking's cost, None if greedy found none
    # When the search left waits over ``max_wait_s`` out: no blocking within the
    # cap costs less than this (at least ``lower_bound``).
    lower_bound_within_cap: int | None = None

    @property
    def fleet(self) -> int:
        return len(self.blocks)

    @property
    def gap(self) -> int:
        return self.cost - self.lower_bound

    @property
    def relative_gap(self) -> float:
        return self.gap / self.cost if self.cost else 0.0

    def fleet_by_depot(self) -> dict[str, int]:
        return dict(Counter(b.depot_id for b in self.blocks))


class Costs:
    """Prices chains of trip indexes on a network."""

    def __init__(self, network: BlockingNetwork) -> None:
        self.network = network
        self.connection = {(a, b): c for a, b, c in zip(network.connection_from.tolist(),
                                                         network.connection_to.tolist(),
                                                         network.connection_cost.tolist())}

    def of(self, chain: Chain) -> int:
        depot, trips = chain
        out, back = int(self.network.pull_out[depot, trips[0]]), int(self.network.pull_in[trips[-1], depot])
        if NOT_ALLOWED in (out, back):
            raise ValueError(f"chain {chain} pulls out or in where it may not")
        return out + back + int(sum(self.connection[a, b] for a, b in pairwise(trips)))

    def blocks(self, chains: list[Chain]) -> tuple[Block, ...]:
        """Blocks of chains that must cover every trip once within the depots'
        capacities (checked: a solver's answer that breaks this is a bug, not a result)."""
        covered = Counter(t for _, trips in chains for t in trips)
        if len(covered) != self.network.trip_count or max(covered.values(), default=1) != 1:
            raise RuntimeError("chains do not cover every trip exactly once")
        sent = Counter(depot for depot, _ in chains)
        if any(sent[d] > depot.capacity for d, depot in enumerate(self.network.depots)):
            raise RuntimeError(f"chains send more vehicles than a depot holds: {dict(sent)}")
        ids, depots = self.network.trip_ids, self.network.depots
        ordered = sorted(chains, key=lambda chain: (chain[0], chain[1][0]))
        return tuple(Block(depots[d].depot_id, tuple(ids[t] for t in trips), self.of((d, trips)))
                     for d, trips in ordered)
