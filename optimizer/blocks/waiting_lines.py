"""Bounds over every blocking, whatever the wait: the depots merged into one, on
a time-space network where vehicles queue at each place.

A connection network lists every pair of trips one vehicle may run in a row:
millions on a city's day, hence ``BlockingInput.max_wait_s``. Here a vehicle
that ends trip ``i`` drives to a place (any place, its deadhead priced) and
joins that place's waiting line at the first departure it can make; the line
runs forward in time from departure to departure, and the vehicle leaves it
to run a trip. Every connection, of any wait, is a path of this network at
the same cost, so its min-cost flow is the cheapest blocking when a vehicle
may pull in to any depot (not only its own) and the depots pool their
vehicles: a lower bound on every blocking, in O(trips x places) arcs
(Kliewer, Mellouli and Suhl's time-space network, 2006).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow

from optimizer.blocks.connections import MISSING, DeadheadMatrix, deadhead_matrix
from optimizer.blocks.inputs import BlockingInput


@dataclass(frozen=True, slots=True)
class AllWaitsBound:
    fleet: int  # fewest vehicles, waits of any length allowed (depots aside)
    cost: int  # no blocking costs less, whatever its waits


@dataclass(frozen=True, eq=False)
class _Arcs:
    tails: NDArray[np.int64]
    heads: NDArray[np.int64]
    costs: NDArray[np.int64]  # in 1/scale of a money unit
    capacities: NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class _WaitPrices:
    """Waits priced exactly in whole numbers: every wait is a multiple of
    ``unit_s``, and ``unit_s`` seconds of waiting cost ``per_unit`` in units of
    1/``scale`` of a money unit (all other prices are multiplied by ``scale``)."""

    unit_s: int
    per_unit: int
    scale: int
    rounding: float  # most a blocking's price of one wait, rounded half up, lies below the exact one

    @staticmethod
    def of(blocking_input: BlockingInput, matrix: DeadheadMatrix) -> _WaitPrices:
        trips, rate = blocking_input.trips, blocking_input.costs.idle_per_hour
        times = np.concatenate([[t.start_s for t in trips], [t.end_s for t in trips],
                                matrix.time_s[matrix.time_s != MISSING]]).astype(np.int64)
        unit_s = int(np.gcd.reduce(times)) if len(times) else 1
        unit_s = unit_s or 1
        # A wait's exact price, in 1/3600 of a money unit, is a multiple of step.
        step = math.gcd(unit_s * rate, 3600)
        return _WaitPrices(unit_s, unit_s * rate // step, 3600 // step,
                           (math.ceil(1800 / step) - 1) * step / 3600)

    def of_waits(self, seconds: NDArray[np.int64]) -> NDArray[np.int64]:
        return seconds // self.unit_s * self.per_unit


def all_waits_bound(blocking_input: BlockingInput) -> AllWaitsBound:
    """The fewest vehicles and the least cost over all blockings; the input is
    one ``build_network`` accepted (no missing deadheads, depots with places)."""
    matrix = deadhead_matrix(blocking_input)
    prices = _WaitPrices.of(blocking_input, matrix)
    arcs = _arcs(blocking_input, matrix, prices)
    n = len(blocking_input.trips)
    fleet = _solve(arcs, n, vehicles=n, vehicles_only=True)
    # Depots too small for the fleet are the fleet check's to report; the bound
    # stays a bound with the vehicles they lack lent to them.
    capacity = sum(d.capacity for d in blocking_input.depots)
    exact = _solve(arcs, n, vehicles=max(capacity, fleet), vehicles_only=False)
    # A blocking prices each wait rounded (CostRates.idle_cost), and has at most
    # trips - fleet connections.
    slack = prices.rounding * (n - fleet)
    return AllWaitsBound(fleet, math.ceil(exact / prices.scale - slack - 1e-9))


def _arcs(blocking_input: BlockingInput, matrix: DeadheadMatrix, prices: _WaitPrices) -> _Arcs:
    """Nodes: trip i's end is i, trip j's start n + j, the waiting line's stop
    at j's departure 2n + j; the depots 3n (out) and 3n + 1 (in)."""
    trips, n = blocking_input.trips, len(blocking_input.trips)
    index = matrix.index()
    start = np.array([t.start_s for t in trips], dtype=np.int64)
    end = np.array([t.end_s for t in trips], dtype=np.int64)
    start_place = np.array([index[t.start_place] for t in trips], dtype=np.int64)
    end_place = np.array([index[t.end_place] for t in trips], dtype=np.int64)
    parts: list[tuple[NDArray[np.int64], ...]] = []
    for place in np.unique(start_place).tolist():
        line = np.flatnonzero(start_place == place)
        line = line[np.argsort(start[line], kind="stable")]
        # Along the line (waiting), and off it into a trip.
        parts.append((2 * n + line[:-1], 2 * n + line[1:], prices.of_waits(np.diff(start[line])),
                      np.full(len(line) - 1, n)))
        parts.append((2 * n + line, n + line, np.zeros(len(line), np.int64), np.ones(len(line), np.int64)))
        travel = matrix.time_s[end_place, place]
        first = np.searchsorted(start[line], end + blocking_input.min_layover_s + travel, side="left")
        joins = np.flatnonzero((first < len(line)) & (travel != MISSING))
        boards = line[first[joins]]
        cost = (matrix.cost[end_place[joins], place] * prices.scale
                + prices.of_waits(start[boards] - end[joins] - travel[joins]))
        parts.append((joins, 2 * n + boards, cost, np.ones(len(joins), np.int64)))
    out, back = _depot_costs(blocking_input, matrix, start_place, end_place)
    every = np.arange(n, dtype=np.int64)
    parts.append((np.full(n, 3 * n), n + every, out * prices.scale, np.ones(n, np.int64)))
    parts.append((every, np.full(n, 3 * n + 1), back * prices.scale, np.ones(n, np.int64)))
    # Vehicles left in the depot (capacity set by the solve).
    parts.append((np.array([3 * n]), np.array([3 * n + 1]), np.zeros(1, np.int64), np.array([n])))
    tails, heads, costs, capacities = (np.concatenate([p[k] for p in parts]).astype(np.int64) for k in range(4))
    return _Arcs(tails, heads, costs, capacities)


