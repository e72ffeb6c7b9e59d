"""The blocking network: trips, depots and the moves a vehicle may make, with their costs.

Every input (a timetable with places and deadheads, or a benchmark cost matrix)
becomes this one network, and every engine works on it. Units: costs are whole
numbers in the operator's money unit (the MDVSP benchmark's units for its
instances); a vehicle's fixed cost is carried by its pull-out arc.

A block is a path depot -> pull-out -> trip -> connection -> ... -> trip ->
pull-in -> the same depot.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

# Marks a pull-out or pull-in that is not allowed (the .inp format's -1).
NOT_ALLOWED = -1


@dataclass(frozen=True, slots=True)
class Depot:
    depot_id: str
    capacity: int  # vehicles it may send out
    place: str | None = None  # where it is, when places are known
    # The type of its vehicles (one depot entry per site and type); None: no types.
    vehicle_type: str | None = None


@dataclass(frozen=True, eq=False)
class BlockingNetwork:
    """Trips ``0..n-1`` and depots ``0..m-1`` by index; arrays are read-only.

    ``pull_out[d, t]``: cost of a vehicle of depot ``d`` starting its block with
    trip ``t`` (fixed vehicle cost included), ``NOT_ALLOWED`` if it may not;
    ``pull_in[t, d]``: cost of ending a block with ``t`` back at ``d``.
    ``connection_from[a] -> connection_to[a]`` at ``connection_cost[a]``: one
    vehicle runs both trips in a row (deadhead and waiting priced in).
    """

    trip_ids: tuple[str, ...]
    depots: tuple[Depot, ...]
    pull_out: NDArray[np.int64]
    pull_in: NDArray[np.int64]
    connection_from: NDArray[np.int32]
    connection_to: NDArray[np.int32]
    connection_cost: NDArray[np.int64]

    def __post_init__(self) -> None:
        n, m = len(self.trip_ids), len(self.depots)
        if self.pull_out.shape != (m, n) or self.pull_in.shape != (n, m):
            raise ValueError(f"pull-out/pull-in costs must be {m}x{n} and {n}x{m}, "
                             f"got {self.pull_out.shape} and {self.pull_in.shape}")
        arcs = self.connection_from.shape
        if self.connection_to.shape != arcs or self.connection_cost.shape != arcs:
            raise ValueError("connection arrays differ in length")
        if len(set(self.trip_ids)) != n:
            raise ValueError("trip ids are not unique")
        if len({d.depot_id for d in self.depots}) != m:
            raise ValueError("depot ids are not unique")
        for array in (self.pull_out, self.pull_in, self.connection_from, self.connection_to,
                      self.connection_cost):
            array.flags.writeable = False

    @property
    def trip_count(self) -> int:
        return len(self.trip_ids)

    @property
    def depot_count(self) -> int:
        return len(self.depots)

    @property
    def connection_count(self) -> int:
        return int(self.connection_from.shape[0])

    @property
    def capacity(self) -> int:
        return sum(d.capacity for d in self.depots)


def make_network(trip_ids: tuple[str, ...], depots: tuple[Depot, ...],
                 pull_out: NDArray[np.int64], pull_in: NDArray[np.int64],
                 connections: NDArray[np.int64]) -> BlockingNetwork:
    """A network from a ``(k, 3)`` array of ``(from trip, to trip, cost)`` rows."""
    rows = np.asarray(connections, dtype=np.int64).reshape(-1, 3)
    return BlockingNetwork(
        trip_ids=trip_ids, depots=depots,
        pull_out=np.array(pull_out, dtype=np.int64), pull_in=np.array(pull_in, dtype=np.int64),
        connection_from=rows[:, 0].astype(np.int32), connection_to=rows[:, 1].astype(np.int32),
        connection_cost=rows[:, 2].copy(),
    )
