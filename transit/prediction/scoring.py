"""Scoring published predictions against what happened, by horizon.

Horizon is how long before the bus actually arrived the prediction was made;
error is actual minus predicted (negative: the bus came earlier than told,
the worse mistake for a passenger, hence the tighter early side of the bands).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

# (from s, to s ahead, earliest tolerated error, latest tolerated error)
BUCKETS: tuple[tuple[float, float, float, float], ...] = (
    (0, 180, -30, 90),
    (180, 360, -60, 150),
    (360, 600, -60, 210),
    (600, 900, -90, 270),
    (900, 1800, -120, 360),
)


@dataclass(frozen=True, slots=True)
class PredictionRecord:
    made_at: float
    vehicle_id: str
    service_date: date
    trip_id: str
    stop_sequence: int
    stop_id: str
    predicted: float  # arrival, Unix seconds (departure at a trip's first stop)


@dataclass(frozen=True, slots=True)
class BucketScore:
    label: str
    count: int
    mae_s: float
    median_abs_s: float
    p90_abs_s: float
    bias_s: float  # mean of actual - predicted
    within_band: float  # share inside the passengers' band


def bucket_label(low: float, high: float) -> str:
    return f"{int(low // 60)}-{int(high // 60)} min"


def score_predictions(
    records: Iterable[PredictionRecord],
    actual: Mapping[tuple[date, str, int], float],
    buckets: Sequence[tuple[float, float, float, float]] = BUCKETS,
) -> list[BucketScore]:
    """One score per horizon bucket (``BUCKETS`` unless a report asks for
    finer ones); predictions whose stop was never observed are left out
    (they cannot be judged)."""
    made, errors = [], []
    for record in records:
        when = actual.get((record.service_date, record.trip_id, record.stop_sequence))
        if when is None:
            continue
        made.append(when - record.made_at)
        errors.append(when - record.predicted)
    horizon, error = np.asarray(made, dtype=float), np.asarray(errors, dtype=float)
    scores = []
    for low, high, early, late in buckets:
        chosen = error[(horizon >= low) & (horizon < high)]
        if chosen.size == 0:
            scores.append(BucketScore(bucket_label(low, high), 0, *(float("nan"),) * 5))
            continue
        absolute = np.abs(chosen)
        scores.append(BucketScore(
            bucket_label(low, high), int(chosen.size), float(absolute.mean()),
            float(np.median(absolute)), float(np.percentile(absolute, 90)), float(chosen.mean()),
            float(np.mean((chosen >= early) & (chosen <= late))),
        ))
    return scores


def to_records(predictions: Iterable, horizon_s: float = 1800.0) -> list[PredictionRecord]:  # type: ignore[type-arg]
    """Flatten TripPredictions into records within ``horizon_s`` of when they were made."""
    records = []
    for prediction in predictions:
        ref = prediction.trip
        for stop in prediction.stops:
            when = stop.arrival if stop.arrival is not None else stop.departure
            if when is None or when - prediction.made_at > horizon_s:
                continue
            records.append(PredictionRecord(prediction.made_at, prediction.vehicle_id, ref.service_date,
                                            ref.trip_id, stop.stop_sequence, stop.stop_id, when))
    return records
