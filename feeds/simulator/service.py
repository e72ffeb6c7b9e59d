"""Run a given timetable against a given demand: the simulator's lean pass for
the closed-loop check of drafted timetables (issue 13).

Unlike ``simulate_day`` it takes the trips and the ``DemandModel`` as they
are, so a draft and the live timetable can face the same riders, and it skips
GPS reports and taps, which the check does not read. Each block's id stands
for its vehicle.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from feeds.simulator.demand import DemandModel
from feeds.simulator.params import SimulationParams
from feeds.simulator.running import TripRun, TripStream, block_key, run_trips
from transit.model.network import Network, Trip
from transit.model.service_days import to_unix

# Tags that keep the trips' streams apart from the measures' (see ``measures``).
RUNNING_STREAM = 0
WAITING_STREAM = 1


class InvalidTimetable(ValueError):
    """A trip the simulator cannot run: ``reason`` says what is wrong with it."""

    def __init__(self, trip_id: str, reason: str) -> None:
        super().__init__(f"trip {trip_id}: {reason}")
        self.trip_id = trip_id
        self.reason = reason


@dataclass(frozen=True)
class ServiceRun:
    """How a timetable ran on one service day."""

    service_date: date
    origin: float  # Unix seconds of the service day's 00:00, for the demand's clock
    runs: tuple[TripRun, ...]  # in the order they ran: scheduled departure, then trip_id
    stranded: int  # riders still waiting when the day's last buses had gone


def pattern_key(pattern_id: str) -> int:
    """A stable number for a pattern, to key its random streams (``hash`` of a
    string changes from one process to the next)."""
    return zlib.crc32(pattern_id.encode())


def trip_stream(seed: int) -> TripStream:
    """Each trip its own stream, keyed by its pattern and scheduled departure:
    a trip at the same time in two timetables draws the same running and riders
    as long as it finds the same, and one line's trips never shift another's."""
    def stream(trip: Trip) -> np.random.Generator:
        return np.random.default_rng([seed, RUNNING_STREAM, pattern_key(trip.pattern_id), trip.start])

    return stream


def simulate_service(
    network: Network,
    service_date: date,
    trips: Sequence[Trip],
    demand: DemandModel,
    params: SimulationParams = SimulationParams(),
    *,
    seed: int,
) -> ServiceRun:
    """Run ``trips`` on ``service_date`` with the riders of ``demand``. Pure:
    the same inputs give the same run. Raises ``InvalidTimetable`` for a trip
    on an unknown pattern or one the demand does not cover, a trip whose times
    do not match its pattern's stops, or a trip_id given twice."""
    if seed < 0:
        raise ValueError(f"seed must be 0 or more, got {seed}")
    order = sorted(trips, key=lambda t: (t.start, t.trip_id))
    _check_trips(network, demand, order)
    blocks = {block_key(t): block_key(t) for t in order}
    runs, stranded = run_trips(network, service_date, order, blocks, demand, params,
                               trip_stream(seed))
    return ServiceRun(service_date, float(to_unix(service_date, 0, network.timezone)),
                      tuple(runs), stranded)


def _check_trips(network: Network, demand: DemandModel, trips: Sequence[Trip]) -> None:
    seen: set[str] = set()
    for trip in trips:
        if trip.trip_id in seen:
            raise InvalidTimetable(trip.trip_id, "given twice")
        seen.add(trip.trip_id)
        pattern = network.patterns.get(trip.pattern_id)
        if pattern is None:
            raise InvalidTimetable(trip.trip_id, f"pattern {trip.pattern_id} is not in the network")
        if trip.pattern_id not in demand.patterns:
            raise InvalidTimetable(
                trip.trip_id, f"pattern {trip.pattern_id} has no riders in the demand model "
                "(the demand is built from the live timetable: a pattern it never runs has none)")
        stops = len(pattern.stop_ids)
        if len(trip.arrivals) != stops or len(trip.departures) != stops:
            raise InvalidTimetable(
                trip.trip_id, f"{len(trip.departures)} stop times for the {stops} stops "
                f"of pattern {trip.pattern_id}")
