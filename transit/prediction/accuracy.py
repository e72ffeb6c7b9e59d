"""The running accuracy of every prediction method, scored as buses arrive.

A prediction is judged when the bus reaches the stop (its stop event): error =
actual minus predicted, horizon = actual minus when it was made, as in
``transit.prediction.scoring``. Statistics are exponentially weighted per
route, direction, horizon bucket and method, so they follow today's streets
and forget last week's; the weights behind the published blend come from them.
Pure: times come with the predictions and the events.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from transit.prediction.scoring import BUCKETS, bucket_label

# Bucket lower edges, for finding a horizon's bucket.
_EDGES = tuple(low for low, _, _, _ in BUCKETS)
_LAST = BUCKETS[-1][1]


def bucket_of(horizon_s: float) -> int | None:
    """Index in ``scoring.BUCKETS`` of a horizon, or None outside them."""
    if horizon_s < 0 or horizon_s >= _LAST:
        return None
    return bisect_right(_EDGES, horizon_s) - 1


@dataclass(frozen=True, slots=True)
class AccuracyKey:
    route_id: str
    direction_id: int
    bucket: int  # index in scoring.BUCKETS
    method: str


@dataclass(frozen=True, slots=True)
class MethodAccuracy:
    """One method's recent accuracy on one route, direction and horizon."""

    route_id: str
    direction_id: int
    horizon: str  # "0-3 min"
    method: str
    scored: int  # predictions judged so far (all weighted, recent ones more)
    mae_s: float
    bias_s: float  # mean of actual - predicted: positive, buses come later than told
    within_band: float  # share inside the passengers' band of the bucket


@dataclass
class _Running:
    count: int = 0
    mae: float = 0.0
    bias: float = 0.0
    within: float = 0.0

    def add(self, error: float, in_band: bool, rate: float) -> None:
        self.count += 1

        # The first observations set the level; afterwards each moves it by ``rate``.
        gain = max(rate, 1.0 / self.count)
        self.mae += gain * (abs(error) - self.mae)
        self.bias += gain * (error - self.bias)
        self.within += gain * ((1.0 if in_band else 0.0) - self.within)


class Accuracy:
    """Exponentially weighted error per route, direction, horizon bucket and
    method. ``half_life`` is counted in scored predictions of one key."""

    def __init__(self, half_life: float = 150.0) -> None:
        self._rate = 1.0 - 0.5 ** (1.0 / half_life)
        self._stats: dict[AccuracyKey, _Running] = {}

    def add(self, key: AccuracyKey, error_s: float) -> None:
        _, _, early, late = BUCKETS[key.bucket]
        running = self._stats.get(key)
        if running is None:
            running = self._stats[key] = _Running()
        running.add(error_s, early <= error_s <= late, self._rate)

    def find(self, key: AccuracyKey) -> tuple[int, float, float]:
        """(scored, MAE, bias) of ``key``; (0, nan, nan) when never scored."""
        running = self._stats.get(key)
        if running is None:
            return 0, float("nan"), float("nan")
        return running.count, running.mae, running.bias

    def list_all(self) -> list[MethodAccuracy]:
        rows = []
        for key, running in sorted(self._stats.items(), key=lambda kv: (
                kv[0].route_id, kv[0].direction_id, kv[0].bucket, kv[0].method)):
            low, high, _, _ = BUCKETS[key.bucket]
            rows.append(MethodAccuracy(key.route_id, key.direction_id, bucket_label(low, high),
                                       key.method, running.count, running.mae, running.bias,
                                       running.within))
        return rows


def pool(rows: Iterable[MethodAccuracy]) -> list[MethodAccuracy]:
    """Per method and horizon, the rows of every route and direction pooled
    (each weighted by how many predictions it judged); route_id "*"."""
    sums: dict[tuple[str, str], list[float]] = {}
    for row in rows:
        total = sums.setdefault((row.method, row.horizon), [0.0, 0.0, 0.0, 0.0])
        total[0] += row.scored
        total[1] += row.scored * row.mae_s
        total[2] += row.scored * row.bias_s
        total[3] += row.scored * row.within_band
    order = {bucket_label(low, high): i for i, (low, high, _, _) in enumerate(BUCKETS)}
    return [MethodAccuracy("*", -1, horizon, method, int(n), mae / n, bias / n, within / n)
            for (method, horizon), (n, mae, bias, within)
            in sorted(sums.items(), key=lambda kv: (kv[0][0], order[kv[0][1]])) if n]
