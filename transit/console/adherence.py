"""Schedule adherence: how far from the timetable each bus left each stop,
as cells of a heat map (line, direction, stop, hour of the service day)
and a summary per line.

A call's delay is its observed departure minus the timetable's (at a trip's
last stop, where a bus does not leave, its arrival minus the scheduled
arrival). On time is from 1 minute early to 5 minutes late, the Transit
Capacity and Quality of Service Manual's band; early is worse than late for
a rider (the bus is gone). The hour is the scheduled call's, of the service
day (25 is 01:00 the next morning). Pure: a day's events and the
network's calls in.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from transit.console.timetable_calls import TimetableCalls, ranks
from transit.model.service_days import service_day_origin
from transit.records import DayEvents


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


def list_delays(calls: TimetableCalls, events: DayEvents) -> Delays:
    """The delay of every observed call of the network's trips, by cell
    (each cell's delays in the events' order)."""
    call = calls.match(events)
    matched = call >= 0
    call = call[matched]
    departed, arrived = events.departures[matched], events.arrivals[matched]
    by_departure = ~np.isnan(departed)
    kept = by_departure | ~np.isnan(arrived)
    unmatched = int((~matched).sum())
    if not kept.any():
        return Delays({}, unmatched)
    call, by_departure = call[kept], by_departure[kept]
    observed = np.where(by_departure, departed[kept], arrived[kept])
    scheduled = np.where(by_departure, calls.departure[call], calls.arrival[call])
    origin = service_day_origin(events.service_date, calls.network.timezone).timestamp()
    delay = observed - origin - scheduled.astype(np.float64)
    stop, stop_names = ranks(np.asarray(events.stop_ids, dtype=object)[matched][kept])
    route, direction, hour = calls.route[call], calls.direction[call], scheduled // 3600
    order = np.lexsort((hour, stop, direction, route))  # stable: a cell keeps the events' order
    key = np.stack((route, direction, stop, hour))[:, order]
    starts = np.flatnonzero(np.r_[True, (key[:, 1:] != key[:, :-1]).any(axis=0)])
    ends = [*starts[1:].tolist(), len(order)]
    delays = delay[order].tolist()
    cells = zip(np.asarray(calls.route_ids, dtype=object)[key[0, starts]].tolist(), key[1, starts].tolist(),
                np.asarray(stop_names, dtype=object)[key[2, starts]].tolist(), key[3, starts].tolist())
    return Delays(dict(zip(cells, (delays[start:end] for start, end in zip(starts.tolist(), ends)))), unmatched)


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
