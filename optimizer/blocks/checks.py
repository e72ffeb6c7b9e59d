"""The network's own checks, run before any solver: which trips no block can
run, and whether the depots hold enough vehicles for the fewest the trips need."""

from __future__ import annotations

import numpy as np

from optimizer.blocks.bounds import FleetBounds
from optimizer.blocks.graph import reachable, topological_order, trips_on_cycles
from optimizer.blocks.network import NOT_ALLOWED, BlockingNetwork
from optimizer.blocks.problems import Code, InputProblem, listing


def check_graph(network: BlockingNetwork) -> list[InputProblem]:
    """Cycles of connections, and trips no vehicle can reach or get home from."""
    order = topological_order(network)
    if order is None:
        looping = [network.trip_ids[t] for t in trips_on_cycles(network)]
        return [InputProblem(Code.CONNECTION_CYCLE,
                             f"connections form a cycle (trips on it or after it: {listing(looping)}): a "
                             "trip would follow itself; connections must run forward in time")]
    reach, back = reachable(network, order)
    has_pull_out = (network.pull_out != NOT_ALLOWED).any(axis=0)
    has_predecessor = np.bincount(network.connection_to, minlength=network.trip_count) > 0
    problems = []
    for trip in np.flatnonzero(~(reach & back).any(axis=0)).tolist():
        trip_id = network.trip_ids[trip]
        if not reach[:, trip].any():
            why = ("no depot may pull out to it and no trip connects to it"
                   if not has_pull_out[trip] and not has_predecessor[trip]
                   else "no depot may pull out to it, and the trips that connect to it are "
                   "themselves out of every vehicle's reach")
            problems.append(InputProblem(Code.TRIP_UNREACHABLE, f"no vehicle can reach trip {trip_id}: {why}",
                                         trip_id=trip_id))
        else:
            came_from = listing([network.depots[d].depot_id for d in np.flatnonzero(reach[:, trip]).tolist()])
            problems.append(InputProblem(
                Code.TRIP_STRANDED,
                f"after trip {trip_id} no vehicle can get back to the depot it came from ({came_from}): "
                "no pull-in to it is allowed from the trip or from any trip that can follow it",
                trip_id=trip_id))
    return problems


def check_fleet(network: BlockingNetwork, bounds: FleetBounds) -> list[InputProblem]:
    capacity = network.capacity
    if bounds.best <= capacity:
        return []
    held = ", ".join(f"{d.depot_id} {d.capacity}" for d in network.depots)
    peak = ""
    if bounds.deficit is not None:
        at = bounds.deficit.peak_at_s
        peak = (f"at {at // 3600:02d}:{at % 3600 // 60:02d}, {bounds.deficit.peak} trips are running "
                "or in layover at once, and ")
    short = bounds.best - capacity
    return [InputProblem(
        Code.FLEET_OVER_CAPACITY,
        f"{peak}no chaining of the trips by their connections needs fewer than {bounds.chain} vehicles; "
        f"the depots hold {capacity} in all ({held}): {short} vehicle(s) short",
        shortfall=short)]
