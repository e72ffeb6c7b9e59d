"""A seeded fleet and passenger simulator: a feed source like any other.

``simulate_day`` is pure (network, day, seed, parameters in; a ``SimulatedDay``
out); ``files`` writes and reads a day as CSV; ``live.stream`` plays it on a
simulated clock.
"""

from feeds.simulator.day import (
    FleetTooSmall, SimulatedDay, SimulationStats, Vehicle, default_fleet, simulate_day,
)
from feeds.simulator.demand import StopDemand
from feeds.simulator.params import Incident, SimulationParams
from feeds.simulator.running import StopPassage
from feeds.simulator.taps import Journey, RawTap

__all__ = [
    "FleetTooSmall", "Incident", "Journey", "RawTap", "SimulatedDay", "SimulationParams",
    "SimulationStats", "StopDemand", "StopPassage", "Vehicle", "default_fleet",
    "simulate_day",
]
