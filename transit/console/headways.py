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
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from transit.freshness import is_fresh
from transit.model.network import Network
from transit.model.service_days import active_service_ids
from transit.tracking.departures import Departure, RecentDepartures, StopKey
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
    """The timetable's headway at any call, built once per network."""

    def __init__(self, network: Network) -> None:
        calls: dict[StopKey, list[tuple[int, str]]] = defaultdict(list)
        for trip in network.trips.values():
            stop_ids = network.patterns[trip.pattern_id].stop_ids
            for index, stop_id in enumerate(stop_ids):
                calls[trip.route_id, trip.direction_id, stop_id].append((trip.departures[index], trip.trip_id))
        self._calls = {key: sorted(found) for key, found in calls.items()}
        self._network = network
        self._services: dict[date, frozenset[str]] = {}

    def headway_s(self, route_id: str, direction_id: int, stop_id: str, departure: Departure) -> float | None:
        """Seconds from the previous scheduled departure of the line's trips in
        that direction at ``stop_id`` on the departure's service day to the
        departure's own; None for the day's first."""
        trip = self._network.trips[departure.trip_id]
        seconds = trip.departures[departure.stop_index]
        calls = self._calls.get((route_id, direction_id, stop_id), [])
        active = self._active(departure.service_date)
        trips = self._network.trips
        for before in range(bisect_left(calls, (seconds, departure.trip_id)) - 1, -1, -1):
            earlier, trip_id = calls[before]
            if trip_id != departure.trip_id and trips[trip_id].service_id in active:
                return float(seconds - earlier)
        return None

    def _active(self, day: date) -> frozenset[str]:
        found = self._services.get(day)
        if found is None:
            found = self._services[day] = active_service_ids(self._network, day)
        return found


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
        timetable = scheduled.headway_s(trip.route_id, trip.direction_id, stop_ids[index], mine)
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
