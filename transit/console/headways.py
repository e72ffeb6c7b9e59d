"""A line's actual headways against the scheduled ones, bus by bus.

A bus's actual headway is measured where it last left a stop: the time since
the bus ahead of it (the line's previous departure in the same direction)
left that stop. Its scheduled headway is the timetable's at the same stop:
the time since the line's previous scheduled departure there, in that
direction, on the same service day. Measured at stops, as the Transit
Capacity and Quality of Service Manual measures headway adherence, so a bus
held at a stop or overtaken shows at once. Pure: the departures (from the
live snapshot), the vehicles, the network and ``now`` come in.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from transit.freshness import is_fresh
from transit.model.network import Network
from transit.model.service_days import active_service_ids
from transit.tracking.departures import RecentDepartures, StopKey
from transit.tracking.state import VehicleState

# A bus whose last departure is not in the book (a missed stop event) is
# measured at the stop before, this many stops back at most.
LOOK_BACK_STOPS = 3


@dataclass(frozen=True, slots=True)
class Headway:
    route_id: str
    direction_id: int
    vehicle_id: str  # the bus measured
    ahead_id: str  # the bus that left the stop before it
    stop_id: str
    at: float  # when the bus left the stop, Unix seconds
    actual_s: float
    scheduled_s: float

    @property
    def ratio(self) -> float:
        return self.actual_s / self.scheduled_s


class ScheduledHeadways:
    """The timetable's headway at any call: since the line's previous
    scheduled departure at that stop in that direction on the same service
    day (another trip's: a loop's second call does not count its first).
    Worked out for a whole service day at once, the first time it is asked."""

    KEPT_DAYS = 3

    def __init__(self, network: Network) -> None:
        # Per line, direction and stop: (departure, trip, its stop index, its service) in order.
        calls: dict[StopKey, list[tuple[int, str, int, str]]] = defaultdict(list)
        for trip in network.trips.values():
            stop_ids = network.patterns[trip.pattern_id].stop_ids
            for index, stop_id in enumerate(stop_ids):
                calls[trip.route_id, trip.direction_id, stop_id].append(
                    (trip.departures[index], trip.trip_id, index, trip.service_id))
        self._calls = tuple(sorted(found) for found in calls.values())
        self._network = network
        self._days: dict[date, dict[tuple[str, int], float]] = {}

    def headway_s(self, trip_id: str, stop_index: int, service_date: date) -> float | None:
        """Seconds from the previous scheduled departure to this call's (the
        trip's ``stop_index``-th stop); None for the day's first there."""
        return self._of_day(service_date).get((trip_id, stop_index))

    def _of_day(self, day: date) -> dict[tuple[str, int], float]:
        found = self._days.get(day)
        if found is None:
            while len(self._days) >= self.KEPT_DAYS:
                del self._days[next(iter(self._days))]
            found = self._days[day] = self._build(day)
        return found

    def _build(self, day: date) -> dict[tuple[str, int], float]:
        active = active_service_ids(self._network, day)
        table: dict[tuple[str, int], float] = {}
        for calls in self._calls:
            running = [call for call in calls if call[3] in active]
            for i, (seconds, trip_id, index, _) in enumerate(running):
                before = i - 1
                while before >= 0 and running[before][1] == trip_id:
                    before -= 1
                if before >= 0:
                    table[trip_id, index] = float(seconds - running[before][0])
        return table


def list_headways(network: Network, scheduled: ScheduledHeadways, vehicles: Iterable[VehicleState],
                  departures: RecentDepartures, now: float) -> list[Headway]:
    """The headway of every live bus on a trip whose last departure and the
    one before it at that stop are known, by line, direction, then time."""
    found = []
    for vehicle in vehicles:
        measured = _measure(network, scheduled, vehicle, departures, now)
        if measured is not None:
            found.append(measured)
    return sorted(found, key=lambda h: (h.route_id, h.direction_id, h.at, h.vehicle_id))


def _measure(network: Network, scheduled: ScheduledHeadways, vehicle: VehicleState,
             departures: RecentDepartures, now: float) -> Headway | None:
    ref = vehicle.trip
    if ref is None or vehicle.stop_index is None or not is_fresh(vehicle.timestamp, now):
        return None
    trip = network.trips.get(ref.trip_id)
    if trip is None:
        return None
    stop_ids = network.patterns[trip.pattern_id].stop_ids
    for index in range(vehicle.stop_index - 1, max(-1, vehicle.stop_index - 1 - LOOK_BACK_STOPS), -1):
        at_stop = departures.list_at(trip.route_id, trip.direction_id, stop_ids[index])
        position = next((k for k, d in enumerate(at_stop) if (d.trip_id, d.service_date, d.stop_index)
                         == (ref.trip_id, ref.service_date, index)), None)
        if position is None:
            continue
        if position == 0:
            return None  # nobody left before it within the hour the book keeps
        mine, ahead = at_stop[position], at_stop[position - 1]
        timetable = scheduled.headway_s(mine.trip_id, mine.stop_index, mine.service_date)
        if timetable is None or timetable <= 0:
            return None
        return Headway(trip.route_id, trip.direction_id, vehicle.vehicle_id, ahead.vehicle_id,
                       stop_ids[index], mine.time, mine.time - ahead.time, timetable)
    return None


@dataclass(frozen=True, slots=True)
class HeadwaySummary:
    buses: int  # buses measured
    actual_s: float  # median
    scheduled_s: float  # median


def summarize(headways: Iterable[Headway]) -> Mapping[tuple[str, int], HeadwaySummary]:
    """(route_id, direction_id) -> the medians of its buses' headways."""
    grouped: dict[tuple[str, int], list[Headway]] = defaultdict(list)
    for headway in headways:
        grouped[headway.route_id, headway.direction_id].append(headway)
    return {key: HeadwaySummary(len(found), statistics.median(h.actual_s for h in found),
                                statistics.median(h.scheduled_s for h in found))
            for key, found in grouped.items()}
