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

from transit.flow.crowding import Crowding
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
    made_at: float | None = None  # when a prediction was made (the report it came from)
    # How full the bus is now (``transit.flow.crowding``), on a predicted
    # arrival of the trip the bus is running; None: no estimate.
    crowding: Crowding | None = None


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
        # pattern -> stop_sequence -> index (the first, where a loop calls twice):
        # a prediction names its stop by sequence, once per predicted arrival.
        self._indexes: dict[str, dict[int, int]] = {}
        for pattern in network.patterns.values():
            indexes = self._indexes[pattern.pattern_id] = {}
            for i in range(len(pattern.stop_ids)):
                indexes.setdefault(pattern.sequence_at(i), i)
        self._network = network
        self._services: dict[date, frozenset[str]] = {}
        self._origins: dict[date, float] = {}

    def _active(self, day: date) -> frozenset[str]:
        if day not in self._services:
            self._services[day] = active_service_ids(self._network, day)
        return self._services[day]

    def origin(self, day: date) -> float:
        """``service_day_origin`` of ``day`` in Unix seconds, memoised."""
        found = self._origins.get(day)
        if found is None:
            found = self._origins[day] = service_day_origin(day, self._network.timezone).timestamp()
        return found

    def index_at(self, pattern_id: str, stop_sequence: int) -> int:
        """The index in the pattern of the stop with ``stop_sequence`` (0 if none has it)."""
        return self._indexes[pattern_id].get(stop_sequence, 0)

    def list_calls(self, stop_id: str, start: float, end: float) -> list[tuple[date, float, _Call]]:
        """Scheduled calls at ``stop_id`` between two instants, with their service day."""
        network = self._network
        local = datetime.fromtimestamp(start, ZoneInfo(network.timezone)).date()
        found = []
        for day in (local - timedelta(days=1), local):
            origin = self.origin(day)
            active = self._active(day)
            calls, seconds = self._calls.get(stop_id, []), self._seconds.get(stop_id, [])
            for call in calls[bisect_left(seconds, start - origin):]:
                if origin + call.seconds > end:
                    break
                if network.trips[call.trip_id].service_id in active:
                    found.append((day, origin + call.seconds, call))
        found.sort(key=lambda f: f[1])
        return found

    def list_day_calls(self, stop_id: str, day: date) -> list[tuple[float, _Call]]:
        """Every scheduled call at ``stop_id`` of the trips running on service
        day ``day``, with its instant, soonest first."""
        origin = self.origin(day)
        active = self._active(day)
        trips = self._network.trips
        return [(origin + call.seconds, call) for call in self._calls.get(stop_id, [])
                if trips[call.trip_id].service_id in active]

    def first_and_last(self, stop_id: str, day: date) -> Mapping[str, tuple[float, float]]:
        """route_id -> (first, last) scheduled call at ``stop_id`` on service day ``day``."""
        spans: dict[str, tuple[float, float]] = {}
        for when, call in self.list_day_calls(stop_id, day):
            route_id = self._network.trips[call.trip_id].route_id
            first, last = spans.get(route_id, (when, when))
            spans[route_id] = (min(first, when), max(last, when))
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
        index = timetable.index_at(trip.pattern_id, stop.stop_sequence)
        seconds = trip.departures[index] if index == 0 else trip.arrivals[index]
        scheduled = timetable.origin(ref.service_date) + seconds
        predicted.add((ref.service_date, ref.trip_id))
        arrivals.append(Arrival(stop_id, trip.route_id, trip.headsign, trip.trip_id, ref.service_date,
                                stop.stop_sequence, when, scheduled, Source.PREDICTED,
                                prediction.vehicle_id, stop.uncertainty_s, prediction.made_at))
    for day, when, call in timetable.list_calls(stop_id, now, now + horizon_s):
        if (day, call.trip_id) in predicted:
            continue
        trip = network.trips[call.trip_id]
        pattern = network.patterns[trip.pattern_id]
        arrivals.append(Arrival(stop_id, trip.route_id, trip.headsign, trip.trip_id, day,
                                pattern.sequence_at(call.index), when, when, Source.SCHEDULED))
    arrivals.sort(key=lambda a: (a.time, a.route_id))
    return arrivals
