"""Several depots: the multi-commodity flow model, solved to proven optimality by
LP bound + reduced-cost fixing + integer solves over the few moves that remain.

1. The LP relaxation (priced over all moves, see ``lp_bound``) gives a lower
   bound LB and each move's reduced cost rc.
2. A blocking costing C uses only moves with rc <= C - LB (each move used adds
   at least its rc to LB). So an integer solve over the moves with rc <= T
   finds every blocking cheaper than LB + T + 1.
3. Start with a small T and double it from solve to solve; once the best
   blocking U has U - 1 - LB <= T, the last solve covered every cheaper
   blocking, so U is optimal. The deadline stops this with the best blocking
   and its bound.

Measured on the 36 shared instances (all proven, under 2 s each) and on
generated 500-trip ones: see docs/blocks.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

from optimizer.blocks.blocking import Chain, Costs
from optimizer.blocks.columns import Columns, Move, all_columns
from optimizer.blocks.deadline import Deadline
from optimizer.blocks.flow_model import FlowModel, Outcome
from optimizer.blocks.lp_bound import LpBound, LpInfeasible, solve_lp_relaxation
from optimizer.blocks.network import NOT_ALLOWED, BlockingNetwork

MIP_SOLVER = "SCIP"
# Without cutting planes SCIP proves these models 4-20x faster (n150m4s3: 1.0 s
# instead of 20 s; CBC 3-4 s): the LP bound is already tight and the cuts it
# finds barely raise it, while every round of them costs LP solves.
MIP_PARAMETERS = "separating/maxroundsroot = 0\nseparating/maxrounds = 0"
# First reduced-cost threshold, as a share of the LP bound: on the benchmark
# instances the gap between the LP bound and the optimum is 0 to 1.2e-4 of it.
FIRST_THRESHOLD = 1e-5
GROWTH = 2.0  # threshold growth from one integer solve to the next


@dataclass(frozen=True, slots=True)
class MultiDepotBlocks:
    chains: list[Chain]
    cost: int
    lower_bound: int
    lp_bound: float | None  # None when the deadline stopped the LP


class NoBlocking(Exception):
    """The depots' vehicles cannot run every trip (even the LP relaxation fails)."""


class OutOfTime(Exception):
    """The deadline passed before any blocking was found (not even the greedy one)."""

    def __init__(self) -> None:
        super().__init__("the time limit passed before any blocking was found; allow more time")


def solve_multi_depot(network: BlockingNetwork, start: list[Chain] | None, deadline: Deadline,
                      note: Callable[[str], None]) -> MultiDepotBlocks:
    """The cheapest blocking, proven, or the best found by the deadline with its
    bound; ``start`` (a blocking, e.g. the greedy one) seeds the LP and the search."""
    columns = all_columns(network)
    lp = solve_lp_relaxation(network, columns, _chosen(columns, start or []), deadline, note)
    if isinstance(lp, LpInfeasible):
        raise NoBlocking()
    if lp is None and start:
        cost = sum(Costs(network).of(c) for c in start)
        return MultiDepotBlocks(start, cost, incoming_bound(network), None)
    if lp is None:
        raise OutOfTime()
    note(f"LP bound {lp.value:,.2f} after {lp.rounds} round(s), {lp.columns_priced:,} of "
         f"{len(columns):,} columns priced in")
    search = _Search(network, columns, lp)
    if _integral(lp.solution):
        search.offer(_chains(columns, lp.solution > 0.5))
        return search.result(proven=True)
    if start:
        search.offer(start)
    threshold = FIRST_THRESHOLD * abs(lp.value)
    while not deadline.passed() and search.needed() >= 0:
        threshold = min(threshold, search.needed())
        keep = lp.reduced_costs <= threshold + search.tolerance
        # Every blocking cheaper than the best one is in this model.
        complete = bool(keep.all()) or threshold >= search.needed()
        note(f"integer solve over the {int(keep.sum()):,} columns with reduced cost <= {threshold:,.1f}")
        outcome, bound = search.integer_solve(keep, deadline, note)
        if outcome is Outcome.INFEASIBLE and keep.all():
            raise NoBlocking()
        if outcome is Outcome.OPTIMAL and (keep.all() or search.needed() <= threshold):
            return search.result(proven=True)
        if outcome is Outcome.INFEASIBLE and complete:
            return search.result(proven=True)
        if outcome not in (Outcome.OPTIMAL, Outcome.INFEASIBLE):  # stopped by the deadline
            if complete:
                search.raise_bound(bound)
            break
        # Small steps: each model finds a better blocking cheaply, and the better
        # the blocking, the fewer columns the last model needs for the proof.
        threshold *= GROWTH
    return search.result(proven=search.needed() < 0)


