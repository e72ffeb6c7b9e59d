"""Prediction accuracy per line and horizon, as riders saw it: the published
prediction's running scores (``transit.prediction.accuracy``, judged as each
bus reached the stop), both directions of a line pooled, with the
timetable's own error on the same calls beside it (what a sign without
tracking would have said). Pure: the live snapshot's scores in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from transit.prediction.accuracy import MethodAccuracy
from transit.prediction.ensemble import PUBLISHED, SCHEDULE
from transit.prediction.scoring import BUCKETS, bucket_label

HORIZONS = tuple(bucket_label(low, high) for low, high, _, _ in BUCKETS)
ALL_LINES = "*"


@dataclass(frozen=True, slots=True)
class LineHorizon:
    route_id: str  # ALL_LINES: every line asked for, pooled
    horizon: str  # "0-3 min"
    scored: int  # predictions judged (weighted: recent ones count most)
    mae_s: float
    bias_s: float  # mean of actual - predicted: positive, buses came later than told
    within_band: float  # share inside the riders' band of the horizon
    timetable_mae_s: float | None  # the timetable's, where it was scored too


def _pooled(rows: list[MethodAccuracy]) -> tuple[int, float, float, float] | None:
    n = sum(r.scored for r in rows)
    if not n:
        return None
    return (n, sum(r.scored * r.mae_s for r in rows) / n, sum(r.scored * r.bias_s for r in rows) / n,
            sum(r.scored * r.within_band for r in rows) / n)


def line_accuracy(rows: Iterable[MethodAccuracy], route_ids: frozenset[str]) -> list[LineHorizon]:
    """Per line of ``route_ids`` and horizon, then every one of them pooled
    (route ``ALL_LINES``); by route id, then horizon."""
    grouped: dict[tuple[str, str, str], list[MethodAccuracy]] = {}
    for row in rows:
        if row.route_id in route_ids and row.method in (PUBLISHED, SCHEDULE):
            for route in (row.route_id, ALL_LINES):
                grouped.setdefault((route, row.horizon, row.method), []).append(row)
    found = []
    for route in sorted({key[0] for key in grouped}, key=lambda r: (r == ALL_LINES, r)):
        for horizon in HORIZONS:
            published = _pooled(grouped.get((route, horizon, PUBLISHED), []))
            if published is None:
                continue
            timetable = _pooled(grouped.get((route, horizon, SCHEDULE), []))
            found.append(LineHorizon(route, horizon, *published, None if timetable is None else timetable[1]))
    return found
