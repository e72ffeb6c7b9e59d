"""What a planner sets for the departure model: the objective's weights, the fleet, the search.

The objective is in passenger-minute equivalents: a minute of one passenger's
wait costs 1. The defaults value an operating hour (about 150 yuan of driver,
energy and wear) at 300 such minutes (waiting time at about 0.5 yuan a
minute), a passenger over the desired load at 2 minutes and one over capacity
(likely left behind for a full headway) at 20.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Weights:
    """Weights of the four objective terms, in passenger-minute equivalents."""

    wait_per_passenger_min: float = 1.0  # riders arrive evenly: a gap g costs rate * g^2 / 2
    over_desired_per_passenger: float = 2.0  # each passenger above d0 at the peak-load point
    over_capacity_per_passenger: float = 20.0  # each passenger above the vehicle capacity
    headway_change_per_min: float = 1.0  # |gap - previous gap|: even headways, smooth transitions
    vehicle_hour: float = 300.0  # each trip costs its trip time


@dataclass(frozen=True, slots=True)
class FleetLimit:
    """At most ``vehicles`` departures in any window of one ``cycle_s``.

    ``cycle_s``: the time a vehicle needs to come back to this terminal (trip
    there and back plus the layovers at both ends)."""

    vehicles: int
    cycle_s: int


@dataclass(frozen=True, slots=True)
class Search:
    """How the CP-SAT search runs.

    ``trip_slack``: the model may run this many trips more or fewer than the
    fleet-capped even-headway construction, and each departure stays within
    ``trip_slack`` departures (plus one maximum headway) of that construction's;
    the bound is proven within that neighbourhood."""

    grid_s: int = 60
    time_limit_s: float = 0.25
    trip_slack: int = 3
    workers: int = 1
    max_trips: int | None = None  # the operator's budget of trips for the direction and day
