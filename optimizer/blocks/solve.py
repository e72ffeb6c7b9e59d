"""The entry points: check, bound, block, prove.

Every run checks the input first (``InvalidBlockingInput`` lists each problem in
the input's own terms), computes the fleet lower bounds, makes the greedy
blocking (the baseline, and the start of the search), then solves exactly:
min-cost flow for one depot, the multi-commodity flow model for several.
"""

from __future__ import annotations

from collections.abc import Callable

from optimizer.blocks.blocking import Blocking, Costs, Status
from optimizer.blocks.bounds import Deficit, FleetBounds, chain_bound, deficit_function
from optimizer.blocks.checks import check_fleet, check_graph
from optimizer.blocks.connections import build_network, check_depots
from optimizer.blocks.deadline import Deadline
from optimizer.blocks.graph import topological_order
from optimizer.blocks.greedy import greedy_chains
from optimizer.blocks.inputs import BlockingInput
from optimizer.blocks.multi_depot import NoBlocking, solve_multi_depot
from optimizer.blocks.network import BlockingNetwork
from optimizer.blocks.problems import InvalidBlockingInput, raise_if_any
from optimizer.blocks.shortfall import explain_shortfall
from optimizer.blocks.single_depot import solve_single_depot


def _quiet(_: str) -> None:
    """No progress wanted."""


def block_trips(blocking_input: BlockingInput, deadline: Deadline, *,
                note: Callable[[str], None] = _quiet) -> Blocking:
    """Blocks for timed trips; the fleet bounds include the deficit function."""
    network = build_network(blocking_input)
    return block_network(network, deadline, note=note,
                         deficit=deficit_function(blocking_input))


def block_network(network: BlockingNetwork, deadline: Deadline, *,
                  note: Callable[[str], None] = _quiet, deficit: Deficit | None = None) -> Blocking:
    """The cheapest blocking of a network, proven optimal unless the deadline
    stopped the search (then the best found, with its proven lower bound).

    ``note`` hears each finished step, for progress displays. Raises
    ``InvalidBlockingInput`` when no blocking exists (with why), ``OutOfTime``
    when the deadline passed before any blocking was found."""
    raise_if_any(check_depots(network.depots) + check_graph(network))
    bounds = FleetBounds(chain_bound(network), deficit)
    raise_if_any(check_fleet(network, bounds))
    if not network.trip_count:
        return Blocking((), 0, 0, Status.OPTIMAL, "nothing to block", bounds, None, 0)
    note(f"{network.trip_count} trips, {network.depot_count} depot(s), {network.connection_count:,} "
         f"connections; at least {bounds.best} vehicles")
    order = topological_order(network)
    if order is None:
        raise RuntimeError("check_graph let a cycle of connections through")
    costs = Costs(network)
    greedy = greedy_chains(network, order)
    baseline = None
    if greedy is not None:
        baseline = sum(costs.of(c) for c in greedy)
        note(f"greedy blocking: cost {baseline:,}, {len(greedy)} vehicles")
    if network.depot_count == 1:
        flow = solve_single_depot(network)
        if flow is None:
            raise InvalidBlockingInput(explain_shortfall(network))
        return Blocking(costs.blocks(flow.chains), flow.cost, flow.cost, Status.OPTIMAL, "min-cost flow",
                        bounds, None, baseline)
    try:
        found = solve_multi_depot(network, greedy, deadline, note)
    except NoBlocking:
        raise InvalidBlockingInput(explain_shortfall(network)) from None
    status = Status.OPTIMAL if found.cost == found.lower_bound else Status.FEASIBLE
    return Blocking(costs.blocks(found.chains), found.cost, found.lower_bound, status,
                    "multi-commodity flow: LP bound, reduced-cost fixing, MIP", bounds, found.lp_bound,
                    baseline)
