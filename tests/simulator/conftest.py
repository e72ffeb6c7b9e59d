from __future__ import annotations

import pytest

from feeds.simulator import SimulatedDay, simulate_day
from tests.simulator.helpers import WEEKDAY, make_network
from transit.model.network import Network


@pytest.fixture(scope="module")
def network() -> Network:
    return make_network()


@pytest.fixture(scope="module")
def day(network: Network) -> SimulatedDay:
    return simulate_day(network, WEEKDAY, seed=7)