def _depot_costs(blocking_input: BlockingInput, matrix: DeadheadMatrix, start_place: NDArray[np.int64],
                 end_place: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Each trip's cheapest pull-out (vehicle included) and pull-in over all depots."""
    index = matrix.index()
    depots = np.array([index[d.place] for d in blocking_input.depots
                       if d.place is not None and d.capacity > 0], dtype=np.int64)
    out = blocking_input.costs.vehicle + matrix.cost[depots[:, None], start_place[None, :]].min(axis=0)
    back = matrix.cost[end_place[:, None], depots[None, :]].min(axis=1)
    return out, back


def _solve(arcs: _Arcs, n: int, *, vehicles: int, vehicles_only: bool) -> int:
    """The least cost (or with ``vehicles_only``, the fewest pull-outs) with
    ``vehicles`` in the pooled depot."""
    capacities = arcs.capacities.copy()
    capacities[-1] = vehicles
    costs = arcs.costs
    if vehicles_only:
        costs = np.zeros_like(costs)
        costs[arcs.tails == 3 * n] = 1
        costs[-1] = 0
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(arcs.tails, arcs.heads, capacities, costs)
    supplies = np.zeros(3 * n + 2, dtype=np.int64)
    supplies[:n], supplies[n:2 * n] = 1, -1
    supplies[3 * n], supplies[3 * n + 1] = vehicles, -vehicles
    flow.set_nodes_supplies(np.arange(3 * n + 2, dtype=np.int64), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"the waiting-line relaxation ended with status {status} with "
                           f"{vehicles} vehicles for {n} trips")
    return int(flow.optimal_cost())
