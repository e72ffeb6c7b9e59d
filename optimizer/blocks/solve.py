"""The entry points: check, bound, block, prove.

Every run checks the input first (``InvalidBlockingInput`` lists each problem in
the input's own terms), computes the fleet lower bounds, makes the greedy
blocking (the baseline, and the start of the search), then solves: exactly by
min-cost flow for one depot or the multi-commodity flow model for several; on
a network too large for that model, by merging the depots and splitting them
again (``depot_split``), with the merged relaxation's bound.
"""

from __future__ import annotations

from collections.abc import Callable

from optimizer.blocks.blocking import Blocking, Chain, Costs, Status
from optimizer.blocks.bounds import Deficit, FleetBounds, chain_bound, deficit_function
from optimizer.blocks.checks import check_fleet, check_graph
from optimizer.blocks.connections import build_network, check_depots
from optimizer.blocks.deadline import Deadline
from optimizer.blocks.depot_split import LARGE_MODEL_COLUMNS, model_columns, split_by_depot
from optimizer.blocks.graph import topological_order
from optimizer.blocks.greedy import greedy_chains
from optimizer.blocks.inputs import BlockingInput
from optimizer.blocks.multi_depot import MultiDepotBlocks, NoBlocking, solve_multi_depot
from optimizer.blocks.network import BlockingNetwork
from optimizer.blocks.problems import InvalidBlockingInput, raise_if_any
from optimizer.blocks.shortfall import explain_shortfall
from optimizer.blocks.single_depot import solve_single_depot
from optimizer.blocks.waiting_lines import AllWaitsBound, all_waits_bound


def _quiet(_: str) -> None:
    """No progress wanted."""


def block_trips(blocking_input: BlockingInput, deadline: Deadline, *,
                note: Callable[[str], None] = _quiet) -> Blocking:
    """Blocks for timed trips; the fleet bounds include the deficit function.

    With ``max_wait_s`` the search leaves longer waits out, and the bounds come
    from the waiting-line relaxation too, which allows them: ``lower_bound`` and
    ``fleet_bounds.best`` hold for every blocking, the cap's own bound beside them."""
    network = build_network(blocking_input)
    all_waits = all_waits_bound(blocking_input) if blocking_input.max_wait_s is not None else None
    return block_network(network, deadline, note=note, deficit=deficit_function(blocking_input),
                         all_waits=all_waits)


def block_network(network: BlockingNetwork, deadline: Deadline, *,
                  note: Callable[[str], None] = _quiet, deficit: Deficit | None = None,
                  all_waits: AllWaitsBound | None = None) -> Blocking:
    """The cheapest blocking of a network, proven optimal unless the deadline
    stopped the search (then the best found, with its proven lower bound).

    ``note`` hears each finished step, for progress displays. Raises
    ``InvalidBlockingInput`` when no blocking exists (with why), ``OutOfTime``
    when the deadline passed before any blocking was found."""
    raise_if_any(check_depots(network.depots) + check_graph(network))
    bounds = FleetBounds(chain_bound(network), deficit, all_waits.fleet if all_waits else None)
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
    found, method = _search(network, greedy, deadline, note)
    lower, within_cap = found.lower_bound, None
    if all_waits is not None:
        # Blockings with a longer wait were never searched: only the relaxation,
        # which allows them, bounds every blocking.
        lower, within_cap = all_waits.cost, max(found.lower_bound, all_waits.cost)
    status = Status.OPTIMAL if found.cost == lower else Status.FEASIBLE
    return Blocking(costs.blocks(found.chains), found.cost, lower, status, method, bounds, found.lp_bound,
                    baseline, within_cap)


def _search(network: BlockingNetwork, greedy: list[Chain] | None, deadline: Deadline,
            note: Callable[[str], None]) -> tuple[MultiDepotBlocks, str]:
    """The blocks and the bound of the engine that fits the network, and its name."""
    if network.depot_count == 1:
        flow = solve_single_depot(network)
        if flow is None:
            raise InvalidBlockingInput(explain_shortfall(network))
        return MultiDepotBlocks(flow.chains, flow.cost, flow.cost, None), "min-cost flow"
    try:
        if model_columns(network) > LARGE_MODEL_COLUMNS:
            return split_by_depot(network, deadline, note), "depots merged, then split: min-cost flows"
        return (solve_multi_depot(network, greedy, deadline, note),
                "multi-commodity flow: LP bound, reduced-cost fixing, MIP")
    except NoBlocking:
        raise InvalidBlockingInput(explain_shortfall(network)) from None
