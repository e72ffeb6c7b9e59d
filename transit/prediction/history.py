"""Running times and dwells learned from stored stop events.

A segment is the street between two consecutive stops, keyed by their stop
ids, so lines sharing a street share its history. Times are kept per day type
and half-hour of the service day; where a bin has too few observations the
estimate backs off to the segment's whole-day figure for that day type, then
to the schedule.
"""

from __future__ import annotations

import enum
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from transit.model.network import Network
from transit.model.service_days import service_day_origin
from transit.prediction.layover import POOLED, Turnaround, merged, recoveries, turnarounds
from transit.records import StopEvent

BIN_S = 1800
MIN_SAMPLES = 3
# Observations beyond these ratios to the schedule are broken data (a bus seen
# again after an hour's dropout), not running times.
RATIO_RANGE = (0.3, 4.0)
MAX_DWELL_S = 600.0

Segment = tuple[str, str]  # (from stop_id, to stop_id)


class DayType(enum.StrEnum):
    WEEKDAY = "weekday"
    WEEKEND = "weekend"


def day_type(day: date) -> DayType:
    return DayType.WEEKEND if day.weekday() >= 5 else DayType.WEEKDAY


@dataclass(frozen=True, slots=True)
class Estimate:
    mean: float  # seconds
    std: float  # seconds
    samples: int


@dataclass
class _Moments:
    n: int = 0
    mean: float = 0.0
    m2: float = 0.0

    def add(self, value: float) -> None:
        self.n += 1
        delta = value - self.mean
        self.mean += delta / self.n
        self.m2 += delta * (value - self.mean)

    def estimate(self) -> Estimate:
        std = math.sqrt(self.m2 / (self.n - 1)) if self.n > 1 else 0.0
        return Estimate(self.mean, std, self.n)


@dataclass(frozen=True)
class History:
    """Learned running times (per segment) and dwells (per stop)."""

    running: Mapping[tuple[Segment, str, int], Estimate] = field(default_factory=dict)
    running_all_day: Mapping[tuple[Segment, str], Estimate] = field(default_factory=dict)
    dwell: Mapping[tuple[str, str, int], Estimate] = field(default_factory=dict)
    dwell_all_day: Mapping[tuple[str, str], Estimate] = field(default_factory=dict)
    days: tuple[date, ...] = ()
    # Per terminal stop: the latest turnarounds seen, and the recovery they teach.
    turnarounds: Mapping[str, tuple[Turnaround, ...]] = field(default_factory=dict)
    recovery: Mapping[str, float] = field(default_factory=dict)
    # Observations left out as broken (a running time outside RATIO_RANGE of
    # the timetable's, a dwell beyond MAX_DWELL_S): counted, never learned.
    dropped_running: int = 0
    dropped_dwell: int = 0

    def find_running(self, segment: Segment, kind: str, seconds: float) -> Estimate | None:
        estimate = self.running.get((segment, kind, int(seconds // BIN_S)))
        if estimate is not None and estimate.samples >= MIN_SAMPLES:
            return estimate
        estimate = self.running_all_day.get((segment, kind))
        return estimate if estimate is not None and estimate.samples >= MIN_SAMPLES else None

    def find_dwell(self, stop_id: str, kind: str, seconds: float) -> Estimate | None:
        estimate = self.dwell.get((stop_id, kind, int(seconds // BIN_S)))
        if estimate is not None and estimate.samples >= MIN_SAMPLES:
            return estimate
        estimate = self.dwell_all_day.get((stop_id, kind))
        return estimate if estimate is not None and estimate.samples >= MIN_SAMPLES else None

    def find_recovery(self, terminal_stop_id: str) -> float | None:
        """The recovery buses take at this terminal when late, else at any."""
        recovery = self.recovery.get(terminal_stop_id)
        return recovery if recovery is not None else self.recovery.get(POOLED)


def learn_history(network: Network, events: Iterable[StopEvent], previous: History = History()) -> History:
    """A new History from ``previous`` plus the stop events of more days.

    Moments are rebuilt from the estimates, so learning day by day gives the
    same figures as learning all days at once.
    """
    running = _moments(previous.running)
    running_all = _moments(previous.running_all_day)
    dwell = _moments(previous.dwell)
    dwell_all = _moments(previous.dwell_all_day)
    by_trip: dict[tuple[date, str], list[StopEvent]] = defaultdict(list)
    for event in events:
        by_trip[(event.service_date, event.trip_id)].append(event)
    origins: dict[date, float] = {}
    dropped_running = dropped_dwell = 0
    for (day, trip_id), trip_events in by_trip.items():
        trip = network.trips.get(trip_id)
        if trip is None:
            continue
        pattern = network.patterns[trip.pattern_id]
        index_of = {pattern.sequence_at(i): i for i in range(len(pattern.stop_ids))}
        if day not in origins:
            origins[day] = service_day_origin(day, network.timezone).timestamp()
        origin, kind = origins[day], day_type(day)
        trip_events.sort(key=lambda e: e.stop_sequence)
        for before, after in zip(trip_events, trip_events[1:]):
            i, j = index_of.get(before.stop_sequence), index_of.get(after.stop_sequence)
            if i is None or j != (i + 1) or before.departure is None or after.arrival is None:
                continue
            scheduled = max(1.0, trip.arrivals[j] - trip.departures[i])
            observed = after.arrival - before.departure
            if not RATIO_RANGE[0] <= observed / scheduled <= RATIO_RANGE[1]:
                dropped_running += 1
                continue
            segment = (pattern.stop_ids[i], pattern.stop_ids[j])
            at = before.departure - origin
            running[(segment, kind, int(at // BIN_S))].add(observed)
            running_all[(segment, kind)].add(observed)
        for event in trip_events:
            if event.arrival is None or event.departure is None:
                continue
            at = event.arrival - origin
            stay = event.departure - event.arrival
            if not 0 <= stay <= MAX_DWELL_S:
                dropped_dwell += 1
                continue
            dwell[(event.stop_id, kind, int(at // BIN_S))].add(stay)
            dwell_all[(event.stop_id, kind)].add(stay)
    seen = merged(previous.turnarounds, turnarounds(network, (e for evs in by_trip.values() for e in evs)))
    return History(
        running=_frozen(running), running_all_day=_frozen(running_all),
        dwell=_frozen(dwell), dwell_all_day=_frozen(dwell_all),
        days=tuple(sorted(set(previous.days) | {day for day, _ in by_trip})),
        turnarounds=seen, recovery=recoveries(seen),
        dropped_running=previous.dropped_running + dropped_running,
        dropped_dwell=previous.dropped_dwell + dropped_dwell,
    )


def _moments(estimates: Mapping) -> defaultdict:  # type: ignore[type-arg]
    moments: defaultdict = defaultdict(_Moments)  # type: ignore[type-arg]
    for key, e in estimates.items():
        moments[key] = _Moments(e.samples, e.mean, e.std**2 * (e.samples - 1))
    return moments


def _frozen(moments: Mapping) -> dict:  # type: ignore[type-arg]
    return {key: m.estimate() for key, m in moments.items()}
