"""Every boarding expanded to an alighting pattern, and the loads it makes.

Chaining gives most boardings an alighting stop, not all (single-trip cards,
failed chains). Each boarding without one is spread over the later stops of
its trip in the proportions its peers show: chained journeys of the same
pattern, boarding stop and time bin; with fewer than ``min_chained`` of those,
the same pattern and boarding stop over the day; then where the pattern's
chained riders alighted in that bin (after the boarding stop); then evenly.
Every placed boarding thus counts once, partly spread, so a trip's loads and a
stop's boardings and alightings add up to the taps placed.

Segment ``k`` of a trip runs from its stop ``k`` to stop ``k + 1``; the load on
it is the riders on board as the bus leaves stop ``k``. Stop counts are binned
by the bus's time at the stop, in seconds of the service day (as GTFS times).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from transit.flow.boarding import Boarding
from transit.flow.chaining import Alighting
from transit.flow.dwells import Dwell, TripKey
from transit.flow.params import FlowParams
from transit.model.network import Network
from transit.model.service_days import to_unix

GroupKey = tuple[str, int, int]  # (pattern_id, time bin, boarding stop index)


@dataclass(frozen=True, slots=True)
class SegmentLoad:
    service_date: date
    trip_id: str
    route_id: str
    direction_id: int
    segment: int  # from stop index ``segment`` to the next
    from_stop_id: str
    to_stop_id: str
    departure: float  # when the bus left ``from_stop_id``, Unix s (scheduled if untracked)
    load: float  # riders on board over the segment, every boarding expanded
    chained: float  # of which riders whose alighting stop was inferred


@dataclass(frozen=True, slots=True)
class StopFlow:
    service_date: date
    route_id: str
    direction_id: int
    bin_start: int  # seconds of the service day
    stop_id: str
    boardings: float
    alightings: float  # expanded: fractions of riders without an inferred stop


@dataclass(frozen=True)
class TripFlow:
    """One trip's expanded counts by stop index, and its times at each stop."""

    key: TripKey
    boardings: np.ndarray
    alightings: np.ndarray
    load: np.ndarray  # by segment
    chained_load: np.ndarray
    # Unix s at each stop: tracked (or interpolated) where known, else scheduled.
    arrivals: np.ndarray
    departures: np.ndarray


class AlightingPatterns:
    """Where chained riders alighted, by boarding group, with the fallbacks
    of the module docstring; ``spread`` gives a boarding's alighting shares."""

    def __init__(self, network: Network, chained: Iterable[tuple[GroupKey, int]],
                 min_chained: int) -> None:
        self._network = network
        self._min = min_chained
        self._cache: dict[GroupKey, np.ndarray] = {}
        # Alightings by group, by (pattern, boarding stop) and by (pattern, bin).
        self._tables: tuple[dict[tuple, np.ndarray], ...] = ({}, {}, {})
        for ((pattern_id, time_bin, board), alight), count in Counter(chained).items():
            for table, key in zip(self._tables, ((pattern_id, time_bin, board),
                                                 (pattern_id, board), (pattern_id, time_bin))):
                if key not in table:
                    table[key] = np.zeros(len(network.patterns[pattern_id].stop_ids))
                table[key][alight] += count

    def spread(self, key: GroupKey) -> np.ndarray:
        """Shares (summing to 1) of the pattern's stops as the alighting stop of
        a boarding of group ``key``; zero up to the boarding stop."""
        if key not in self._cache:
            self._cache[key] = self._shares(key)
        return self._cache[key]

    def _shares(self, key: GroupKey) -> np.ndarray:
        pattern_id, time_bin, board = key
        group, stop, pooled_bin = self._tables
        for counts in (group.get(key), stop.get((pattern_id, board))):
            if counts is not None and counts.sum() >= self._min:
                return counts / counts.sum()
        size = len(self._network.patterns[pattern_id].stop_ids)
        later = np.zeros(size)
        later[board + 1:] = 1.0
        pooled = pooled_bin.get((pattern_id, time_bin))
        if pooled is not None and (pooled * later).sum() >= self._min:
            later = pooled * later
        return later / later.sum() if later.sum() else later


