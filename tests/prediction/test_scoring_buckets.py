"""Scoring by horizon with finer buckets than the live judge's (a report's choice)."""

from __future__ import annotations

from datetime import date

from transit.prediction.scoring import BUCKETS, PredictionRecord, score_predictions

DAY = date(2026, 12, 1)


def _record(made_at: float, predicted: float) -> PredictionRecord:
    return PredictionRecord(made_at, "V1", DAY, "T1", 1, "S1", predicted)


def test_finer_buckets_split_what_the_default_ones_pool() -> None:
    actual = {(DAY, "T1", 1): 2000.0}
    records = [_record(2000.0 - 1000.0, 1990.0), _record(2000.0 - 1500.0, 1900.0)]  # 16.7 and 25 min ahead
    pooled = score_predictions(records, actual)
    assert len(pooled) == len(BUCKETS) and pooled[-1].count == 2 and pooled[-1].mae_s == 55.0
    finer = score_predictions(records, actual, ((900, 1200, -120, 360), (1200, 1800, -120, 360)))
    assert [(s.label, s.count, s.mae_s, s.bias_s) for s in finer] == [
        ("15-20 min", 1, 10.0, 10.0), ("20-30 min", 1, 100.0, 100.0)]
