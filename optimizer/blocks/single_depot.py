"""One depot: blocking is a min-cost flow (a transportation problem), solved exactly.

Each trip's end supplies one vehicle and each trip's start needs one; the depot
supplies its capacity and takes it back. A vehicle goes from a trip's end to the
next trip's start (a connection), from the depot to a trip (pull-out), from a
trip to the depot (pull-in), or stays in the depot, at no cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from optimizer.blocks.blocking import Chain
from optimizer.blocks.network import NOT_ALLOWED, BlockingNetwork


@dataclass(frozen=True, slots=True)
class FlowBlocks:
    chains: list[Chain]
    cost: int


def solve_single_depot(network: BlockingNetwork, capacity: int | None = None,
                       *, vehicles_only: bool = False) -> FlowBlocks | None:
    """The cheapest blocks from depot 0 with ``capacity`` vehicles (default: its own);
    ``vehicles_only`` prices each vehicle at 1 and every move at 0 (fewest vehicles).
    None when the capacity is too small."""
    n = network.trip_count
    vehicles = network.depots[0].capacity if capacity is None else capacity
    depot_out, depot_in = 2 * n, 2 * n + 1
    trips = np.arange(n, dtype=np.int64)
    out_ok = np.flatnonzero(network.pull_out[0] != NOT_ALLOWED)
    in_ok = np.flatnonzero(network.pull_in[:, 0] != NOT_ALLOWED)
    # Nodes: trip i's end is i, trip j's start is n + j.
    tails = np.concatenate([network.connection_from, np.full(len(out_ok), depot_out), in_ok, [depot_out]])
    heads = np.concatenate([n + network.connection_to, n + out_ok, np.full(len(in_ok), depot_in), [depot_in]])
    if vehicles_only:
        costs = np.concatenate([np.zeros(network.connection_count), np.ones(len(out_ok)),
                                np.zeros(len(in_ok)), [0]])
    else:
        costs = np.concatenate([network.connection_cost, network.pull_out[0, out_ok],
                                network.pull_in[in_ok, 0], [0]])
    capacities = np.ones(len(tails), dtype=np.int64)
    capacities[-1] = vehicles
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails.astype(np.int64), heads.astype(np.int64),
                                                     capacities, costs.astype(np.int64))
    flow.set_nodes_supplies(np.concatenate([trips, n + trips, [depot_out, depot_in]]),
                            np.concatenate([np.ones(n), -np.ones(n), [vehicles, -vehicles]]).astype(np.int64))
    status = flow.solve()
    if status == flow.INFEASIBLE:
        return None
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow ended with status {status}")
    used = flow.flows(arcs) > 0
    chains = _chains(network, tails[used], heads[used], depot_out)
    return FlowBlocks(chains, int(flow.optimal_cost()))


def _chains(network: BlockingNetwork, tails: np.ndarray, heads: np.ndarray, depot_out: int) -> list[Chain]:
    n = network.trip_count
    following = {int(t): int(h) - n for t, h in zip(tails, heads) if t < n and n <= h < 2 * n}
    chains: list[Chain] = []
    for first in (int(h) - n for t, h in zip(tails, heads) if t == depot_out and n <= h < 2 * n):
        trips = [first]
        while trips[-1] in following:
            trips.append(following[trips[-1]])
        chains.append((0, trips))
    return chains
