"""Recent departures from stops, by line, direction and stop: what the
console's headways and terminal alarms are measured from.

Stop events (``transit.records.StopEvent``) come from the tracker; the live
state's writer adds them to a ``DepartureBook`` and publishes its immutable
``RecentDepartures`` in each snapshot. Each stop keeps the departures of the
last ``HOLD_S`` (counted from the newest there), at most ``MAX_PER_STOP``,
in time order. Pure: no clock (event times only), no I/O.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from transit.model.network import Network
from transit.model.service_days import service_day_origin
from transit.records import StopEvent

HOLD_S = 3600.0
MAX_PER_STOP = 40

StopKey = tuple[str, int, str]  # route_id, direction_id, stop_id


@dataclass(frozen=True, slots=True, order=True)
class Departure:
    """One trip leaving one stop (ordered by time, then trip)."""

    time: float  # observed departure, Unix seconds
    trip_id: str
    service_date: date
    stop_index: int  # in the trip's pattern
    vehicle_id: str
    scheduled: float  # the timetable's departure there, Unix seconds


@dataclass(frozen=True)
class RecentDepartures:
    at_stops: Mapping[StopKey, tuple[Departure, ...]] = field(default_factory=lambda: MappingProxyType({}))

    def list_at(self, route_id: str, direction_id: int, stop_id: str) -> tuple[Departure, ...]:
        """Departures of the line's trips in that direction from the stop, oldest first."""
        return self.at_stops.get((route_id, direction_id, stop_id), ())


NO_DEPARTURES = RecentDepartures()


class DepartureBook:
    """Owned by the live state's single writer; ``publish`` hands readers an
    immutable copy (the same object until a departure is added)."""

    def __init__(self, network: Network) -> None:
        self._network = network
        self._index: dict[str, dict[int, int]] = {}  # pattern -> stop_sequence -> index
        for pattern in network.patterns.values():
            found = self._index[pattern.pattern_id] = {}
            for i in range(len(pattern.stop_ids)):
                found.setdefault(pattern.sequence_at(i), i)
        self._origins: dict[date, float] = {}
        self._stops: dict[StopKey, tuple[Departure, ...]] = {}
        self._published: RecentDepartures | None = NO_DEPARTURES

    def add(self, events: Iterable[StopEvent]) -> None:
        """Keep the departures among ``events`` (a repeat of a trip's stop replaces it)."""
        for event in events:
            trip = self._network.trips.get(event.trip_id)
            if trip is None or event.departure is None:
                continue  # a trip's last stop: the bus stays on layover, nothing left
            index = self._index[trip.pattern_id].get(event.stop_sequence)
            if index is None:
                continue
            scheduled = self._origin(event.service_date) + trip.departures[index]
            departure = Departure(event.departure, event.trip_id, event.service_date, index,
                                  event.vehicle_id, scheduled)
            self._keep((trip.route_id, trip.direction_id, event.stop_id), departure)

    def _keep(self, key: StopKey, departure: Departure) -> None:
        kept = [d for d in self._stops.get(key, ())
                if (d.trip_id, d.service_date, d.stop_index)
                != (departure.trip_id, departure.service_date, departure.stop_index)]
        insort(kept, departure)
        newest = kept[-1].time
        self._stops[key] = tuple(d for d in kept if d.time >= newest - HOLD_S)[-MAX_PER_STOP:]
        self._published = None

    def _origin(self, day: date) -> float:
        found = self._origins.get(day)
        if found is None:
            found = self._origins[day] = service_day_origin(day, self._network.timezone).timestamp()
        return found

    def publish(self) -> RecentDepartures:
        if self._published is None:
            self._published = RecentDepartures(MappingProxyType(dict(self._stops)))
        return self._published
