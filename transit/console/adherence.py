"""Schedule adherence: how far from the timetable each bus left each stop,
as cells of a heat map (line, direction, stop, hour of the service day)
and a summary per line.

A call's delay is its observed departure minus the timetable's (at a trip's
last stop, where a bus does not leave, its arrival minus the scheduled
arrival). On time is from 1 minute early to 5 minutes late, the Transit
Capacity and Quality of Service Manual's band; early is worse than late for
a rider (the bus is gone). The hour is the scheduled call's, of the service
day (25 is 01:00 the next morning). Pure: events and the network in.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from transit.model.network import Network
from transit.model.service_days import service_day_origin
from transit.records import ObservedCall, StopEvent


@dataclass(frozen=True, slots=True)
class Bands:
    early_s: float = -60.0  # earlier than this: early
    late_s: float = 300.0  # later than this: late


ON_TIME = Bands()


# Where and when a call was: line, direction, stop, hour of the scheduled call in its service day.
CellKey = tuple[str, int, str, int]


@dataclass(frozen=True, slots=True)
class DelayCount:
    """How a group of calls kept to the timetable."""

    calls: int
    early: int
    on_time: int
    late: int
    median_s: float
    p90_s: float  # 90th percentile of the delay

    @property
    def on_time_share(self) -> float:
        return self.on_time / self.calls


@dataclass(frozen=True, slots=True)
class DelayCell:
    route_id: str
    direction_id: int
    stop_id: str
    hour: int
    count: DelayCount


@dataclass(frozen=True, slots=True)
class Delays:
    by_cell: dict[CellKey, list[float]]  # each call's delay (observed minus scheduled; negative: early)
    unmatched: int  # events of trips or stops the network does not have (another schedule version)

    @property
    def calls(self) -> int:
        return sum(len(found) for found in self.by_cell.values())


# What an event's trip says about it: line, direction, stop_sequence -> index in
# the pattern, and the timetable's departures and arrivals by that index.
TripCalls = tuple[str, int, dict[int, int], tuple[int, ...], tuple[int, ...]]


def trip_calls(network: Network) -> dict[str, TripCalls]:
    """trip_id -> what its stop events are matched with (one lookup per event)."""
    positions = {p.pattern_id: {p.sequence_at(i): i for i in range(len(p.stop_ids))}
                 for p in network.patterns.values()}
    return {t.trip_id: (t.route_id, t.direction_id, positions[t.pattern_id], t.departures, t.arrivals)
            for t in network.trips.values()}


def list_delays(network: Network, events: Iterable[StopEvent | ObservedCall]) -> Delays:
    """The delay of every observed call of ``network``'s trips, by cell."""
    trips = trip_calls(network)
    origins: dict[date, float] = {}
    by_cell: dict[CellKey, list[float]] = defaultdict(list)
    unmatched = 0
    for event in events:
        trip = trips.get(event.trip_id)
        position = None if trip is None else trip[2].get(event.stop_sequence)
        if trip is None or position is None:
            unmatched += 1
            continue
        if event.departure is not None:
            observed, scheduled = event.departure, trip[3][position]
        elif event.arrival is not None:
            observed, scheduled = event.arrival, trip[4][position]
        else:
            continue
        origin = origins.get(event.service_date)
        if origin is None:
            origin = origins[event.service_date] = service_day_origin(event.service_date, network.timezone).timestamp()
        by_cell[trip[0], trip[1], event.stop_id, scheduled // 3600].append(observed - origin - scheduled)
    return Delays(dict(by_cell), unmatched)


def count_delays(delays: Sequence[float], bands: Bands = ON_TIME) -> DelayCount:
    """The bands' counts, median and 90th percentile of ``delays`` (at least one)."""
    ordered = sorted(delays)
    n = len(ordered)
    early = bisect_left(ordered, bands.early_s)
    late = n - bisect_right(ordered, bands.late_s)
    middle = n // 2
    median = ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return DelayCount(n, early, n - early - late, late, median, ordered[min(n - 1, int(0.9 * n))])


def adherence_cells(delays: Delays, route_ids: frozenset[str] | None = None,
                    bands: Bands = ON_TIME) -> list[DelayCell]:
    """One cell per line (of ``route_ids``, if given), direction, stop and hour that had a call."""
    return [DelayCell(*key, count_delays(found, bands)) for key, found in sorted(delays.by_cell.items())
            if route_ids is None or key[0] in route_ids]


def line_adherence(delays: Delays, bands: Bands = ON_TIME) -> dict[str, DelayCount]:
    """route_id -> how its calls kept to the timetable over the day."""
    grouped: dict[str, list[float]] = defaultdict(list)
    for (route_id, _, _, _), found in delays.by_cell.items():
        grouped[route_id].extend(found)
    return {route_id: count_delays(found, bands) for route_id, found in sorted(grouped.items())}
