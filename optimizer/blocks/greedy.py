"""The greedy blocking a scheduler would do by hand, and our baseline: take trips in
running order; hand each to the open block with the cheapest connection to it,
else pull a new vehicle out of the depot that serves it cheapest and still has one.
Its blocks also seed the LP, so the LP starts from columns that cover every trip."""

from __future__ import annotations

import numpy as np

from optimizer.blocks.blocking import Chain
from optimizer.blocks.network import NOT_ALLOWED, BlockingNetwork


def greedy_chains(network: BlockingNetwork, order: list[int]) -> list[Chain] | None:
    """Greedy blocks, or None when a trip finds neither a block nor a free vehicle."""
    incoming = _incoming_by_cost(network)
    vehicles_left = [d.capacity for d in network.depots]
    chains: list[Chain] = []
    open_by_last: dict[int, int] = {}  # last trip of an open block -> its index in chains
    for trip in order:
        joined = next((open_by_last[before] for before in incoming[trip]
                       if before in open_by_last
                       and network.pull_in[trip, chains[open_by_last[before]][0]] != NOT_ALLOWED), None)
        if joined is not None:
            del open_by_last[chains[joined][1][-1]]
            chains[joined][1].append(trip)
            open_by_last[trip] = joined
            continue
        depot = _cheapest_depot(network, trip, vehicles_left)
        if depot is None:
            return None
        vehicles_left[depot] -= 1
        open_by_last[trip] = len(chains)
        chains.append((depot, [trip]))
    return chains


def _incoming_by_cost(network: BlockingNetwork) -> list[list[int]]:
    """For each trip, the trips that connect to it, cheapest connection first."""
    incoming: list[list[int]] = [[] for _ in range(network.trip_count)]
    order = np.lexsort((network.connection_cost, network.connection_to))
    for before, trip in zip(network.connection_from[order].tolist(), network.connection_to[order].tolist()):
        incoming[trip].append(before)
    return incoming


def _cheapest_depot(network: BlockingNetwork, trip: int, vehicles_left: list[int]) -> int | None:
    options = [(int(network.pull_out[d, trip] + network.pull_in[trip, d]), d)
               for d in range(network.depot_count)
               if vehicles_left[d] > 0 and network.pull_out[d, trip] != NOT_ALLOWED
               and network.pull_in[trip, d] != NOT_ALLOWED]
    return min(options)[1] if options else None
