"""What an operator gives the blocking engine: timed trips between places, the
deadheads between places, depots, and the prices of a vehicle and of its idle time.

Units: times are seconds from the start of the service day (past 24:00 allowed);
costs are whole numbers in one money unit.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from optimizer.blocks.network import Depot

Seconds = TypeVar("Seconds", int, NDArray[np.int64])


@dataclass(frozen=True, slots=True)
class Trip:
    trip_id: str
    start_place: str
    start_s: int
    end_place: str
    end_s: int
    line: str | None = None  # for the interlining rule; None: any line
    vehicle_type: str | None = None  # the type that must run it; typed inputs type every trip


class Interlining(enum.StrEnum):
    """When a vehicle may run a trip of another line next."""

    ANY = "any"  # wherever the deadheads allow
    SHARED_TERMINAL = "shared_terminal"  # only where the next trip starts at the place the last one ended
    NONE = "none"  # never: every block runs one line


@dataclass(frozen=True, slots=True)
class Deadhead:
    """An empty move between two places; moves within one place are free and instant."""

    from_place: str
    to_place: str
    time_s: int
    cost: int


@dataclass(frozen=True, slots=True)
class CostRates:
    vehicle: int  # fixed cost of putting one more vehicle on the road for the day
    idle_per_hour: int  # waiting between two trips, layover included

    def idle_cost(self, idle_s: Seconds) -> Seconds:
        """Cost of waiting ``idle_s`` (one wait or an array of them), rounded half up."""
        return (idle_s * self.idle_per_hour + 1800) // 3600


@dataclass(frozen=True, slots=True)
class BlockingInput:
    """Trips to chain into blocks. A vehicle may run trip ``j`` after trip ``i`` when
    ``i.end_s + min_layover_s + deadhead(i.end_place, j.start_place) <= j.start_s``.

    ``max_wait_s`` leaves out of the search every connection whose wait (from
    reaching ``j``'s start place to ``j``'s departure, layover included) is
    longer: a day of thousands of trips has millions of connections otherwise.
    The lower bound does not rely on it (see ``waiting_lines``). ``interlining``
    restricts connections between trips of different lines (``Trip.line``); the
    bounds that do not know lines stay valid, if weaker.

    Vehicle types: when any trip or depot has one, every trip and depot must
    (a depot entry per site and type); a block then runs trips of its depot's
    type only: connections join trips of one type, pull-outs and pull-ins a
    trip and a depot of one type. The bounds that know no types stay valid."""

    trips: tuple[Trip, ...]
    depots: tuple[Depot, ...]
    deadheads: tuple[Deadhead, ...]
    costs: CostRates
    min_layover_s: int = 0
    max_wait_s: int | None = None
    interlining: Interlining = Interlining.ANY
