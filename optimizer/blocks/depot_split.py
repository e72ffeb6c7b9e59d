"""Several depots on a network too large for the multi-commodity model (a city's
day: thousands of trips, hundreds of thousands of connections): block as if
the depots were one, then give each block a depot, then re-block each depot.

1. Merged depots: one min-cost flow where a block leaves from the depot
   cheapest for its first trip and returns to the one cheapest after its last,
   the depots pooling their vehicles. It relaxes the real problem, so its cost
   is a lower bound, and its blocks are the start.
2. Depots for blocks: a transportation problem (min-cost flow) gives each block
   the depot it costs least from and back to, within the depots' capacities.
3. Each depot re-blocked: min-cost flow over the depot's own trips, exact for
   them; then step 2 again, until a round gains nothing or the deadline passes.
4. Each two depots: their trips merged and split again (steps 1 to 3), kept
   where cheaper, so trips move between depots, not only whole blocks.

Not proven optimal: the gap left is the relaxation's (a block may end at
another depot) plus the search's, reported beside the result like every other
bound. On generated 500-trip instances, where the exact engine proves the
optimum, the blocks end 0.33-0.44% above it and the bound 0.09-0.24% below.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow

from optimizer.blocks.blocking import Chain, Costs
from optimizer.blocks.deadline import Deadline
from optimizer.blocks.multi_depot import MultiDepotBlocks, NoBlocking
from optimizer.blocks.network import NOT_ALLOWED, BlockingNetwork, Depot
from optimizer.blocks.single_depot import solve_single_depot

# Above this many columns (moves x depots) the multi-commodity LP is too slow to
# start: on the demo city's weekday (2,904 trips, 5 depots, waits capped at 60
# min: 2.1 million columns) its first round had not finished after 400 s; the
# 500-trip benchmark instances (about 300,000 columns) end their LP in 2-7 s.
LARGE_MODEL_COLUMNS = 600_000


def model_columns(network: BlockingNetwork) -> int:
    return network.depot_count * (network.connection_count + 2 * network.trip_count)


def split_by_depot(network: BlockingNetwork, deadline: Deadline,
                   note: Callable[[str], None]) -> MultiDepotBlocks:
    """Blocks from their own depots, and the merged relaxation's bound."""
    merged = solve_single_depot(merged_depots(network))
    if merged is None:
        raise NoBlocking()
    note(f"depots merged: cost {merged.cost:,}, {len(merged.chains)} vehicles (a lower bound)")
    costs = Costs(network)
    chains, cost = _split(network, [trips for _, trips in merged.chains], costs, deadline, note)
    if network.depot_count > 2:
        chains, cost = _split_pairs_again(network, chains, cost, costs, deadline, note)
    return MultiDepotBlocks(chains, cost, min(merged.cost, cost), None)


def _split(network: BlockingNetwork, blocks: list[list[int]], costs: Costs, deadline: Deadline,
           note: Callable[[str], None]) -> tuple[list[Chain], int]:
    """Steps 2 and 3: depots for the blocks, then each depot re-blocked, in turn."""
    chains = assign_depots(network, blocks)
    if chains is None:
        raise NoBlocking()
    cost = sum(costs.of(c) for c in chains)
    note(f"each block from its own depot: cost {cost:,}")
    while not deadline.passed():
        improved = assign_depots(network, [trips for _, trips in _reblock_each_depot(network, chains)])
        if improved is None:
            break
        improved_cost = sum(costs.of(c) for c in improved)
        if improved_cost >= cost:
            break
        chains, cost = improved, improved_cost
        note(f"each depot re-blocked: cost {cost:,}")
    return chains, cost


def _split_pairs_again(network: BlockingNetwork, chains: list[Chain], cost: int, costs: Costs,
                       deadline: Deadline, note: Callable[[str], None]) -> tuple[list[Chain], int]:
    """Step 4: the trips of each two depots merged and split again, kept where
    cheaper (trips move between depots other than in whole blocks), until a
    round over all pairs gains nothing or the deadline passes."""
    improved = True
    while improved and not deadline.passed():
        improved = False
        for pair in combinations(range(network.depot_count), 2):
            trips = np.array(sorted(t for depot, ts in chains if depot in pair for t in ts), dtype=np.int64)
            if deadline.passed() or not len(trips):
                continue
            part = _part(network, list(pair), trips)
            merged = solve_single_depot(merged_depots(part))
            if merged is None:
                continue
            try:
                found, _ = _split(part, [ts for _, ts in merged.chains], Costs(part), deadline, _quiet)
            except NoBlocking:
                continue
            candidate = [c for c in chains if c[0] not in pair] + [
                (pair[depot], trips[local].tolist()) for depot, local in found]
            candidate_cost = sum(costs.of(c) for c in candidate)
            if candidate_cost < cost:
                chains, cost, improved = candidate, candidate_cost, True
                note(f"depots {network.depots[pair[0]].depot_id} and {network.depots[pair[1]].depot_id} "
                     f"split again: cost {cost:,}")
    return chains, cost


