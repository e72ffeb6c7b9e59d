"""The MDVSP benchmark: shared instances solved to their proven optima."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds.mdvsp.files import read_bounds, read_instance_text
from optimizer.blocks import Status, block_network, parse_mdvsp
from tests.optimizer.helpers import seconds

MDVSP = Path("/work/shared/data/mdvsp-small")


def _instance(name: str) -> str:
    if not MDVSP.is_dir():
        pytest.skip(f"MDVSP benchmark instances not found at {MDVSP} (shared data folder absent)")
    return read_instance_text(MDVSP / f"{name}.zip")


# An LP that is already integral, a 3-depot one needing integer solves, and the
# hardest of the 36 (the widest LP gap: 49 units).
@pytest.mark.parametrize("name", ["n50m2s0", "n100m3s0", "n150m4s3"])
def test_shared_instances_are_solved_to_their_proven_optimum(name: str) -> None:
    blocking = block_network(parse_mdvsp(_instance(name)), seconds(60))
    lower, upper = read_bounds(MDVSP / "bounds.txt")[name]
    assert lower == upper
    assert blocking.status is Status.OPTIMAL
    assert blocking.cost == blocking.lower_bound == upper
    assert blocking.lp_bound is not None and blocking.lp_bound <= blocking.cost
    assert blocking.fleet >= blocking.fleet_bounds.chain


def test_the_reader_keeps_the_instance_shape() -> None:
    network = parse_mdvsp(_instance("n50m3s1"))
    assert (network.trip_count, network.depot_count) == (50, 3)
    assert [d.capacity for d in network.depots] == [8, 8, 8]
