"""The multi-commodity flow model's columns: one per depot and move (pull-out,
pull-in, connection), as flat arrays, with their reduced costs under given duals.

Rows: ``cover[t]`` (trip t is run by exactly one vehicle: its moves in sum to 1),
``flow[d, t]`` (a vehicle of depot d that runs t leaves it: in - out = 0) and
``fleet[d]`` (depot d sends out at most its capacity).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from optimizer.blocks.network import NOT_ALLOWED, BlockingNetwork


class Move(enum.IntEnum):
    PULL_OUT = 0
    PULL_IN = 1
    CONNECTION = 2


@dataclass(frozen=True, eq=False)
class Columns:
    """Column ``c`` is a ``move[c]`` of a vehicle of ``depot[c]`` from trip
    ``source[c]`` to trip ``target[c]`` (-1 for the depot end) at ``cost[c]``."""

    move: NDArray[np.int8]
    depot: NDArray[np.int32]
    source: NDArray[np.int32]
    target: NDArray[np.int32]
    cost: NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.move.shape[0])

    def subset(self, keep: NDArray[np.bool_] | NDArray[np.intp]) -> Columns:
        return Columns(self.move[keep], self.depot[keep], self.source[keep], self.target[keep],
                       self.cost[keep])

    @staticmethod
    def concat(parts: list[Columns]) -> Columns:
        if not parts:
            empty = np.zeros(0, np.int32)
            return Columns(np.zeros(0, np.int8), empty, empty, empty, np.zeros(0, np.int64))
        return Columns(*(np.concatenate([getattr(p, name) for p in parts])
                         for name in ("move", "depot", "source", "target", "cost")))


@dataclass(frozen=True, eq=False)
class Duals:
    cover: NDArray[np.float64]  # (trips,)
    flow: NDArray[np.float64]  # (depots, trips)
    fleet: NDArray[np.float64]  # (depots,); <= 0 (a solver's tiny positive noise is cut to 0)


def all_columns(network: BlockingNetwork) -> Columns:
    """Every move of every depot's vehicles: the full model."""
    parts = []
    for d in range(network.depot_count):
        out = np.flatnonzero(network.pull_out[d] != NOT_ALLOWED)
        back = np.flatnonzero(network.pull_in[:, d] != NOT_ALLOWED)
        parts += [
            _part(Move.PULL_OUT, d, np.full_like(out, -1), out, network.pull_out[d, out]),
            _part(Move.PULL_IN, d, back, np.full_like(back, -1), network.pull_in[back, d]),
            _part(Move.CONNECTION, d, network.connection_from, network.connection_to,
                  network.connection_cost),
        ]
    return Columns.concat(parts)


def _part(move: Move, depot: int, source: NDArray[np.integer], target: NDArray[np.integer],
          cost: NDArray[np.int64]) -> Columns:
    size = len(cost)
    return Columns(np.full(size, move, dtype=np.int8), np.full(size, depot, dtype=np.int32),
                   source.astype(np.int32), target.astype(np.int32), cost.astype(np.int64))


def reduced_costs(columns: Columns, duals: Duals) -> NDArray[np.float64]:
    """``cost - (column of the constraint matrix) . duals`` for every column."""
    rc = columns.cost.astype(np.float64)
    into = columns.move != Move.PULL_IN  # pull-outs and connections cover their target
    rc[into] -= duals.cover[columns.target[into]] + duals.flow[columns.depot[into], columns.target[into]]
    out_of = columns.move != Move.PULL_OUT
    rc[out_of] += duals.flow[columns.depot[out_of], columns.source[out_of]]
    pull_out = columns.move == Move.PULL_OUT
    rc[pull_out] -= duals.fleet[columns.depot[pull_out]]
    return rc


def dual_bound(duals: Duals, capacities: NDArray[np.int64], rc: NDArray[np.float64]) -> float:
    """A lower bound on every blocking's cost, from any duals (fleet duals <= 0):
    cost(x) = duals.b + rc.x >= duals.b + sum of the negative reduced costs, since
    every column is at most 1 in a blocking. With optimal LP duals it is the LP bound."""
    return float(duals.cover.sum() + duals.fleet @ capacities + np.minimum(rc, 0.0).sum())
