"""Arrivals at a stop as passengers see them: live predictions where a bus is
tracked, the timetable (marked as such) where none is, never a frozen countdown.
Pure: the board, the clock and the network come in as arguments."""

from __future__ import annotations

import enum
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from transit.freshness import is_fresh
from transit.model.network import Network
from transit.model.service_days import active_service_ids, service_day_origin
from transit.prediction.publish import PredictionBoard, find_stop_arrivals



class Source(enum.StrEnum):
    PREDICTED = "predicted"
    SCHEDULED = "scheduled"


@dataclass(frozen=True, slots=True)
class Arrival:
    stop_id: str
    route_id: str
    headsign: str
    trip_id: str
    service_date: date
    stop_sequence: int
    time: float  # Unix seconds: predicted, or scheduled when ``source`` says so
    scheduled: float
    source: Source
    vehicle_id: str | None = None
    uncertainty_s: float | None = None


@dataclass(frozen=True, slots=True)
class _Call:
    seconds: int  # GTFS service-day seconds of the scheduled arrival
    trip_id: str
    index: int  # in the trip's pattern


class StopTimetable:
    """Every scheduled call at every stop, sorted by time, built once per network."""

    def __init__(self, network: Network) -> None:
        calls: dict[str, list[_Call]] = defaultdict(list)
        for trip in network.trips.values():
            pattern = network.patterns[trip.pattern_id]
            for i, stop_id in enumerate(pattern.stop_ids):
                seconds = trip.departures[i] if i == 0 else trip.arrivals[i]
                calls[stop_id].append(_Call(seconds, trip.trip_id, i))
        self._calls = {stop: sorted(c, key=lambda call: (call.seconds, call.trip_id)) for stop, c in calls.items()}
        self._seconds = {stop: [c.seconds for c in c_list] for stop, c_list in self._calls.items()}
        self._network = network
        self._services: dict[date, frozenset[str]] = {}

    def _active(self, day: date) -> frozenset[str]:
        if day not in self._services:
            self._services[day] = active_service_ids(self._network, day)
        return self._services[day]

    def list_calls(self, stop_id: str, start: float, end: float) -> list[tuple[date, float, _Call]]:
        """Scheduled calls at ``stop_id`` between two instants, with their service day."""
        network = self._network
        local = datetime.fromtimestamp(start, ZoneInfo(network.timezone)).date()
        found = []
        for day in (local - timedelta(days=1), local):
            origin = service_day_origin(day, network.timezone).timestamp()
            active = self._active(day)
            calls, seconds = self._calls.get(stop_id, []), self._seconds.get(stop_id, [])
            for call in calls[bisect_left(seconds, start - origin):]:
                if origin + call.seconds > end:
                    break
                if network.trips[call.trip_id].service_id in active:
                    found.append((day, origin + call.seconds, call))
        found.sort(key=lambda f: f[1])
        return found

    def first_and_last(self, stop_id: str, day: date) -> Mapping[str, tuple[float, float]]:
        """route_id -> (first, last) scheduled call at ``stop_id`` on service day ``day``."""
        origin = service_day_origin(day, self._network.timezone).timestamp()
        active = self._active(day)
        spans: dict[str, tuple[float, float]] = {}
        for call in self._calls.get(stop_id, []):
            trip = self._network.trips[call.trip_id]
            if trip.service_id not in active:
                continue
            when = origin + call.seconds
            first, last = spans.get(trip.route_id, (when, when))
            spans[trip.route_id] = (min(first, when), max(last, when))
        return spans


def list_arrivals(
    network: Network,
    timetable: StopTimetable,
    board: PredictionBoard,
    stop_id: str,
    now: float,
    horizon_s: float = 3600.0,
) -> list[Arrival]:
    """Upcoming arrivals at ``stop_id`` within ``horizon_s``, soonest first."""
    arrivals: list[Arrival] = []
    predicted: set[tuple[date, str]] = set()
    for prediction, stop in find_stop_arrivals(board, stop_id):
        when = stop.arrival if stop.arrival is not None else stop.departure
        if when is None or not is_fresh(prediction.made_at, now) or not now - 60 <= when <= now + horizon_s:
            continue
        ref = prediction.trip
        trip = network.trips.get(ref.trip_id)
        if trip is None:
            continue
        pattern = network.patterns[trip.pattern_id]
        index = next((i for i in range(len(pattern.stop_ids)) if pattern.sequence_at(i) == stop.stop_sequence), 0)
        origin = service_day_origin(ref.service_date, network.timezone).timestamp()
        scheduled = origin + (trip.departures[index] if index == 0 else trip.arrivals[index])
        predicted.add((ref.service_date, ref.trip_id))
        arrivals.append(Arrival(stop_id, trip.route_id, trip.headsign, trip.trip_id, ref.service_date,
                                stop.stop_sequence, when, scheduled, Source.PREDICTED,
                                prediction.vehicle_id, stop.uncertainty_s))
    for day, when, call in timetable.list_calls(stop_id, now, now + horizon_s):
        if (day, call.trip_id) in predicted:
            continue
        trip = network.trips[call.trip_id]
        pattern = network.patterns[trip.pattern_id]
        arrivals.append(Arrival(stop_id, trip.route_id, trip.headsign, trip.trip_id, day,
                                pattern.sequence_at(call.index), when, when, Source.SCHEDULED))
    arrivals.sort(key=lambda a: (a.time, a.route_id))
    return arrivals
