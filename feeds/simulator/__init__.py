"""A seeded fleet and passenger simulator: a feed source like any other.

``simulate_day`` is pure (network, day, seed, parameters in; a ``SimulatedDay``
out); ``files`` writes and reads a day as CSV; ``live.stream`` plays it on a
simulated clock. ``closed_loop.compare_timetables`` runs a draft timetable and
the live one against the same riders (``service.simulate_service``) and
measures both (``measures.measure_service``).
"""

from feeds.simulator.closed_loop import closed_loop_table, compare_timetables
from feeds.simulator.day import (
    FleetTooSmall, SimulatedDay, SimulationStats, Vehicle, default_fleet, simulate_day,
)
from feeds.simulator.demand import DemandModel, StopDemand, build_demand
from feeds.simulator.measures import ServiceMeasures, TimetableMeasures, measure_service
from feeds.simulator.params import Incident, SimulationParams
from feeds.simulator.running import StopPassage
from feeds.simulator.service import InvalidTimetable, ServiceRun, simulate_service
from feeds.simulator.taps import Journey, RawTap

__all__ = [
    "DemandModel", "FleetTooSmall", "Incident", "InvalidTimetable", "Journey", "RawTap",
    "ServiceMeasures", "ServiceRun", "SimulatedDay", "SimulationParams", "SimulationStats",
    "StopDemand", "StopPassage", "TimetableMeasures", "Vehicle", "build_demand",
    "closed_loop_table", "compare_timetables", "default_fleet", "measure_service",
    "simulate_day", "simulate_service",
]
