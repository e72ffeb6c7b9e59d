"""Blocking on instances whose optimum is known by construction or by enumeration."""

from __future__ import annotations

import random
from dataclasses import replace
from itertools import pairwise

import pytest

from optimizer.blocks import (
    Deadline,
    Depot,
    InvalidBlockingInput,
    Status,
    block_network,
    block_trips,
)
from optimizer.blocks.carpaneto import generate
from optimizer.blocks.inputs import Interlining
from tests.optimizer.helpers import network, seconds, shuttle


def test_one_depot_is_a_min_cost_flow_with_the_known_optimum() -> None:
    blocking = block_trips(shuttle((Depot("D", 5, "D"),)), seconds())
    assert blocking.method == "min-cost flow"
    assert (blocking.cost, blocking.lower_bound, blocking.status) == (20_420, 20_420, Status.OPTIMAL)
    assert sorted(b.trip_ids for b in blocking.blocks) == [("t1", "t2"), ("t3", "t4")]
    assert blocking.fleet_bounds.chain == 2
    assert blocking.fleet_bounds.deficit is not None
    assert blocking.fleet_bounds.deficit.peak == 2
    assert blocking.fleet_bounds.deficit.without_deadheads == 2


def test_two_depots_give_the_same_optimum_when_the_near_one_holds_enough() -> None:
    blocking = block_trips(shuttle((Depot("D", 2, "D"), Depot("E", 2, "E"))), seconds())
    assert (blocking.cost, blocking.status, blocking.fleet_by_depot()) == (20_420, Status.OPTIMAL, {"D": 2})
    assert blocking.lp_bound == pytest.approx(20_420)


def test_a_full_near_depot_sends_the_second_vehicle_from_the_far_one() -> None:
    # D's block: 10,000 + 100 + 10 + 100; E's block: 10,000 + 300 + 10 + 300.
    blocking = block_trips(shuttle((Depot("D", 1, "D"), Depot("E", 3, "E"))), seconds())
    assert (blocking.cost, blocking.status) == (20_820, Status.OPTIMAL)
    assert blocking.fleet_by_depot() == {"D": 1, "E": 1}
    assert sum(b.cost for b in blocking.blocks) == blocking.cost


def test_every_block_pulls_in_where_it_pulled_out_and_trips_follow_each_other() -> None:
    blocking = block_trips(generate(60, 3, seed=5), seconds())
    instance = generate(60, 3, seed=5)
    trips = {t.trip_id: t for t in instance.trips}
    assert blocking.status is Status.OPTIMAL
    assert sorted(t for b in blocking.blocks for t in b.trip_ids) == sorted(trips)
    for block in blocking.blocks:
        for before, after in pairwise(block.trip_ids):
            assert trips[before].end_s <= trips[after].start_s
    assert blocking.fleet >= blocking.fleet_bounds.chain >= blocking.fleet_bounds.deficit.peak  # type: ignore[union-attr]
    assert blocking.baseline_cost is not None and blocking.baseline_cost >= blocking.cost


def _enumerate(pull_out: list[list[int]], pull_in: list[list[int]], connections: dict[tuple[int, int], int],
               capacities: list[int]) -> int | None:
    """The cheapest blocking by trying every one (trips are in running order)."""
    n, best = len(pull_in), [None]

    def extend(trip: int, chains: list[tuple[int, int]], left: list[int], cost: int) -> None:
        if trip == n:
            total = cost + sum(pull_in[last][depot] for depot, last in chains)
            best[0] = total if best[0] is None or total < best[0] else best[0]
            return
        for k, (depot, last) in enumerate(chains):
            if (last, trip) in connections:
                extend(trip + 1, [*chains[:k], (depot, trip), *chains[k + 1:]], left,
                       cost + connections[last, trip])
        for depot, vehicles in enumerate(left):
            if vehicles:
                extend(trip + 1, [*chains, (depot, trip)],
                       [*left[:depot], vehicles - 1, *left[depot + 1:]], cost + pull_out[depot][trip])

    extend(0, [], capacities, 0)
    return best[0]


