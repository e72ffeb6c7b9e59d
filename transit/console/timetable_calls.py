"""Every scheduled call of a network as arrays, made once per network: what
a day's stop events are matched with for the reports, and the timetable's
headway at each call on a service day.

A whole day (some 60,000 events on the demo city) is then matched, grouped
and sorted by numpy in a few passes instead of a Python step per event.
The headway rule is the live view's (``ScheduledHeadways``): since the
line's previous scheduled departure at that stop in that direction on the
same service day, another trip's (a loop's second call does not count its
first). Pure: the network and the day in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from transit.model.network import Network, Trip
from transit.model.service_days import active_service_ids
from transit.records import DayEvents

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


def ranks(names: Sequence[str] | npt.NDArray[np.object_]) -> tuple[Ints, list[str]]:
    """Each name's rank among the distinct names, and those in sorted order
    (hashed, then only the distinct ones sorted: far faster than sorting all)."""
    distinct = sorted(set(names))
    rank = {name: i for i, name in enumerate(distinct)}
    return np.fromiter((rank[name] for name in names), dtype=np.int64, count=len(names)), distinct


@dataclass(frozen=True, eq=False)
class TimetableCalls:
    """One entry per (trip, stop index) of the network; names are ranks in
    sorted order, so sorting by them sorts as the names do."""

    network: Network
    trip_ranks: Mapping[str, int]  # each trip id's rank among the network's, sorted
    # A call's key, its trip's rank times ``stride`` plus its stop_sequence,
    # in order, and the call each is: what an event is matched by.
    stride: int
    keys: Ints
    keyed: Ints
    route_ids: tuple[str, ...]  # sorted: ``route`` indexes it
    service_ids: tuple[str, ...]  # sorted: ``service`` indexes it
    route: Ints
    direction: Ints
    trip: Ints  # the trip_id's rank among the network's
    stop_index: Ints  # in the trip's pattern
    departure: Ints  # the timetable's, seconds of the service day
    arrival: Ints
    service: Ints
    # The calls as the headway rule walks them: per line, direction and
    # (the pattern's) stop, by departure, trip, stop index; and the number
    # of the (line, direction, stop) group at each step of that walk.
    walk: Ints
    walk_group: Ints

    @classmethod
    def of(cls, network: Network) -> TimetableCalls:
        route_ids = tuple(sorted(network.routes.keys() | {t.route_id for t in network.trips.values()}))
        service_ids = tuple(sorted({t.service_id for t in network.trips.values()}))
        route_rank = {r: i for i, r in enumerate(route_ids)}
        service_rank = {s: i for i, s in enumerate(service_ids)}
        trip_ids = sorted(network.trips)
        trip_rank_of = {t: i for i, t in enumerate(trip_ids)}
        stop_rank = {s: i for i, s in enumerate(sorted({s for p in network.patterns.values() for s in p.stop_ids}))}
        by_pattern: dict[str, list[Trip]] = defaultdict(list)
        for trip in network.trips.values():
            by_pattern[trip.pattern_id].append(trip)
        # One block per pattern: its trips by its stops, flattened trip by trip.
        blocks = []
        for pattern_id, trips in by_pattern.items():
            pattern = network.patterns[pattern_id]
            n = len(pattern.stop_ids)
            per_trip = np.array([(route_rank[t.route_id], t.direction_id, trip_rank_of[t.trip_id],
                                  service_rank[t.service_id]) for t in trips], dtype=np.int64).reshape(-1, 4)
            per_stop = np.array([range(n), [pattern.sequence_at(i) for i in range(n)],
                                 [stop_rank[s] for s in pattern.stop_ids]], dtype=np.int64).reshape(3, n)
            blocks.append(np.concatenate((
                np.repeat(per_trip, n, axis=0).T, np.tile(per_stop, len(trips)),
                np.array([t.departures for t in trips], dtype=np.int64).reshape(1, -1),
                np.array([t.arrivals for t in trips], dtype=np.int64).reshape(1, -1))))
        route, direction, trip_rank, service, stop_index, sequence, stop, departure, arrival = (
            np.concatenate(blocks, axis=1) if blocks else np.zeros((9, 0), dtype=np.int64))
        stride = int(sequence.max(initial=0)) + 1
        keys = trip_rank * stride + sequence
        keyed = np.argsort(keys, kind="stable")
        walk = np.lexsort((stop_index, trip_rank, departure, stop, direction, route))
        line_stop = np.stack((route[walk], direction[walk], stop[walk]))
        starts = np.ones(len(walk), dtype=bool)
        starts[1:] = (line_stop[:, 1:] != line_stop[:, :-1]).any(axis=0)
        return cls(network, trip_rank_of, stride, keys[keyed], keyed, route_ids, service_ids,
                   route, direction, trip_rank, stop_index, departure, arrival, service, walk, np.cumsum(starts) - 1)

    def match(self, events: DayEvents) -> Ints:
        """Each event's call, -1 for a trip or stop the network does not have."""
        ranks_of = self.trip_ranks
        trip = np.fromiter((ranks_of.get(t, -1) for t in events.trip_ids), dtype=np.int64,
                           count=len(events.trip_ids))
        sequence = events.stop_sequences
        known = (trip >= 0) & (sequence >= 0) & (sequence < self.stride)  # else its key is another trip's
        key = np.where(known, trip * self.stride + sequence, -1)
        found = np.minimum(np.searchsorted(self.keys, key), len(self.keys) - 1)
        return np.where(known & (self.keys[found] == key), self.keyed[found], -1) if len(self.keys) else key

    def headways_s(self, day: date) -> Floats:
        """Per call, the timetable's headway on ``day`` (NaN: the day's first
        there, or a trip not running that day)."""
        active = set(active_service_ids(self.network, day))
        running = np.array([s in active for s in self.service_ids], dtype=bool)
        walk = self.walk[running[self.service[self.walk]]]
        group, trip = self.walk_group[running[self.service[self.walk]]], self.trip[walk]
        n = len(walk)
        # The call before a run of one trip's calls is the previous other trip's.
        run_starts = np.ones(n, dtype=bool)
        run_starts[1:] = (group[1:] != group[:-1]) | (trip[1:] != trip[:-1])
        before = np.maximum.accumulate(np.where(run_starts, np.arange(n), 0)) - 1
        measured = before >= 0
        measured[measured] = group[before[measured]] == group[measured]
        found = np.full(len(self.route), np.nan)
        mine, ahead = walk[measured], walk[before[measured]]
        found[mine] = (self.departure[mine] - self.departure[ahead]).astype(np.float64)
        return found
