"""Scoring published predictions against what happened, by horizon.

Horizon is how long before the bus actually arrived the prediction was made;
error is actual minus predicted (negative: the bus came earlier than told,
the worse mistake for a passenger, hence the tighter early side of the bands).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from transit.prediction.calibration import sigma_band

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
    uncertainty_s: float = math.nan  # the prediction's standard deviation
    early_s: float = math.nan  # its calibrated band, offsets from ``predicted`` (NaN: none)
    late_s: float = math.nan


class BandKind(enum.StrEnum):
    """Which band of a prediction is scored."""

    NORMAL = "normal band of the uncertainty"
    CALIBRATED = "calibrated band (else the normal one)"
    WIDENED = "calibrated band widened to the normal one"


@dataclass(frozen=True, slots=True)
class BucketScore:
    label: str
    count: int
    mae_s: float
    median_abs_s: float
    p90_abs_s: float
    bias_s: float  # mean of actual - predicted
    within_band: float  # share inside the passengers' band


@dataclass(frozen=True, slots=True)
class BandScore:
    label: str
    count: int
    covered: float  # share of actual times inside the band
    median_half_width_s: float
    median_early_s: float  # offsets of the band from the predicted time
    median_late_s: float


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


def score_bands(
    records: Iterable[PredictionRecord],
    actual: Mapping[tuple[date, str, int], float],
    kind: BandKind,
    coverage: float,
    buckets: Sequence[tuple[float, float, float, float]] = BUCKETS,
) -> list[BandScore]:
    """Per horizon bucket, how often the actual time fell inside the published
    band and how wide the band was (a band covers anything if wide enough)."""
    rows = []
    for record in records:
        when = actual.get((record.service_date, record.trip_id, record.stop_sequence))
        if when is not None:
            rows.append((when - record.made_at, when - record.predicted, *_band(record, kind, coverage)))
    table = np.asarray(rows, dtype=float).reshape(-1, 4)
    horizon, error, early, late = table.T
    scores = []
    for low, high, _, _ in buckets:
        chosen = (horizon >= low) & (horizon < high)
        if not chosen.any():
            scores.append(BandScore(bucket_label(low, high), 0, *(math.nan,) * 4))
            continue
        e, lo, hi = error[chosen], early[chosen], late[chosen]
        scores.append(BandScore(
            bucket_label(low, high), int(chosen.sum()), float(np.mean((e >= lo) & (e <= hi))),
            float(np.median((hi - lo) / 2.0)), float(np.median(lo)), float(np.median(hi))))
    return scores


def _band(record: PredictionRecord, kind: BandKind, coverage: float) -> tuple[float, float]:
    normal = sigma_band(record.uncertainty_s, coverage)
    if kind is BandKind.NORMAL or math.isnan(record.early_s):
        return normal
    if kind is BandKind.CALIBRATED:
        return record.early_s, record.late_s
    return min(record.early_s, normal[0]), max(record.late_s, normal[1])


def to_records(predictions: Iterable, horizon_s: float = 1800.0) -> list[PredictionRecord]:  # type: ignore[type-arg]
    """Flatten TripPredictions into records within ``horizon_s`` of when they were made."""
    records = []
    for prediction in predictions:
        ref = prediction.trip
        for stop in prediction.stops:
            when = stop.arrival if stop.arrival is not None else stop.departure
            if when is None or when - prediction.made_at > horizon_s:
                continue
            records.append(PredictionRecord(
                prediction.made_at, prediction.vehicle_id, ref.service_date, ref.trip_id,
                stop.stop_sequence, stop.stop_id, when, stop.uncertainty_s,
                or_nan(stop.early_s), or_nan(stop.late_s)))
    return records


def or_nan(value: float | None) -> float:
    return math.nan if value is None else value
