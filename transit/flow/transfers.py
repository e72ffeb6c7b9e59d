"""Transfers between lines, and journeys made of linked legs, from chained taps.

A card's leg is one trip it rode (several taps of the card on one trip, a rider
paying for companions, are one leg: transfers and journeys count cards). A leg
is followed by a transfer when all of these hold:

- its alighting stop was inferred (else nobody knows where or when it ended);
- the card's next leg, the same service day, is on another line (route);
- that next boarding is at most ``FlowParams.transfer_window_s`` (30 min)
  after the bus reached the alighting stop, and within ``FlowParams.walk_m`` of
  it (chaining guarantees the walk: the next boarding anchored the alighting).

So these are not transfers: the same line twice (a rider who got off and took
the next bus of the line, or rode back), a return trip or any ride more than
the window later (an activity between), a leg whose alighting stop is unknown,
and a ride of the next service day however soon. The wait is from the bus's
arrival at the alighting stop (tracked, else scheduled) to the next tap, taken
as 0 when the tap comes first (clock and tracking slack, as chaining allows).

A journey is a run of legs linked by transfers: a card riding A, then B
within the window, then A home in the evening made two journeys of 2 and 1 legs.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from transit.flow.boarding import Boarding
from transit.flow.chaining import Alighting
from transit.flow.params import FlowParams
from transit.model.network import Network
from transit.model.service_days import to_unix

# (service_date, from route, to route, alighting stop, next boarding stop)
TransferKey = tuple[date, str, str, str, str]


@dataclass(frozen=True, slots=True)
class TransferFlow:
    """Cards changing from one line to another between two stops, that day."""

    service_date: date
    from_route_id: str
    to_route_id: str
    from_stop_id: str  # where they got off
    to_stop_id: str  # where they boarded next
    walk_m: float  # straight line between the two stops
    transfers: int  # cards
    mean_wait_s: float
    median_wait_s: float


@dataclass(frozen=True, slots=True)
class Transfer:
    """One card changing lines: off ``from_trip_id`` at ``from_stop_id`` when the
    bus got there (``arrival``, unix seconds), onto ``to_trip_id`` at ``to_stop_id``."""

    service_date: date
    from_trip_id: str
    to_trip_id: str
    from_stop_id: str
    to_stop_id: str
    arrival: float
    walk_m: float
    wait_s: float


@dataclass(frozen=True, slots=True)
class JourneyCounts:
    """A day's legs (a card's trips) linked into journeys."""

    service_date: date
    legs: int
    journeys: int
    by_legs: Mapping[int, int]  # journeys by their number of legs

    @property
    def transfers(self) -> int:
        return self.legs - self.journeys

    @property
    def legs_per_journey(self) -> float:
        return self.legs / self.journeys if self.journeys else 0.0


@dataclass(frozen=True)
class Transfers:
    flows: tuple[TransferFlow, ...]  # by key
    journeys: tuple[JourneyCounts, ...]  # by service day


def infer_transfers(network: Network, boardings: Sequence[Boarding],
                    alightings: Mapping[str, Alighting],
                    params: FlowParams = FlowParams()) -> Transfers:
    """The transfers and journeys of ``boardings``' cards, by the rules above."""
    waits: dict[TransferKey, list[float]] = {}
    walks: dict[TransferKey, float] = {}
    journeys: dict[date, Counter[int]] = {}
    for service_date, links in _card_days(network, boardings, alightings, params):
        run = 1
        for link in links:
            if link is None:
                journeys.setdefault(service_date, Counter())[run] += 1
                run = 1
                continue
            key = (link.service_date, network.trips[link.from_trip_id].route_id,
                   network.trips[link.to_trip_id].route_id, link.from_stop_id, link.to_stop_id)
            waits.setdefault(key, []).append(link.wait_s)
            walks[key] = link.walk_m
            run += 1
        journeys.setdefault(service_date, Counter())[run] += 1
    flows = tuple(TransferFlow(*key, walks[key], len(w), round(statistics.fmean(w), 1),
                               round(statistics.median(w), 1)) for key, w in sorted(waits.items()))
    counts = tuple(JourneyCounts(d, sum(n * c for n, c in by.items()), sum(by.values()),
                                 dict(sorted(by.items()))) for d, by in sorted(journeys.items()))
    return Transfers(flows, counts)


def list_transfers(network: Network, boardings: Sequence[Boarding], alightings: Mapping[str, Alighting],
                   params: FlowParams = FlowParams()) -> tuple[Transfer, ...]:
    """Every transfer of ``boardings``' cards, one per card and change, by the
    rules above (what ``infer_transfers`` counts), by arrival."""
    found = [link for _, links in _card_days(network, boardings, alightings, params)
             for link in links if link is not None]
    return tuple(sorted(found, key=lambda t: (t.arrival, t.from_trip_id, t.to_trip_id)))


def _card_days(network: Network, boardings: Sequence[Boarding], alightings: Mapping[str, Alighting],
               params: FlowParams) -> Iterator[tuple[date, list[Transfer | None]]]:
    """Per card and service day, what links each leg to the next: a transfer or None."""
    days: dict[tuple[str, date], list[Boarding]] = {}
    for boarding in boardings:
        days.setdefault((boarding.account_hash, boarding.service_date), []).append(boarding)
    for (_, service_date), day in days.items():
        legs = _legs(day)
        yield service_date, [_link(network, leg, after, alightings.get(leg.tap_id), params)
                             for leg, after in zip(legs, legs[1:])]


def _legs(day: list[Boarding]) -> list[Boarding]:
    """A card's day in boarding order, one boarding (the first) per trip."""
    legs: list[Boarding] = []
    seen: set[str] = set()
    for boarding in sorted(day, key=lambda b: (b.time, b.tap_id)):
        if boarding.trip_id not in seen:
            seen.add(boarding.trip_id)
            legs.append(boarding)
    return legs


def _link(network: Network, leg: Boarding, after: Boarding, alighting: Alighting | None,
          params: FlowParams) -> Transfer | None:
    """The transfer from ``leg`` to the card's next leg ``after``, if it is one."""
    if alighting is None or alighting.to_first or alighting.walk_m > params.walk_m:
        return None
    from_route = network.trips[leg.trip_id].route_id
    to_route = network.trips[after.trip_id].route_id
    if from_route == to_route:
        return None
    arrival = alighting.time
    if arrival is None:  # the tracker never saw the bus there: its schedule
        arrival = to_unix(leg.service_date, network.trips[leg.trip_id].arrivals[alighting.stop_index],
                          network.timezone)
    wait = after.time - arrival
    if wait > params.transfer_window_s or wait < -params.alight_before_next_s:
        return None
    return Transfer(leg.service_date, leg.trip_id, after.trip_id, alighting.stop_id, after.stop_id, arrival,
                    alighting.walk_m, max(wait, 0.0))
