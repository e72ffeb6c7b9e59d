"""The recovery a bus takes at a terminal before its block's next trip, learned.

A next trip is predicted to leave at its timetable time, or, when its bus
arrives too late for that, a recovery after the arrival. What that recovery is
differs by operator and terminal (Kaohsiung's buses often turn within a
minute; a simulated operator holds three), so it is learned from the
turnarounds seen: for each pair of consecutive trips a vehicle ran, how late
it arrived against the next trip's start, and how late it left. The recovery
chosen is the one that would have predicted those departures best (least
absolute error of ``max(start, arrival + recovery)``), per terminal, else over
all terminals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from transit.model.network import Network
from transit.model.service_days import active_service_ids, block_trips_on, service_day_origin
from transit.records import StopEvent

RECOVERY_GRID_S = tuple(float(s) for s in range(0, 901, 15))
MIN_TURNAROUNDS = 10  # per terminal; fewer fall back to all terminals
KEEP_TURNAROUNDS = 400  # per terminal, the latest: a bounded, current sample
# A pair further apart than this is not a turnaround (a bus parked between
# trips, or a missed trip between them): it says nothing about recovery.
MAX_TURNAROUND_S = 5400.0
POOLED = ""


@dataclass(frozen=True, slots=True)
class Turnaround:
    arrived: float  # arrival at the previous trip's last stop, seconds after the next trip's start
    left: float  # departure from the next trip's first stop, seconds after its start


def turnarounds(network: Network, events: Iterable[StopEvent]) -> dict[str, list[Turnaround]]:
    """Turnarounds per terminal (the next trip's first stop) in ``events``:
    a vehicle's arrival at the end of a trip and its departure on the trip
    that follows it in its block that day."""
    arrivals: dict[tuple[date, str, str], float] = {}  # (day, vehicle, trip) -> arrival at its last stop
    departures: list[tuple[date, str, str, float]] = []  # (day, vehicle, trip, departure from its first stop)
    for event in events:
        trip = network.trips.get(event.trip_id)
        if trip is None:
            continue
        pattern = network.patterns[trip.pattern_id]
        if event.stop_sequence == pattern.sequence_at(0) and event.departure is not None:
            departures.append((event.service_date, event.vehicle_id, event.trip_id, event.departure))
        elif event.stop_sequence == pattern.sequence_at(len(pattern.stop_ids) - 1) and event.arrival is not None:
            arrivals[(event.service_date, event.vehicle_id, event.trip_id)] = event.arrival
    services: dict[date, frozenset[str]] = {}
    origins: dict[date, float] = {}
    found: dict[str, list[Turnaround]] = defaultdict(list)
    for day, vehicle, trip_id, left in departures:
        trip = network.trips[trip_id]
        if day not in services:
            services[day] = active_service_ids(network, day)
            origins[day] = service_day_origin(day, network.timezone).timestamp()
        block = block_trips_on(network, trip.block_id, services[day])
        position = block.index(trip_id) if trip_id in block else 0
        arrived = arrivals.get((day, vehicle, block[position - 1])) if position > 0 else None
        if arrived is None or not 0.0 <= left - arrived <= MAX_TURNAROUND_S:
            continue
        start = origins[day] + trip.start
        stop_id = network.patterns[trip.pattern_id].stop_ids[0]
        found[stop_id].append(Turnaround(arrived - start, left - start))
    return found


def merged(previous: Mapping[str, Sequence[Turnaround]],
           more: Mapping[str, Sequence[Turnaround]]) -> dict[str, tuple[Turnaround, ...]]:
    """Per terminal, the latest ``KEEP_TURNAROUNDS`` of both, in order."""
    keys = set(previous) | set(more)
    return {k: (*previous.get(k, ()), *more.get(k, ()))[-KEEP_TURNAROUNDS:] for k in keys}


def best_recovery(samples: Sequence[Turnaround]) -> float:
    """The recovery on ``RECOVERY_GRID_S`` whose predicted departures
    ``max(0, arrived + recovery)`` miss the observed ones least (ties: the
    shortest)."""
    arrived = np.fromiter((s.arrived for s in samples), dtype=float, count=len(samples))
    left = np.fromiter((s.left for s in samples), dtype=float, count=len(samples))
    grid = np.asarray(RECOVERY_GRID_S)
    predicted = np.maximum(0.0, arrived[None, :] + grid[:, None])
    errors = np.abs(predicted - left[None, :]).sum(axis=1)
    return float(grid[int(np.argmin(errors))])


def recoveries(samples: Mapping[str, Sequence[Turnaround]]) -> dict[str, float]:
    """The learned recovery per terminal with enough turnarounds, and over all
    terminals under ``POOLED`` when there are enough in all."""
    learned = {stop_id: best_recovery(s) for stop_id, s in samples.items() if len(s) >= MIN_TURNAROUNDS}
    pooled = [t for s in samples.values() for t in s]
    if len(pooled) >= MIN_TURNAROUNDS:
        learned[POOLED] = best_recovery(pooled)
    return learned
