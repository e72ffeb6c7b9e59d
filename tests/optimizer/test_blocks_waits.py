"""The waiting cap (``max_wait_s``), the bounds that do not rely on it (the
waiting-line relaxation), and the merged-depots search for networks too large
for the multi-commodity model."""

from __future__ import annotations

import dataclasses

import pytest

from optimizer.blocks import (
    BlockingInput,
    Code,
    CostRates,
    Depot,
    InvalidBlockingInput,
    Status,
    block_network,
    block_trips,
    depot_split,
    solve,
)
from optimizer.blocks.carpaneto import generate
from optimizer.blocks.connections import build_network
from optimizer.blocks.waiting_lines import all_waits_bound
from tests.optimizer.helpers import RATES, both_ways, seconds, shuttle, trip


def _two_trips_three_hours_apart(max_wait_s: int | None) -> BlockingInput:
    """t1 A -> B, then t2 leaves B three hours later; depot D is 10 minutes (100)
    from both. One vehicle: 10,000 + 100 + 180 (waiting) + 100 = 10,380."""
    return BlockingInput(
        trips=(trip("t1", "A", "08:00", "B", "09:00"), trip("t2", "B", "12:00", "A", "13:00")),
        depots=(Depot("D", 2, "D"),),
        deadheads=tuple(both_ways("A", "B", 20, 200) + both_ways("D", "A", 10, 100)
                        + both_ways("D", "B", 10, 100)),
        costs=RATES, min_layover_s=300, max_wait_s=max_wait_s)


def test_without_a_cap_one_vehicle_waits_three_hours() -> None:
    blocking = block_trips(_two_trips_three_hours_apart(None), seconds())
    assert (blocking.fleet, blocking.cost, blocking.status) == (1, 10_380, Status.OPTIMAL)
    assert blocking.lower_bound_within_cap is None


def test_a_cap_that_binds_is_never_mistaken_for_the_optimum() -> None:
    """Capped at an hour, the search needs two vehicles (20,400); the bounds
    still allow the three-hour wait: one vehicle, 10,380."""
    blocking = block_trips(_two_trips_three_hours_apart(3600), seconds())
    assert (blocking.fleet, blocking.cost) == (2, 20_400)
    assert blocking.status is Status.FEASIBLE
    assert (blocking.lower_bound, blocking.lower_bound_within_cap) == (10_380, 20_400)
    assert (blocking.fleet_bounds.chain, blocking.fleet_bounds.all_waits, blocking.fleet_bounds.best) == (2, 1, 1)


def test_a_cap_that_does_not_bind_keeps_the_proof() -> None:
    capped = dataclasses.replace(shuttle((Depot("D", 5, "D"),)), max_wait_s=3600)
    blocking = block_trips(capped, seconds())
    assert (blocking.cost, blocking.lower_bound, blocking.lower_bound_within_cap) == (20_420, 20_420, 20_420)
    assert blocking.status is Status.OPTIMAL


def test_a_cap_shorter_than_the_layover_is_refused() -> None:
    with pytest.raises(InvalidBlockingInput) as raised:
        block_trips(_two_trips_three_hours_apart(120), seconds())
    assert [p.code for p in raised.value.problems] == [Code.BAD_WAIT_CAP]
    assert "(120 s) is shorter than the minimum layover (300 s)" in str(raised.value)


@pytest.mark.parametrize("seed", range(6))
def test_the_waiting_lines_give_the_full_networks_optimum_with_depots_merged(seed: int) -> None:
    """One depot, no cap: the relaxation is the problem itself, so its bound is
    the min-cost flow's optimum and its fleet the fewest chains; with waits
    priced at 50 an hour (not whole units a minute), the rounding slack keeps
    it at most the optimum."""
    instance = generate(40, 1, seed=seed)
    exact = block_trips(instance, seconds())
    relaxed = all_waits_bound(instance)
    assert (relaxed.fleet, relaxed.cost) == (exact.fleet_bounds.chain, exact.cost)
    odd_prices = dataclasses.replace(instance, costs=CostRates(vehicle=10_000, idle_per_hour=50))
    assert all_waits_bound(odd_prices).cost <= block_trips(odd_prices, seconds()).cost


@pytest.mark.parametrize("seed", range(4))
def test_merged_depots_split_again_stay_between_the_bound_and_the_proven_optimum(
        seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    network = build_network(generate(60, 3, seed=seed))
    optimum = block_network(network, seconds())
    assert optimum.status is Status.OPTIMAL
    monkeypatch.setattr(solve, "LARGE_MODEL_COLUMNS", 0)
    split = block_network(network, seconds())
    assert split.method == "depots merged, then split: min-cost flows"
    assert split.lower_bound <= optimum.cost <= split.cost
    assert split.fleet == optimum.fleet
    assert sorted(t for b in split.blocks for t in b.trip_ids) == sorted(network.trip_ids)
    assert all(count <= depot.capacity for depot in network.depots
               for name, count in split.fleet_by_depot().items() if name == depot.depot_id)
    assert depot_split.model_columns(network) < depot_split.LARGE_MODEL_COLUMNS
