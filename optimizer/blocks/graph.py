"""The connection graph of a network (trip -> trip a vehicle may run next): its
order, which trips each depot's vehicles can reach and come back from, and
whether it has a cycle."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from optimizer.blocks.network import NOT_ALLOWED, BlockingNetwork


def topological_order(network: BlockingNetwork) -> list[int] | None:
    """Trips so that every connection runs forward; None if the connections form a cycle."""
    order = _kahn(network)
    return order if len(order) == network.trip_count else None


def trips_on_cycles(network: BlockingNetwork) -> list[int]:
    """Trips on a cycle of connections or after one: a vehicle could run them again
    after themselves, so the model could cover them with no vehicle at all."""
    return sorted(set(range(network.trip_count)) - set(_kahn(network)))


def _kahn(network: BlockingNetwork) -> list[int]:
    """Kahn's algorithm: the trips it can order (all of them when there is no cycle)."""
    n = network.trip_count
    waiting = np.bincount(network.connection_to, minlength=n).tolist()
    successors = _adjacency(network.connection_from, network.connection_to, n)
    ready = [t for t in range(n) if waiting[t] == 0]
    order: list[int] = []
    while ready:
        trip = ready.pop()
        order.append(trip)
        for follower in successors[trip]:
            waiting[follower] -= 1
            if waiting[follower] == 0:
                ready.append(follower)
    return order


def reachable(network: BlockingNetwork, order: list[int]) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """``(reach, back)``, each ``(depots, trips)``: a vehicle of the depot can get to
    the trip (pulled out to it or to a trip before it), and can get home after it."""
    n = network.trip_count
    reach = (network.pull_out != NOT_ALLOWED).copy()
    back = (network.pull_in != NOT_ALLOWED).T.copy()
    predecessors = _adjacency(network.connection_to, network.connection_from, n)
    successors = _adjacency(network.connection_from, network.connection_to, n)
    for trip in order:
        for before in predecessors[trip]:
            reach[:, trip] |= reach[:, before]
    for trip in reversed(order):
        for after in successors[trip]:
            back[:, trip] |= back[:, after]
    return reach, back


def _adjacency(source: NDArray[np.int32], target: NDArray[np.int32], n: int) -> list[list[int]]:
    lists: list[list[int]] = [[] for _ in range(n)]
    for a, b in zip(source.tolist(), target.tolist()):
        lists[a].append(b)
    return lists