def boarding_groups(network: Network, bin_s: float) -> Callable[[Boarding], GroupKey]:
    """The alighting-pattern group of a boarding: its pattern, the time bin of
    its tap (of its service day) and its stop index."""
    origins: dict[date, float] = {}

    def group(b: Boarding) -> GroupKey:
        if b.service_date not in origins:
            origins[b.service_date] = to_unix(b.service_date, 0, network.timezone)
        return b.pattern_id, int((b.time - origins[b.service_date]) // bin_s), b.stop_index

    return group


def alighting_patterns(network: Network, boardings: Iterable[Boarding],
                       alightings: Mapping[str, Alighting], group: Callable[[Boarding], GroupKey],
                       params: FlowParams = FlowParams()) -> AlightingPatterns:
    """Where the chained ``boardings`` alighted, by ``group``: the one place the
    expansion learns from, so loads and OD matrices spread riders alike."""
    return AlightingPatterns(network, ((group(b), alightings[b.tap_id].stop_index)
                                       for b in boardings if b.tap_id in alightings),
                             params.min_chained)


def trip_flows(network: Network, boardings: Sequence[Boarding],
               alightings: Mapping[str, Alighting],
               trips: Mapping[TripKey, tuple[Dwell | None, ...]],
               params: FlowParams = FlowParams()) -> list[TripFlow]:
    """Per trip with a placed boarding: expanded boardings and alightings by
    stop, and the loads they leave on each segment."""
    group = boarding_groups(network, params.bin_s)
    patterns = alighting_patterns(network, boardings, alightings, group, params)
    counts: dict[TripKey, np.ndarray] = {}  # rows: on, off, chained on, chained off
    for b in boardings:
        key = (b.service_date, b.trip_id)
        if key not in counts:
            counts[key] = np.zeros((4, len(network.patterns[b.pattern_id].stop_ids)))
        rows = counts[key]
        rows[0, b.stop_index] += 1
        alighting = alightings.get(b.tap_id)
        if alighting is None:
            rows[1] += patterns.spread(group(b))
        else:
            rows[1, alighting.stop_index] += 1
            rows[2, b.stop_index] += 1
            rows[3, alighting.stop_index] += 1
    return [TripFlow(key, rows[0], rows[1], np.cumsum(rows[0] - rows[1])[:-1],
                     np.cumsum(rows[2] - rows[3])[:-1], *_stop_times(network, key, trips))
            for key, rows in counts.items()]


def _stop_times(network: Network, key: TripKey,
                trips: Mapping[TripKey, tuple[Dwell | None, ...]]) -> tuple[np.ndarray, np.ndarray]:
    """When the bus reached and left each stop: tracked (or interpolated)
    where known, else as scheduled."""
    trip = network.trips[key[1]]
    dwells = trips.get(key, ())
    arrivals, departures = [], []
    for i, (arrive, depart) in enumerate(zip(trip.arrivals, trip.departures)):
        dwell = dwells[i] if i < len(dwells) else None
        if dwell is None:
            arrivals.append(to_unix(key[0], arrive, network.timezone))
            departures.append(to_unix(key[0], depart, network.timezone))
        else:
            # A first stop's window opens before the bus is there to board.
            arrivals.append(dwell.end if i == 0 else dwell.start)
            departures.append(dwell.end)
    return np.array(arrivals), np.array(departures)


def segment_loads(network: Network, flows: Iterable[TripFlow]) -> list[SegmentLoad]:
    """Every segment of every trip with a placed boarding, in trip then stop order."""
    loads = []
    for flow in sorted(flows, key=lambda f: f.key):
        trip = network.trips[flow.key[1]]
        stops = network.patterns[trip.pattern_id].stop_ids
        loads.extend(
            SegmentLoad(flow.key[0], trip.trip_id, trip.route_id, trip.direction_id, k, stops[k],
                        stops[k + 1], float(flow.departures[k]), round(float(flow.load[k]), 3),
                        round(float(flow.chained_load[k]), 3))
            for k in range(len(stops) - 1))
    return loads


def stop_flows(network: Network, flows: Iterable[TripFlow], bin_s: float) -> list[StopFlow]:
    """Boardings (binned by departure) and alightings (by arrival) per line,
    direction, time bin and stop."""
    totals: dict[tuple[date, str, int, int, str], list[float]] = {}
    for flow in flows:
        trip = network.trips[flow.key[1]]
        stops = network.patterns[trip.pattern_id].stop_ids
        origin = to_unix(flow.key[0], 0, network.timezone)
        for i, stop_id in enumerate(stops):
            for column, count, instant in ((0, flow.boardings[i], flow.departures[i]),
                                           (1, flow.alightings[i], flow.arrivals[i])):
                if count:
                    start = int((instant - origin) // bin_s * bin_s)
                    key = (flow.key[0], trip.route_id, trip.direction_id, start, stop_id)
                    totals.setdefault(key, [0.0, 0.0])[column] += float(count)
    return [StopFlow(*key, round(on, 3), round(off, 3))
            for key, (on, off) in sorted(totals.items())]
