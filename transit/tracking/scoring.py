"""Scoring detected stop events against the true passages of a day.

A trip's first stop is scored on departure (the bus stands there on layover,
so only its departure is defined); every other stop on arrival.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from transit.records import StopEvent


@dataclass(frozen=True, slots=True)
class TruePassage:
    trip_id: str
    stop_sequence: int
    arrival: float
    departure: float | None = None
    vehicle_id: str | None = None


@dataclass(frozen=True, slots=True)
class StopEventScore:
    true_passages: int
    detected: int  # true passages with a detected event
    false_events: int  # detected events with no true passage
    error_median_s: float
    error_p90_s: float
    error_mean_s: float
    trip_hours: float
    trip_hours_right: float  # of trips whose events came from the right vehicle

    @property
    def detected_share(self) -> float:
        return self.detected / self.true_passages if self.true_passages else 0.0

    @property
    def assignment_share(self) -> float:
        return self.trip_hours_right / self.trip_hours if self.trip_hours else 0.0


def score_stop_events(
    detected: Iterable[StopEvent],
    truth: Iterable[TruePassage],
    first_sequences: Mapping[str, int],
) -> StopEventScore:
    """``first_sequences``: trip_id -> stop_sequence of its first stop."""
    events = {(e.trip_id, e.stop_sequence): e for e in detected}  # the latest correction wins
    truths = list(truth)
    errors: list[float] = []
    seen: set[tuple[str, int]] = set()
    by_trip: dict[str, list[tuple[float, bool]]] = {}
    for passage in truths:
        key = (passage.trip_id, passage.stop_sequence)
        event = events.get(key)
        by_trip.setdefault(passage.trip_id, []).append(
            (passage.arrival, event is not None and event.vehicle_id == passage.vehicle_id)
        )
        if event is None:
            continue
        first = first_sequences.get(passage.trip_id) == passage.stop_sequence
        observed = event.departure if first else event.arrival
        expected = passage.departure if first else passage.arrival
        if observed is None or expected is None:
            observed, expected = (event.arrival or event.departure), passage.arrival
        if observed is None:
            continue
        seen.add(key)
        errors.append(abs(observed - expected))
    hours = right = 0.0
    for passages in by_trip.values():
        times = [p[0] for p in passages]
        duration = (max(times) - min(times)) / 3600.0
        hours += duration
        if sum(ok for _, ok in passages) >= 0.9 * len(passages):
            right += duration
    array = np.asarray(errors) if errors else np.asarray([np.nan])
    return StopEventScore(
        true_passages=len(truths),
        detected=len(seen),
        false_events=len(events.keys() - {(p.trip_id, p.stop_sequence) for p in truths}),
        error_median_s=float(np.median(array)),
        error_p90_s=float(np.percentile(array, 90)),
        error_mean_s=float(np.mean(array)),
        trip_hours=hours,
        trip_hours_right=right,
    )
