"""The lines boarding at each stop, and the first and last bus of each stop and
service day: the timetable's half of a stop board, built once per network.

Pure: the network and its timetable come in as arguments.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from transit.arrivals import StopTimetable
from transit.model.line_names import line_order_key
from transit.model.network import Network

MEMO_DAYS = 4  # service days whose first and last buses are kept


@dataclass(frozen=True, slots=True)
class Line:
    """One line in one direction at a stop: a route and the headsign its trips show."""

    route_id: str
    short_name: str  # the route's, as the feed spells it (it may be empty)
    headsign: str
    usual: bool  # the headsign most of the route's trips boarding here show


@dataclass(frozen=True, slots=True)
class ServiceSpan:
    first: float  # Unix s of the first call
    last: float


@dataclass(frozen=True, slots=True)
class ServiceDay:
    """The first and last bus at a stop on one service day."""

    day: date
    by_route: Mapping[str, ServiceSpan]  # every call of the route here, boarding or not
    by_line: Mapping[tuple[str, str], ServiceSpan]  # (route_id, headsign): boarding calls only


class StopLines:
    """Per stop, the lines boarding there (a trip's last stop boards nobody) in
    natural order; per stop and service day, the first and last bus, memoised:
    the timetable scan behind them is the dearest part of a board."""

    def __init__(self, network: Network, timetable: StopTimetable) -> None:
        headsigns: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
        for trip in network.trips.values():
            for stop_id in network.patterns[trip.pattern_id].stop_ids[:-1]:
                headsigns[stop_id][trip.route_id][trip.headsign] += 1
        self._lines = {stop_id: _in_order(network, routes) for stop_id, routes in headsigns.items()}
        self._last_sequence: dict[str, int] = {}
        for trip in network.trips.values():
            pattern = network.patterns[trip.pattern_id]
            self._last_sequence[trip.trip_id] = pattern.sequence_at(len(pattern.stop_ids) - 1)
        self._network = network
        self._timetable = timetable
        self._days: dict[date, dict[str, ServiceDay]] = {}

    def list_lines(self, stop_id: str) -> tuple[Line, ...]:
        return self._lines.get(stop_id, ())

    def is_boarding(self, trip_id: str, stop_sequence: int) -> bool:
        """Whether passengers board the trip at this call (not its last stop)."""
        return self._last_sequence[trip_id] != stop_sequence

    def service_day(self, stop_id: str, day: date) -> ServiceDay:
        """First and last calls at ``stop_id`` on service day ``day``."""
        by_stop = self._days.get(day)
        if by_stop is None:
            while len(self._days) >= MEMO_DAYS:
                del self._days[min(self._days)]
            by_stop = self._days[day] = {}
        found = by_stop.get(stop_id)
        if found is None:
            found = by_stop[stop_id] = self._service_day(stop_id, day)
        return found

    def _service_day(self, stop_id: str, day: date) -> ServiceDay:
        by_route = {route_id: ServiceSpan(first, last)
                    for route_id, (first, last) in self._timetable.first_and_last(stop_id, day).items()}
        by_line: dict[tuple[str, str], ServiceSpan] = {}
        pattern_of = self._network.patterns
        for when, call in self._timetable.list_day_calls(stop_id, day):
            trip = self._network.trips[call.trip_id]
            if call.index == len(pattern_of[trip.pattern_id].stop_ids) - 1:
                continue
            key = (trip.route_id, trip.headsign)
            span = by_line.get(key)
            by_line[key] = ServiceSpan(when, when) if span is None else \
                ServiceSpan(min(span.first, when), max(span.last, when))
        return ServiceDay(day, MappingProxyType(by_route), MappingProxyType(by_line))


def _in_order(network: Network, routes: Mapping[str, Counter[str]]) -> tuple[Line, ...]:
    lines = []
    for route_id, counts in routes.items():
        usual = counts.most_common(1)[0][0]
        short_name = network.routes[route_id].short_name
        lines.extend(Line(route_id, short_name, headsign, headsign == usual) for headsign in counts)
    return tuple(sorted(lines, key=lambda ln: (line_order_key(ln.short_name or ln.route_id), ln.headsign,
                                               ln.route_id)))