@pytest.mark.parametrize("seed", range(25))
def test_multi_depot_matches_enumeration_on_small_random_networks(seed: int) -> None:
    rng = random.Random(seed)
    n, m = 7, 2
    capacities = [rng.randint(1, 3) for _ in range(m)]
    pull_out = [[rng.randint(500, 600) for _ in range(n)] for _ in range(m)]
    pull_in = [[rng.randint(500, 600) for _ in range(m)] for _ in range(n)]
    connections = {(i, j): rng.randint(0, 80)
                   for i in range(n) for j in range(i + 1, n) if rng.random() < 0.4}
    expected = _enumerate(pull_out, pull_in, connections, capacities)
    instance = network(pull_out, pull_in, [(i, j, c) for (i, j), c in connections.items()], capacities)
    if expected is None:
        with pytest.raises(InvalidBlockingInput):
            block_network(instance, seconds())
        return
    blocking = block_network(instance, seconds())
    assert (blocking.cost, blocking.lower_bound, blocking.status) == (expected, expected, Status.OPTIMAL)


def test_a_passed_deadline_returns_the_greedy_blocking_with_a_bound() -> None:
    instance = shuttle((Depot("D", 2, "D"), Depot("E", 2, "E")))
    blocking = block_trips(instance, Deadline(clock=lambda: 100.0, at=0.0))
    assert blocking.status is Status.FEASIBLE
    assert blocking.cost == blocking.baseline_cost
    assert blocking.lp_bound is None
    assert 0 < blocking.lower_bound <= blocking.cost


@pytest.mark.parametrize(("rule", "fleet"), [
    (Interlining.ANY, 2), (Interlining.SHARED_TERMINAL, 2), (Interlining.NONE, 3)])
def test_interlining_rules_decide_whether_a_bus_may_change_line(rule: Interlining, fleet: int) -> None:
    # t1 and t4 run line X, t2 and t3 line Y. The cheapest chains change line at B
    # (t1 -> t2, t3 -> t4, no deadhead); kept to its line, t1 can only wait for t4,
    # and t3 cannot reach t2: a third vehicle.
    lines = {"t1": "X", "t2": "Y", "t3": "Y", "t4": "X"}
    base = shuttle((Depot("D", 5, "D"),))
    trips = tuple(replace(t, line=lines[t.trip_id]) for t in base.trips)
    blocking = block_trips(replace(base, trips=trips, interlining=rule), seconds())
    assert blocking.status is Status.OPTIMAL and len(blocking.blocks) == fleet
    if rule is Interlining.NONE:
        assert all(len({lines[t] for t in b.trip_ids}) == 1 for b in blocking.blocks)
        assert sorted(b.trip_ids for b in blocking.blocks) == [("t1", "t4"), ("t2",), ("t3",)]


def test_vehicle_types_keep_each_block_to_its_depots_type() -> None:
    # t1 -> t2 and t3 -> t4 are the cheap chains, but t2 needs an articulated bus:
    # t1 can only wait for t4, and the depot's two types each send out what they run.
    types = {"t1": "std", "t2": "art", "t3": "art", "t4": "std"}
    base = shuttle((Depot("D", 5, "D"),))
    trips = tuple(replace(t, vehicle_type=types[t.trip_id]) for t in base.trips)
    depots = (Depot("D-std", 5, "D", "std"), Depot("D-art", 5, "D", "art"))
    blocking = block_trips(replace(base, trips=trips, depots=depots), seconds())
    assert blocking.status is Status.OPTIMAL
    assert sorted(b.trip_ids for b in blocking.blocks) == [("t1", "t4"), ("t2",), ("t3",)]
    by_depot = {b.trip_ids: b.depot_id for b in blocking.blocks}
    assert by_depot == {("t1", "t4"): "D-std", ("t2",): "D-art", ("t3",): "D-art"}


def test_a_trip_without_a_type_among_typed_ones_is_refused_by_name() -> None:
    base = shuttle((Depot("D-std", 5, "D", "std"),))
    trips = tuple(replace(t, vehicle_type=None if t.trip_id == "t3" else "std") for t in base.trips)
    with pytest.raises(InvalidBlockingInput) as error:
        block_trips(replace(base, trips=trips), seconds())
    assert "trip t3" in str(error.value) and "give every trip and depot a type" in str(error.value)