class _Search:
    """The best blocking so far and the proven bound, over integer solves."""

    def __init__(self, network: BlockingNetwork, columns: Columns, lp: LpBound) -> None:
        self.network, self.columns, self.lp = network, columns, lp
        self.costs = Costs(network)
        # Float noise in the LP's duals, far below a cost unit: 0.13 on a bound of 1.3 million.
        self.tolerance = 1e-7 * max(1.0, abs(lp.value))
        self.lower_bound = math.ceil(lp.value - self.tolerance)
        self.best: tuple[list[Chain], int] | None = None

    def offer(self, chains: list[Chain]) -> int:
        """Keep the chains if they are the cheapest so far; the best cost."""
        cost = sum(self.costs.of(c) for c in chains)
        if self.best is None or cost < self.best[1]:
            self.best = (chains, cost)
        return self.best[1]

    def needed(self) -> float:
        """Reduced cost up to which columns can appear in a blocking cheaper than the best."""
        return self.best[1] - 1 - self.lp.value if self.best else math.inf

    def raise_bound(self, bound: float) -> None:
        if self.best is not None:
            self.lower_bound = max(self.lower_bound, min(self.best[1], math.ceil(bound - self.tolerance)))

    def integer_solve(self, keep: NDArray[np.bool_], deadline: Deadline,
                      note: Callable[[str], None]) -> tuple[Outcome, float]:
        model = FlowModel(self.network, MIP_SOLVER, integer=True, parameters=MIP_PARAMETERS)
        model.add(self.columns.subset(keep))
        if self.best:
            model.hint(_chosen(self.columns, self.best[0])[keep])
        outcome = model.solve(deadline.left_s())
        if outcome in (Outcome.OPTIMAL, Outcome.FEASIBLE):
            chosen = np.zeros(len(self.columns), dtype=bool)
            chosen[np.flatnonzero(keep)] = model.values() > 0.5
            best = self.offer(_chains(self.columns, chosen))
            note(f"best blocking: cost {best:,} (this solve: {model.wall_s:.1f} s)")
        return outcome, model.best_bound() if outcome is not Outcome.INFEASIBLE else math.inf

    def result(self, *, proven: bool) -> MultiDepotBlocks:
        if self.best is None:
            raise OutOfTime()
        chains, cost = self.best
        return MultiDepotBlocks(chains, cost, cost if proven else self.lower_bound, self.lp.value)


def incoming_bound(network: BlockingNetwork) -> int:
    """A weak bound for when the LP had no time: each trip is entered once, by its
    cheapest pull-out or connection at least."""
    entering = np.where(network.pull_out == NOT_ALLOWED, np.iinfo(np.int64).max, network.pull_out).min(axis=0)
    np.minimum.at(entering, network.connection_to, network.connection_cost)
    return int(entering.sum())


def _integral(solution: NDArray[np.float64]) -> bool:
    return bool(np.all((solution < 1e-6) | (solution > 1 - 1e-6)))


def _chosen(columns: Columns, chains: list[Chain]) -> NDArray[np.bool_]:
    """The columns a set of chains uses."""
    wanted = []
    for depot, trips in chains:
        wanted.append((Move.PULL_OUT, depot, -1, trips[0]))
        wanted.append((Move.PULL_IN, depot, trips[-1], -1))
        wanted.extend((Move.CONNECTION, depot, a, b) for a, b in pairwise(trips))
    if not wanted:
        return np.zeros(len(columns), dtype=bool)
    fields = np.array(wanted, dtype=np.int64)
    return np.isin(_key(columns.move, columns.depot, columns.source, columns.target),
                   _key(fields[:, 0], fields[:, 1], fields[:, 2], fields[:, 3]))


def _key(move: NDArray[np.integer], depot: NDArray[np.integer], source: NDArray[np.integer],
         target: NDArray[np.integer]) -> NDArray[np.int64]:
    """One integer per column: its move, depot and trips (trip -1, the depot end, is 0)."""
    span = 1 << 20  # more trips and depots than any timetable has; the key stays under 2^62
    key = ((move.astype(np.int64) * span + depot) * span + source + 1) * span + target + 1
    return np.asarray(key, dtype=np.int64)


def _chains(columns: Columns, chosen: NDArray[np.bool_]) -> list[Chain]:
    """The blocks a 0/1 choice of columns makes: from each pull-out along connections."""
    used = columns.subset(chosen)
    following = {(d, s): t for m, d, s, t in zip(used.move.tolist(), used.depot.tolist(),
                                                  used.source.tolist(), used.target.tolist())
                 if m == Move.CONNECTION}
    chains: list[Chain] = []
    for move, depot, first in zip(used.move.tolist(), used.depot.tolist(), used.target.tolist()):
        if move != Move.PULL_OUT:
            continue
        trips = [first]
        while (depot, trips[-1]) in following:
            trips.append(following[depot, trips[-1]])
        chains.append((depot, trips))
    return chains
