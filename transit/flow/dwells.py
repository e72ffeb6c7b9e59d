"""When each bus stood at each stop: dwell windows from the tracker's stop events.

A tap is stamped by the bus's reader while riders board, that is while the bus
stands at a stop: between the stop event's arrival and departure. A trip's
first stop has no arrival (the bus waits there on layover, riders boarding), so
its window opens ``first_stop_boarding_s`` before departure, and no earlier than
the bus's previous dwell. Nobody boards at a trip's last stop. A stop the
tracker missed gets a point window interpolated by distance between the stops
around it, flagged, so a tap there is still placed, with less confidence.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from transit.flow.params import FlowParams
from transit.model.network import Network, Pattern
from transit.records import StopEvent

TripKey = tuple[date, str]  # (service date, trip id)


@dataclass(frozen=True, slots=True)
class Dwell:
    """One bus at one stop of one trip, from ``start`` to ``end`` (Unix s)."""

    service_date: date
    trip_id: str
    pattern_id: str
    stop_index: int  # in the pattern, from 0
    stop_sequence: int  # GTFS's
    stop_id: str
    start: float
    end: float
    observed: bool  # False: the tracker missed this stop; the time is interpolated
    boarding: bool  # riders can board here: any stop but the trip's last


@dataclass(frozen=True)
class Timeline:
    """The dwells of one vehicle where riders can board, in time order."""

    vehicle_id: str
    dwells: tuple[Dwell, ...]
    starts: np.ndarray
    ends: np.ndarray


@dataclass(frozen=True)
class DayDwells:
    """Boarding timelines by vehicle, and every trip's dwells by stop index
    (None where the trip's stop has no time at all)."""

    timelines: Mapping[str, Timeline]
    trips: Mapping[TripKey, tuple[Dwell | None, ...]]


def list_dwells(network: Network, events: Iterable[StopEvent],
                params: FlowParams = FlowParams()) -> DayDwells:
    """The dwells of the stop events' trips. Events of trips the network does
    not know are left out; a trip's vehicle is the one most of its events name."""
    by_trip: dict[TripKey, list[StopEvent]] = {}
    for event in events:
        by_trip.setdefault((event.service_date, event.trip_id), []).append(event)
    trips: dict[TripKey, tuple[Dwell | None, ...]] = {}
    by_vehicle: dict[str, list[Dwell]] = {}
    for key, trip_events in by_trip.items():
        trip = network.trips.get(key[1])
        if trip is None:
            continue
        pattern = network.patterns[trip.pattern_id]
        dwells = _trip_dwells(key, pattern, trip_events, params)
        trips[key] = dwells
        vehicle = Counter(e.vehicle_id for e in trip_events).most_common(1)[0][0]
        by_vehicle.setdefault(vehicle, []).extend(d for d in dwells if d is not None)
    timelines = {v: _timeline(v, dwells) for v, dwells in by_vehicle.items()}
    return DayDwells(timelines, trips)


def _trip_dwells(key: TripKey, pattern: Pattern, events: Sequence[StopEvent],
                 params: FlowParams) -> tuple[Dwell | None, ...]:
    """One trip's dwells by stop index; None where no time can be had."""
    count = len(pattern.stop_ids)
    index_of = {pattern.sequence_at(i): i for i in range(count)}
    arrival: list[float | None] = [None] * count
    departure: list[float | None] = [None] * count
    for event in events:
        i = index_of.get(event.stop_sequence)
        if i is not None:
            arrival[i], departure[i] = event.arrival, event.departure
    # A trip is at its first stop when it leaves it, at its last when it arrives.
    departure[-1] = arrival[-1]
    arrival[0] = departure[0]
    known = [i for i in range(count) if arrival[i] is not None or departure[i] is not None]
    at = [_instant(arrival[i], departure[i]) for i in known]
    if departure[0] is not None:
        # The bus comes off layover at its first stop: riders board in the
        # minutes before it leaves (clipped to its previous trip in ``_timeline``).
        arrival[0] = departure[0] - params.first_stop_boarding_s
    dwells: list[Dwell | None] = [None] * count
    for i in range(count):
        if arrival[i] is not None or departure[i] is not None:
            start = arrival[i] if arrival[i] is not None else departure[i]
            end = departure[i] if departure[i] is not None else arrival[i]
            observed = True
        elif known and known[0] < i < known[-1]:
            start = end = float(np.interp(pattern.stop_dists[i],
                                          [pattern.stop_dists[k] for k in known], at))
            observed = False
        else:
            continue
        dwells[i] = Dwell(key[0], key[1], pattern.pattern_id, i, pattern.sequence_at(i),
                          pattern.stop_ids[i], float(start), float(end),  # type: ignore[arg-type]
                          observed, i < count - 1)
    return tuple(dwells)


def _instant(arrival: float | None, departure: float | None) -> float:
    """One time standing for a stop passage, for interpolating between stops."""
    if arrival is not None and departure is not None:
        return (arrival + departure) / 2
    return arrival if arrival is not None else departure  # type: ignore[return-value]


def _timeline(vehicle_id: str, dwells: list[Dwell]) -> Timeline:
    """The boarding dwells of one vehicle; a first stop's window starts no
    earlier than the end of the vehicle's dwell before it (its last trip's end)."""
    dwells.sort(key=lambda d: (d.end, d.start))
    boarding: list[Dwell] = []
    previous_end = -np.inf
    for dwell in dwells:
        if dwell.stop_index == 0 and dwell.start < previous_end:
            dwell = replace(dwell, start=min(dwell.end, previous_end))
        previous_end = dwell.end
        if dwell.boarding:
            boarding.append(dwell)
    starts = np.fromiter((d.start for d in boarding), float, len(boarding))
    ends = np.fromiter((d.end for d in boarding), float, len(boarding))
    return Timeline(vehicle_id, tuple(boarding), starts, ends)
