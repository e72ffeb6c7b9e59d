"""The figures an operator compares blockings by, measured the same way for the
engine's blocks and for the blocks a schedule already has (its GTFS block_id):
fleet, vehicles out at the peak per depot, deadhead kilometres and their share,
idle time, and the cost under the same prices."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from feeds.schedules.blocking import ScheduleProblem
from feeds.schedules.terminals import Place, straight_m
from optimizer.blocks import Blocking


@dataclass(frozen=True, slots=True)
class VehicleBlock:
    """One vehicle's day: out of its depot, its trips in order, back."""

    block_id: str
    depot: str
    trip_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BlockKpis:
    fleet: int
    peak_by_depot: tuple[tuple[str, int], ...]  # most vehicles out at once, per depot
    deadhead_km: float  # pull-outs, moves between trips, pull-ins
    revenue_km: float
    idle_s: int  # standing between trips, layovers included
    cost_fen: int
    too_short: int  # moves that break the layover rule (possible in an existing blocking)

    @property
    def deadhead_share(self) -> float:
        """Deadhead kilometres over all kilometres driven."""
        driven = self.deadhead_km + self.revenue_km
        return self.deadhead_km / driven if driven else 0.0


def engine_blocks(blocking: Blocking, label: str) -> list[VehicleBlock]:
    """The engine's blocks, named ``<depot>-<label>-<n>`` in running order per depot."""
    named: list[VehicleBlock] = []
    count: defaultdict[str, int] = defaultdict(int)
    for block in blocking.blocks:
        count[block.depot_id] += 1
        named.append(VehicleBlock(f"{block.depot_id}-{label}-{count[block.depot_id]:03d}",
                                  block.depot_id, block.trip_ids))
    return named


def existing_blocks(problem: ScheduleProblem) -> list[VehicleBlock]:
    """The day's trips grouped by their GTFS block_id (a trip without one is a
    vehicle of its own), each block from the depot cheapest for it; the depots'
    capacities are not applied, the peaks per depot show what they would need."""
    members: dict[str, list[str]] = defaultdict(list)
    for trip in sorted(problem.trips.values(), key=lambda t: (t.start, t.trip_id)):
        members[trip.block_id or trip.trip_id].append(trip.trip_id)
    return [VehicleBlock(block_id, _cheapest_depot(problem, trips), tuple(trips))
            for block_id, trips in sorted(members.items())]


def measure(problem: ScheduleProblem, blocks: Iterable[VehicleBlock]) -> BlockKpis:
    rates, params = problem.blocking_input.costs, problem.params
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    fleet, deadhead_m, revenue_km, idle_s, cost, too_short = 0, 0.0, 0.0, 0, 0, 0
    for block in blocks:
        depot = problem.depots[block.depot]
        first, last = block.trip_ids[0], block.trip_ids[-1]
        out_m, back_m = straight_m(depot, problem.start_place(first)), straight_m(problem.end_place(last), depot)
        spans[block.depot].append((problem.trips[first].start - params.drive_s(out_m),
                                   problem.trips[last].end + params.drive_s(back_m)))
        fleet += 1
        deadhead_m += out_m + back_m
        cost += rates.vehicle + params.deadhead_fen(out_m) + params.deadhead_fen(back_m)
        for before, after in pairwise(block.trip_ids):
            move_m = straight_m(problem.end_place(before), problem.start_place(after))
            wait_s = problem.trips[after].start - problem.trips[before].end - params.drive_s(move_m)
            too_short += wait_s < params.min_layover_s
            deadhead_m += move_m
            idle_s += max(wait_s, 0)
            cost += params.deadhead_fen(move_m) + rates.idle_cost(max(wait_s, 0))
        revenue_km += sum(problem.trip_km(t) for t in block.trip_ids)
    peaks = tuple((depot, _most_at_once(spans[depot])) for depot in sorted(spans))
    return BlockKpis(fleet, peaks, params.road_km(deadhead_m), revenue_km, idle_s, cost, too_short)


def _cheapest_depot(problem: ScheduleProblem, trips: list[str]) -> str:
    start, end = problem.start_place(trips[0]), problem.end_place(trips[-1])

    def price(depot: Place) -> float:
        return straight_m(depot, start) + straight_m(end, depot)

    return min(problem.depots.values(), key=lambda depot: (price(depot), depot.name)).name


def _most_at_once(spans: list[tuple[int, int]]) -> int:
    """Most intervals open at one instant; one ending as another starts is not overlap."""
    events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    out = highest = 0
    for _, change in events:
        out += change
        highest = max(highest, out)
    return highest
