"""The alighting stop of each boarding, by trip chaining.

Riders tap on boarding only. The same card's next boarding that day shows
where the rider went: the stop of the earlier trip, after its boarding stop,
closest to the next boarding's stop, if within walking distance (``walk_m``)
and reached by the bus before that next boarding (``alight_before_next_s`` of
slack); with a ``ride_penalty``, the one of least walk plus penalty times the
metres ridden instead (a generalised cost, off by default). A day's last trip
chains to its first boarding: riders go home. A card with one trip that day,
and a chain that finds no such stop, are counted by reason and never guessed.
Several taps of one card on one trip (a rider paying for companions) are one
party: each chains past the others to the next trip.

Days are service days (the boarding trip's), so a ride home after midnight
still chains to that morning.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from transit.flow.boarding import Boarding
from transit.flow.dwells import Dwell, TripKey
from transit.flow.params import FlowParams
from transit.flow.walk import StopPlane
from transit.model.network import Network, Pattern


class ChainFailure(enum.StrEnum):
    """Why a placed boarding has no alighting stop."""

    SINGLE_TRIP = "single_trip"  # the card rode one trip that day
    TOO_FAR = "too_far"  # no later stop of the trip within walking distance of the next boarding
    TOO_LATE = "too_late"  # the stops within walking distance come after the next boarding


@dataclass(frozen=True, slots=True)
class Alighting:
    """Where the rider of one tap got off."""

    tap_id: str
    stop_index: int  # in the boarding trip's pattern
    stop_sequence: int
    stop_id: str
    time: float | None  # the bus's arrival there (tracked or interpolated); None: unknown
    walk_m: float  # from here to the stop of the boarding that anchored it
    to_first: bool  # anchored by the day's first boarding (the day's last trip)


@dataclass(frozen=True)
class Chains:
    alightings: Mapping[str, Alighting]  # by tap_id
    failures: Mapping[str, ChainFailure]  # by tap_id


def chain_boardings(boardings: Sequence[Boarding], network: Network, plane: StopPlane,
                    trips: Mapping[TripKey, tuple[Dwell | None, ...]],
                    params: FlowParams = FlowParams()) -> Chains:
    """The alighting stop, or why there is none, of every boarding."""
    days: dict[tuple[str, date], list[Boarding]] = {}
    for boarding in boardings:
        days.setdefault((boarding.account_hash, boarding.service_date), []).append(boarding)
    walks = _Walks(network, plane, params.walk_m)
    alightings: dict[str, Alighting] = {}
    failures: dict[str, ChainFailure] = {}
    for day in days.values():
        day.sort(key=lambda b: (b.time, b.tap_id))
        for i, boarding in enumerate(day):
            anchor = _anchor(day, i)
            if anchor is None:
                failures[boarding.tap_id] = ChainFailure.SINGLE_TRIP
                continue
            found = _alight(boarding, anchor[0], anchor[1], walks,
                            trips.get((boarding.service_date, boarding.trip_id), ()), params)
            if isinstance(found, Alighting):
                alightings[boarding.tap_id] = found
            else:
                failures[boarding.tap_id] = found
    return Chains(alightings, failures)


class _Walks:
    """The stops of a pattern within walking distance of a stop, nearest first,
    as (index in the pattern, metres); computed once per pair."""

    def __init__(self, network: Network, plane: StopPlane, walk_m: float) -> None:
        self._network = network
        self._plane = plane
        self._walk_m = walk_m
        self._near: dict[tuple[str, str], tuple[tuple[int, float], ...]] = {}

    def near(self, pattern_id: str, stop_id: str) -> tuple[tuple[int, float], ...]:
        key = (pattern_id, stop_id)
        if key not in self._near:
            stops = self._network.patterns[pattern_id].stop_ids
            metres = self._plane.distances_m(stops, stop_id)
            order = np.argsort(metres, kind="stable").tolist()
            self._near[key] = tuple((i, round(float(metres[i]), 1)) for i in order
                                    if metres[i] <= self._walk_m)
        return self._near[key]

    def pattern(self, pattern_id: str) -> Pattern:
        return self._network.patterns[pattern_id]


def _anchor(day: Sequence[Boarding], i: int) -> tuple[Boarding, bool] | None:
    """The boarding that tells where ``day[i]``'s rider went, and whether it is
    the day's first (wrapping round); None when every tap is on one trip."""
    trip = (day[i].service_date, day[i].trip_id)
    for k in range(i + 1, len(day)):
        if (day[k].service_date, day[k].trip_id) != trip:
            return day[k], False
    for k in range(i):
        if (day[k].service_date, day[k].trip_id) != trip:
            return day[k], True
    return None


def _alight(boarding: Boarding, anchor: Boarding, to_first: bool, walks: _Walks,
            dwells: Sequence[Dwell | None], params: FlowParams) -> Alighting | ChainFailure:
    """The later stop of ``boarding``'s trip the bus reached in time with the
    least generalised cost (walk to ``anchor``'s stop plus ``ride_penalty`` per
    metre ridden; the closest one at 0), if one is within walking distance."""
    pattern = walks.pattern(boarding.pattern_id)
    failure = ChainFailure.TOO_FAR
    best: tuple[float, int, float, float | None] | None = None  # cost, index, metres, arrival
    for index, metres in walks.near(boarding.pattern_id, anchor.stop_id):
        if index <= boarding.stop_index:
            continue
        dwell = dwells[index] if index < len(dwells) else None
        arrival = dwell.start if dwell is not None else None
        if not to_first and arrival is not None and (
                arrival > anchor.time + params.alight_before_next_s):
            failure = ChainFailure.TOO_LATE
            continue
        cost = metres + params.ride_penalty * (pattern.stop_dists[index]
                                               - pattern.stop_dists[boarding.stop_index])
        if best is None or cost < best[0]:  # ties: the nearer stop (``near``'s order)
            best = (cost, index, metres, arrival)
        if params.ride_penalty == 0.0:
            break  # nearest first: the first candidate is the cheapest
    if best is None:
        return failure
    _, index, metres, arrival = best
    return Alighting(boarding.tap_id, index, pattern.sequence_at(index),
                     pattern.stop_ids[index], arrival, metres, to_first)
