"""Random multi-depot instances in the manner of Carpaneto et al. (1989), the
generator behind the classic MDVSP benchmark sets (Pepin et al. 2009; Huisman's
instance page), as we understand its rules:

- between n/3 and n/2 relief points, and the depots, uniformly on a 60 x 60 grid;
  travel time in minutes = Euclidean distance;
- 40% short trips between two different relief points, starting in 07:00-08:00
  (15%), 08:00-17:00 (70%) or 17:00-18:00 (15%), lasting the travel time plus
  5 to 40 minutes;
- 60% long trips leaving from and coming back to one relief point, starting
  between 05:00 and 20:00 and lasting 3 to 5 hours;
- each depot holds 3 + U[n / 3m, n / 2m] vehicles;
- cost 10 per minute of deadhead, 2 per minute of waiting, 10,000 per vehicle.

Pure and seeded: the same arguments give the same instance.
"""

from __future__ import annotations

import math
import random

from optimizer.blocks.inputs import BlockingInput, CostRates, Deadhead, Trip
from optimizer.blocks.network import Depot

GRID = 60.0
SHORT_SHARE = 0.4
DEADHEAD_COST_PER_MINUTE = 10
RATES = CostRates(vehicle=10_000, idle_per_hour=2 * 60)


def generate(trip_count: int, depot_count: int, seed: int) -> BlockingInput:
    rng = random.Random(seed)
    relief_count = rng.randint(max(2, trip_count // 3), max(2, trip_count // 2))
    points = {f"r{i}": _point(rng) for i in range(relief_count)}
    depot_points = {f"depot{i}": _point(rng) for i in range(depot_count)}
    everywhere = points | depot_points
    minutes = {(a, b): _minutes(pa, pb) for a, pa in everywhere.items() for b, pb in everywhere.items()}
    reliefs = list(points)
    trips = tuple(
        _short_trip(rng, f"t{i}", reliefs, minutes) if rng.random() < SHORT_SHARE
        else _long_trip(rng, f"t{i}", reliefs)
        for i in range(trip_count)
    )
    low, high = trip_count / (3 * depot_count), trip_count / (2 * depot_count)
    depots = tuple(Depot(name, 3 + rng.randint(math.ceil(low), math.floor(high)), place=name)
                   for name in depot_points)
    deadheads = tuple(Deadhead(a, b, m * 60, m * DEADHEAD_COST_PER_MINUTE)
                      for (a, b), m in minutes.items() if a != b)
    return BlockingInput(trips=trips, depots=depots, deadheads=deadheads, costs=RATES)


def _point(rng: random.Random) -> tuple[float, float]:
    return rng.uniform(0, GRID), rng.uniform(0, GRID)


def _minutes(a: tuple[float, float], b: tuple[float, float]) -> int:
    return round(math.dist(a, b))


def _short_trip(rng: random.Random, trip_id: str, reliefs: list[str],
                minutes: dict[tuple[str, str], int]) -> Trip:
    start_place, end_place = rng.sample(reliefs, 2)
    window = rng.random()
    if window < 0.15:
        start = rng.randint(420, 479)
    elif window < 0.85:
        start = rng.randint(480, 1019)
    else:
        start = rng.randint(1020, 1079)
    end = start + minutes[start_place, end_place] + rng.randint(5, 40)
    return Trip(trip_id, start_place, start * 60, end_place, end * 60)


def _long_trip(rng: random.Random, trip_id: str, reliefs: list[str]) -> Trip:
    place = rng.choice(reliefs)
    start = rng.randint(300, 1199)
    end = start + rng.randint(180, 300)
    return Trip(trip_id, place, start * 60, place, end * 60)
