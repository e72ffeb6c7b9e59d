"""Small blocking inputs built in a few lines, shared by the blocking tests."""

from __future__ import annotations

import time

import numpy as np

from optimizer.blocks import BlockingInput, BlockingNetwork, CostRates, Deadhead, Deadline, Depot, Trip
from optimizer.blocks.network import make_network

RATES = CostRates(vehicle=10_000, idle_per_hour=60)  # 1 per minute of waiting


def at(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def trip(trip_id: str, start_place: str, start: str, end_place: str, end: str) -> Trip:
    return Trip(trip_id, start_place, at(start), end_place, at(end))


def both_ways(a: str, b: str, minutes: int, cost: int) -> list[Deadhead]:
    return [Deadhead(a, b, minutes * 60, cost), Deadhead(b, a, minutes * 60, cost)]


def shuttle(depots: tuple[Depot, ...]) -> BlockingInput:
    """Four trips between terminals A and B; with a 5-minute layover t1 -> t2 and
    t3 -> t4 each wait 10 minutes, t1 -> t4 waits 40, t3 cannot reach t2.

    Depot D is 10 minutes (cost 100) from A and B, depot E 30 minutes (cost 300).
    Optimum from D alone: 2 vehicles, 2 x 10,000 + 4 x 100 + 10 + 10 = 20,420."""
    trips = (trip("t1", "A", "08:00", "B", "09:00"), trip("t2", "B", "09:10", "A", "10:00"),
             trip("t3", "A", "08:30", "B", "09:30"), trip("t4", "B", "09:40", "A", "10:30"))
    deadheads = (both_ways("A", "B", 20, 200) + both_ways("D", "A", 10, 100) + both_ways("D", "B", 10, 100)
                 + both_ways("E", "A", 30, 300) + both_ways("E", "B", 30, 300) + both_ways("D", "E", 20, 200))
    return BlockingInput(trips=trips, depots=depots, deadheads=tuple(deadheads), costs=RATES,
                         min_layover_s=300)


def network(pull_out: list[list[int]], pull_in: list[list[int]], connections: list[tuple[int, int, int]],
            capacities: list[int]) -> BlockingNetwork:
    """A network by indexes, as in the benchmark format (-1: not allowed)."""
    depots = tuple(Depot(f"D{k + 1}", c) for k, c in enumerate(capacities))
    trip_ids = tuple(f"T{i + 1}" for i in range(len(pull_in)))
    return make_network(trip_ids, depots, np.array(pull_out, dtype=np.int64).reshape(len(depots), -1),
                        np.array(pull_in, dtype=np.int64).reshape(-1, len(depots)),
                        np.array(connections, dtype=np.int64).reshape(-1, 3))


def seconds(limit: float = 30.0) -> Deadline:
    return Deadline.after(limit, time.monotonic)
