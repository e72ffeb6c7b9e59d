"""The LP relaxation of the multi-commodity flow model, solved over a few columns
and grown by pricing until no left-out column could lower it: its value is then
a proven lower bound on every blocking, and its reduced costs tell which moves
can be left out of the integer model (``reduced-cost fixing``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from optimizer.blocks.columns import Columns, Move, dual_bound, reduced_costs
from optimizer.blocks.deadline import Deadline
from optimizer.blocks.flow_model import FlowModel, Outcome
from optimizer.blocks.network import BlockingNetwork

# GLOP: its duals are right and it restarts from its basis after new columns
# (CLP re-solves take 4x longer here; HiGHS through pywraplp gave wrong duals in our test).
LP_SOLVER = "GLOP"
# Each trip starts with its cheapest few connections in and out, per depot: on
# 500-trip instances the LP then converges in 4-8 rounds over about 5% of the columns,
# in a tenth of the time of the full LP (GLOP on one instance: 4 s against 44 s).
START_CONNECTIONS = 4
# Columns priced in per round, per trip: enough to converge in a few rounds,
# few enough that each round stays a small warm-started re-solve.
PRICED_PER_TRIP = 4
PRICING_TOLERANCE = 1e-6


@dataclass(frozen=True, eq=False)
class LpBound:
    value: float  # no blocking costs less (LP value checked by its duals over all columns)
    reduced_costs: NDArray[np.float64]  # of every column
    solution: NDArray[np.float64]  # LP value of every column (0 for those never priced in)
    rounds: int
    columns_priced: int  # columns the LP ended with


@dataclass(frozen=True, slots=True)
class LpInfeasible:
    """Not even the LP relaxation can cover every trip with the depots' vehicles."""


def solve_lp_relaxation(network: BlockingNetwork, columns: Columns, must_have: NDArray[np.bool_],
                        deadline: Deadline, note: Callable[[str], None]) -> LpBound | LpInfeasible | None:
    """The LP over ``columns``, starting from the cheap ones and ``must_have``.
    None when the deadline passed before pricing finished (no bound yet)."""
    in_model = must_have | start_columns(network, columns)
    model = FlowModel(network, LP_SOLVER, integer=False)
    order = np.flatnonzero(in_model)
    model.add(columns.subset(order))
    capacities = np.array([d.capacity for d in network.depots], dtype=np.int64)
    rounds = 0
    while True:
        rounds += 1
        if deadline.passed():
            return None
        outcome = model.solve(deadline.left_s())
        if outcome is Outcome.INFEASIBLE and in_model.all():
            return LpInfeasible()
        if outcome is Outcome.INFEASIBLE:
            # Too few columns to cover every trip: price in all the rest at once.
            added = np.flatnonzero(~in_model)
        elif outcome is not Outcome.OPTIMAL:
            return None
        else:
            duals = model.duals()
            rc = reduced_costs(columns, duals)
            added = _priced(rc, in_model, network.trip_count)
            note(f"LP round {rounds}: {model.objective():,.1f} over {len(order):,} columns, "
                 f"{len(added):,} priced in")
            if not len(added):
                solution = np.zeros(len(columns))
                solution[order] = model.values()
                return LpBound(value=dual_bound(duals, capacities, rc), reduced_costs=rc,
                               solution=solution, rounds=rounds, columns_priced=len(order))
        in_model[added] = True
        order = np.concatenate([order, added])
        model.add(columns.subset(added))


def start_columns(network: BlockingNetwork, columns: Columns) -> NDArray[np.bool_]:
    """Every pull-out and pull-in, and each trip's cheapest connections in and out."""
    cheap = np.zeros(network.connection_count, dtype=bool)
    for ends in (network.connection_from, network.connection_to):
        order = np.lexsort((network.connection_cost, ends))
        sorted_ends = ends[order]
        rank = np.arange(len(order)) - np.searchsorted(sorted_ends, sorted_ends, side="left")
        cheap[order[rank < START_CONNECTIONS]] = True
    n = network.trip_count
    cheap_pairs = network.connection_from[cheap].astype(np.int64) * n + network.connection_to[cheap]
    pairs = columns.source.astype(np.int64) * n + columns.target
    return np.asarray((columns.move != Move.CONNECTION) | np.isin(pairs, cheap_pairs), dtype=bool)


def _priced(rc: NDArray[np.float64], in_model: NDArray[np.bool_], trip_count: int) -> NDArray[np.intp]:
    """The left-out columns that would lower the LP, most promising first, a round's worth."""
    candidates = np.flatnonzero(~in_model & (rc < -PRICING_TOLERANCE))
    limit = PRICED_PER_TRIP * trip_count
    if len(candidates) > limit:
        candidates = candidates[np.argpartition(rc[candidates], limit)[:limit]]
    return np.sort(candidates).astype(np.intp)
