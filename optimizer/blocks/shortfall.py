"""Why the depots cannot run the trips, in vehicles: asked only after the engine
found no blocking, when the totals passed (trips that only some depots may serve
need more vehicles than those depots hold)."""

from __future__ import annotations

import math

import numpy as np

from optimizer.blocks.columns import Columns, all_columns
from optimizer.blocks.flow_model import FlowModel, Outcome
from optimizer.blocks.network import BlockingNetwork
from optimizer.blocks.problems import Code, InputProblem, listing
from optimizer.blocks.single_depot import solve_single_depot

LP_SOLVER = "GLOP"
INTEGER_SOLVER = "SCIP"
# A refused input must say why, so the explanation gets its own time, deadline
# or not (the full LP of 500 trips and 4 depots takes under a minute).
TIME_LIMIT_S = 120.0


def explain_shortfall(network: BlockingNetwork) -> list[InputProblem]:
    if network.depot_count == 1:
        fewest = solve_single_depot(network, network.trip_count, vehicles_only=True)
        if fewest is None:
            raise RuntimeError("one depot with a vehicle per trip found no blocking")
        depot = network.depots[0]
        short = fewest.cost - depot.capacity
        return [InputProblem(Code.DEPOT_SHORT,
                             f"depot {depot.depot_id} holds {depot.capacity} vehicles; the trips need at "
                             f"least {fewest.cost} from it (where it may pull out and in): {short} short",
                             depot_id=depot.depot_id, shortfall=short)]
    # The LP answers fast; when it finds no shortfall the gap is integrality
    # itself, and the integer model (slower) gives the whole number.
    lacking = _lacking(network, integer=False) or _lacking(network, integer=True)
    short = math.ceil(sum(extra for _, extra in lacking) - 1e-6)
    where = listing([f"{depot_id} +{math.ceil(extra - 1e-6)}" for depot_id, extra in lacking])
    return [InputProblem(
        Code.DEPOT_SHORT,
        f"the depots lack at least {short} vehicle(s) in all (for example {where}): some trips may be "
        "served only from some depots, and those depots hold too few vehicles for them",
        shortfall=short)]


def _lacking(network: BlockingNetwork, *, integer: bool) -> list[tuple[str, float]]:
    """Vehicles each depot would have to borrow, in the fewest borrowings that block every trip."""
    columns = all_columns(network)
    model = FlowModel(network, INTEGER_SOLVER if integer else LP_SOLVER, integer=integer)
    model.add(Columns(columns.move, columns.depot, columns.source, columns.target,
                      np.zeros(len(columns), dtype=np.int64)))
    extra = model.add_fleet_slack()
    if model.solve(time_limit_s=TIME_LIMIT_S) not in (Outcome.OPTIMAL, Outcome.FEASIBLE):
        raise RuntimeError("the shortfall model found no answer")
    return [(d.depot_id, v.solution_value()) for d, v in zip(network.depots, extra)
            if v.solution_value() > 1e-6]