def _quiet(_: str) -> None:
    """No progress wanted from the steps within a pair of depots."""


def merged_depots(network: BlockingNetwork) -> BlockingNetwork:
    """One depot for all: each trip's cheapest pull-out and pull-in, the capacities pooled."""
    out = np.where(network.pull_out == NOT_ALLOWED, np.iinfo(np.int64).max, network.pull_out).min(axis=0)
    back = np.where(network.pull_in == NOT_ALLOWED, np.iinfo(np.int64).max, network.pull_in).min(axis=1)
    out[out == np.iinfo(np.int64).max] = NOT_ALLOWED
    back[back == np.iinfo(np.int64).max] = NOT_ALLOWED
    return BlockingNetwork(network.trip_ids, (Depot("all depots", network.capacity),), out[None, :],
                           back[:, None], network.connection_from, network.connection_to,
                           network.connection_cost)


def assign_depots(network: BlockingNetwork, blocks: list[list[int]]) -> list[Chain] | None:
    """Each block (trips in order) from the depot it costs least from and back
    to, within capacities; None when the depots cannot take them all."""
    k, m = len(blocks), network.depot_count
    first = np.array([trips[0] for trips in blocks], dtype=np.int64)
    last = np.array([trips[-1] for trips in blocks], dtype=np.int64)
    out, back = network.pull_out[:, first], network.pull_in[last, :].T  # both depots x blocks
    allowed = (out != NOT_ALLOWED) & (back != NOT_ALLOWED)
    depot, block = np.nonzero(allowed)
    # Nodes: blocks 0..k-1, depots k..k+m-1, the sink k+m.
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate([block, k + np.arange(m)]).astype(np.int64),
        np.concatenate([k + depot, np.full(m, k + m)]).astype(np.int64),
        np.concatenate([np.ones(len(block)), [d.capacity for d in network.depots]]).astype(np.int64),
        np.concatenate([out[depot, block] + back[depot, block], np.zeros(m)]).astype(np.int64))
    flow.set_nodes_supplies(np.arange(k + m + 1, dtype=np.int64),
                            np.concatenate([np.ones(k), np.zeros(m), [-k]]).astype(np.int64))
    if flow.solve() != flow.OPTIMAL:
        return None
    used = flow.flows(arcs[:len(block)]) > 0
    return [(int(d), blocks[b]) for d, b in zip(depot[used].tolist(), block[used].tolist())]


def _reblock_each_depot(network: BlockingNetwork, chains: list[Chain]) -> list[Chain]:
    """Every depot's trips blocked anew, exactly, from that depot alone."""
    reblocked: list[Chain] = []
    for d in range(network.depot_count):
        trips = np.array(sorted(t for depot, ts in chains if depot == d for t in ts), dtype=np.int64)
        if not len(trips):
            continue
        flow = solve_single_depot(_part(network, [d], trips))
        if flow is None:  # cannot happen: the depot's own blocks are a solution
            raise RuntimeError(f"depot {network.depots[d].depot_id} cannot re-block its own trips")
        reblocked += [(d, trips[local].tolist()) for _, local in flow.chains]
    return reblocked


def _part(network: BlockingNetwork, depot_list: list[int], trips: NDArray[np.int64]) -> BlockingNetwork:
    """The network of some trips and depots, both renumbered from 0."""
    depots = np.array(depot_list, dtype=np.int64)
    local = np.full(network.trip_count, -1, dtype=np.int64)
    local[trips] = np.arange(len(trips))
    keep = (local[network.connection_from] >= 0) & (local[network.connection_to] >= 0)
    return BlockingNetwork(
        tuple(network.trip_ids[t] for t in trips.tolist()), tuple(network.depots[d] for d in depot_list),
        network.pull_out[np.ix_(depots, trips)], network.pull_in[np.ix_(trips, depots)],
        local[network.connection_from[keep]].astype(np.int32),
        local[network.connection_to[keep]].astype(np.int32), network.connection_cost[keep])
