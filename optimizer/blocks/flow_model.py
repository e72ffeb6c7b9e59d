"""The multi-commodity flow model in OR-Tools' linear solver, over a chosen set of
columns that may grow between solves: the LP relaxation (bounds and duals) or
the integer model (blocks).

pywraplp (CamelCase: it has no snake_case form) because it re-solves GLOP from
its last basis after columns are added, returns duals, and passes hints and
SCIP's own parameters through.
"""

from __future__ import annotations

import enum

import numpy as np
from numpy.typing import NDArray
from ortools.linear_solver import pywraplp

from optimizer.blocks.columns import Columns, Duals, Move
from optimizer.blocks.network import BlockingNetwork


class Outcome(enum.Enum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"  # stopped by the time limit with a solution
    INFEASIBLE = "infeasible"
    UNKNOWN = "unknown"  # stopped by the time limit without one


_OUTCOMES = {pywraplp.Solver.OPTIMAL: Outcome.OPTIMAL, pywraplp.Solver.FEASIBLE: Outcome.FEASIBLE,
             pywraplp.Solver.INFEASIBLE: Outcome.INFEASIBLE}


class FlowModel:
    """One solver instance holding the rows of a network and the columns added so far."""

    def __init__(self, network: BlockingNetwork, solver_id: str, *, integer: bool,
                 parameters: str = "") -> None:
        solver = pywraplp.Solver.CreateSolver(solver_id)
        if solver is None:
            raise RuntimeError(f"OR-Tools has no {solver_id} solver in this build")
        solver.SetNumThreads(1)  # the machine is shared; one thread is also reproducible
        if parameters and not solver.SetSolverSpecificParametersAsString(parameters):
            raise RuntimeError(f"{solver_id} refused the parameters {parameters!r}")
        self._solver = solver
        self.integer = integer
        n, m = network.trip_count, network.depot_count
        self._cover = [solver.Constraint(1.0, 1.0) for _ in range(n)]
        self._flow = [[solver.Constraint(0.0, 0.0) for _ in range(n)] for _ in range(m)]
        self._fleet = [solver.Constraint(0.0, float(d.capacity)) for d in network.depots]
        self._objective = solver.Objective()
        self._objective.SetMinimization()
        self._variables: list[pywraplp.Variable] = []

    def add(self, columns: Columns) -> None:
        solver, infinity = self._solver, self._solver.infinity()
        for move, depot, source, target, cost in zip(columns.move.tolist(), columns.depot.tolist(),
                                                    columns.source.tolist(), columns.target.tolist(),
                                                    columns.cost.tolist()):
            var = solver.BoolVar("") if self.integer else solver.NumVar(0.0, infinity, "")
            self._objective.SetCoefficient(var, cost)
            if move != Move.PULL_IN:
                self._cover[target].SetCoefficient(var, 1.0)
                self._flow[depot][target].SetCoefficient(var, 1.0)
            if move != Move.PULL_OUT:
                self._flow[depot][source].SetCoefficient(var, -1.0)
            else:
                self._fleet[depot].SetCoefficient(var, 1.0)
            self._variables.append(var)

    def add_fleet_slack(self) -> list[pywraplp.Variable]:
        """Extra vehicles a depot may borrow, at cost 1 each: with every other cost at
        0, the optimum is the fewest vehicles the depots lack."""
        extra = [self._solver.IntVar(0.0, self._solver.infinity(), "") if self.integer
                 else self._solver.NumVar(0.0, self._solver.infinity(), "") for _ in self._fleet]
        for var, row in zip(extra, self._fleet):
            row.SetCoefficient(var, -1.0)
            self._objective.SetCoefficient(var, 1.0)
        return extra

    def hint(self, chosen: NDArray[np.bool_]) -> None:
        """Start the integer search from a known blocking (``chosen`` per column)."""
        self._solver.SetHint(self._variables, chosen.astype(float).tolist())

    def solve(self, time_limit_s: float) -> Outcome:
        self._solver.SetTimeLimit(max(1, int(time_limit_s * 1000)))
        parameters = pywraplp.MPSolverParameters()
        if self.integer:
            # Costs are whole numbers: only a gap under 1 proves optimality; the
            # default relative gap (1e-4) would stop tens of units short.
            parameters.SetDoubleParam(parameters.RELATIVE_MIP_GAP, 1e-9)
        status = self._solver.Solve(parameters)
        return _OUTCOMES.get(status, Outcome.UNKNOWN)

    @property
    def wall_s(self) -> float:
        """Seconds since this model was made, by the solver's own clock."""
        return float(self._solver.wall_time()) / 1000.0

    def objective(self) -> float:
        return float(self._objective.Value())

    def best_bound(self) -> float:
        return float(self._objective.BestBound())

    def values(self) -> NDArray[np.float64]:
        return np.array([v.solution_value() for v in self._variables])

    def duals(self) -> Duals:
        return Duals(
            cover=np.array([c.dual_value() for c in self._cover]),
            flow=np.array([[c.dual_value() for c in row] for row in self._flow]).reshape(
                len(self._flow), len(self._cover)),
            fleet=np.minimum(np.array([c.dual_value() for c in self._fleet]), 0.0),
        )
