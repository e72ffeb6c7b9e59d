"""Served TripUpdates read back as a consumer reads them, and scored.

The live-equals-replay benchmark (scripts/bench_live_vs_replay.py) polls a
running service's ``/gtfs-rt/trip-updates.pb`` and renders the same feed
from a replay at the same instants; both go through ``served_records`` so
that the two are judged alike. A prediction counts as made when the feed
was read (a consumer cannot see it earlier), so horizons are the
passenger's.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from google.transit import gtfs_realtime_pb2

from feeds.replay.predictions import ActualTimes
from feeds.replay.runner import DayResult, ReplayDay
from transit.live.tracking import LiveSnapshot
from transit.prediction.scoring import BUCKETS, PredictionRecord, bucket_label
from transit.records import StopEvent, VehicleReport

# The buckets the live-equals-replay target (issue 10) covers: up to 15 min.
UP_TO_15_MIN = tuple(b[:2] for b in BUCKETS if b[1] <= 900)


def served_records(message: gtfs_realtime_pb2.FeedMessage, seen_at: float,
                   first: Mapping[str, int]) -> list[PredictionRecord]:
    """One record per StopTimeUpdate of ``message``, read at ``seen_at``: the
    departure at a trip's first stop (``first``: trip -> its first stop
    sequence; what a rider boards on), else the arrival, else the departure."""
    records = []
    for entity in message.entity:
        if not entity.HasField("trip_update"):
            continue
        update = entity.trip_update
        trip_id = update.trip.trip_id
        service_date = datetime.strptime(update.trip.start_date, "%Y%m%d").date()
        for stop in update.stop_time_update:
            departs = stop.stop_sequence == first.get(trip_id) and stop.HasField("departure")
            event = stop.departure if departs or not stop.HasField("arrival") else stop.arrival
            if not event.time:
                continue
            records.append(PredictionRecord(seen_at, update.vehicle.id, service_date, trip_id,
                                            stop.stop_sequence, stop.stop_id, float(event.time)))
    return records


@dataclass(frozen=True, slots=True)
class TailScore:
    """One horizon bucket: errors are actual minus predicted, in seconds."""

    label: str
    count: int
    mae_s: float
    p99_abs_s: float
    bias_s: float


def horizons_and_errors(records: Iterable[PredictionRecord],
                        actual: ActualTimes) -> tuple[np.ndarray, np.ndarray]:
    """(actual - made_at, actual - predicted) of each record whose stop was
    passed (the others cannot be judged)."""
    made, errors = [], []
    for record in records:
        when = actual.get((record.service_date, record.trip_id, record.stop_sequence))
        if when is not None:
            made.append(when - record.made_at)
            errors.append(when - record.predicted)
    return np.asarray(made, dtype=float), np.asarray(errors, dtype=float)


def score_tail(records: Iterable[PredictionRecord], actual: ActualTimes,
               buckets: Sequence[tuple[float, float]] = UP_TO_15_MIN) -> list[TailScore]:
    """MAE, 99th percentile of the absolute error and bias per horizon bucket."""
    horizon, error = horizons_and_errors(records, actual)
    scores = []
    for low, high in buckets:
        chosen = error[(horizon >= low) & (horizon < high)]
        if chosen.size == 0:
            scores.append(TailScore(bucket_label(low, high), 0, float("nan"), float("nan"), float("nan")))
            continue
        absolute = np.abs(chosen)
        scores.append(TailScore(bucket_label(low, high), int(chosen.size), float(absolute.mean()),
                                float(np.percentile(absolute, 99)), float(chosen.mean())))
    return scores


class FeedSampler:
    """A replay observer (``runner.DayObserver``) that reads the replay's
    served feed at given instants, as a consumer polling a live service at
    those instants would: ``render(snapshot, instant)`` of the last snapshot
    published by then (a snapshot made later holds reports not yet received).
    Read ``feeds`` ((instant, what ``render`` gave), in time order) after the
    replay."""

    def __init__(self, instants: Iterable[float], render: Callable[[LiveSnapshot, float], bytes]) -> None:
        self._instants = sorted(instants)
        self._render = render
        self._next = 0
        self._last: LiveSnapshot | None = None
        self.feeds: list[tuple[float, bytes]] = []

    def start_day(self, index: int, day: ReplayDay) -> None:
        """Days follow one another on one live state: nothing to reset."""

    def after_batch(self, snapshot: LiveSnapshot, batch: Sequence[VehicleReport],
                    events: Sequence[StopEvent]) -> None:
        self._read_before(snapshot.at)
        self._last = snapshot

    def end_day(self, index: int, result: DayResult) -> None:
        self._read_before(math.inf)

    def _read_before(self, at: float) -> None:
        """Read the feed at every instant before ``at`` (none before the first snapshot)."""
        while self._next < len(self._instants) and self._instants[self._next] < at:
            if self._last is not None:
                instant = self._instants[self._next]
                self.feeds.append((instant, self._render(self._last, instant)))
            self._next += 1
