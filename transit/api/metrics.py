"""``GET /metrics``: what the service has ingested and how fast, as JSON.

Counters come from their owners (tracker snapshot, JT/T 808 server, pollers,
ingest) through small callables, so this module knows no feed's types.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from aiohttp import web

from transit.api.accuracy import pooled_accuracy
from transit.api.context import CONTEXT, json_response
from transit.freshness import LIVE_MAX_AGE_S
from transit.live.latency import LatencyHistogram



Counts = Callable[[], Mapping[str, object]]


@dataclass(frozen=True)
class MetricSources:
    """Where the counters live; a feed that is not running is left out (None)."""

    ingest: Counts
    jt808: Counts | None = None
    push: Counts | None = None
    tap_push: Counts | None = None  # POS readers' tap push: counts, and each reader's last push
    pollers: Mapping[str, Counts] = field(default_factory=dict)  # by URL
    loop_lag: Counts | None = None  # transit.api.loop_lag.LoopLagMonitor.read


class RecentLatency:
    """Quantiles of a cumulative ``LatencyHistogram`` over about the last
    ``window_s``: the difference between now and a checkpoint of its bins.

    Checkpoints are taken when read (at most one per ``min_gap_s``, none kept
    beyond ``2 * window_s``); the one whose age is nearest ``window_s`` is the
    window's start, and the window actually used is reported. Read once a
    minute, it gives that minute; never read before, it covers everything
    since start. Bounded: <= 2 * window_s / min_gap_s checkpoints.
    """

    def __init__(self, window_s: float = 60.0, min_gap_s: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.window_s = window_s
        self.min_gap_s = min_gap_s
        self._clock = clock
        self._histogram: LatencyHistogram | None = None
        self._started = clock()
        self._checkpoints: deque[tuple[float, dict[int, int], int]] = deque()

    def read(self, histogram: LatencyHistogram) -> dict[str, object]:
        now = self._clock()
        if histogram is not self._histogram:
            if self._histogram is not None:  # another live state (tests): start over
                self._started = now
                self._checkpoints.clear()
            self._histogram = histogram
        while self._checkpoints and now - self._checkpoints[0][0] > 2 * self.window_s:
            self._checkpoints.popleft()
        start, total = self._started, 0
        counts: dict[int, int] = {}
        if self._checkpoints:
            start, counts, total = min(self._checkpoints,
                                       key=lambda c: abs(now - c[0] - self.window_s))
        current = dict(histogram.counts)
        delta = {i: n - counts.get(i, 0) for i, n in current.items() if n > counts.get(i, 0)}
        recent = LatencyHistogram(delta, histogram.total - total)
        if not self._checkpoints or now - self._checkpoints[-1][0] >= self.min_gap_s:
            self._checkpoints.append((now, current, histogram.total))
        return {
            "window_s": round(now - start, 1),
            "count": recent.total,
            "p50": _ms(recent.quantile(0.5)),
            "p99": _ms(recent.quantile(0.99)),
        }


METRICS = web.AppKey("metrics", MetricSources)
RECENT_LATENCY = web.AppKey("recent_latency", RecentLatency)


def _ms(seconds: float) -> float | None:
    return round(seconds * 1000, 3) if math.isfinite(seconds) else None


async def metrics(request: web.Request) -> web.Response:
    context = request.app[CONTEXT]
    sources = request.app[METRICS]
    snapshot = context.live.snapshot
    latency = context.live.latency
    return json_response({
        "at": context.clock(),
        "vehicles_live": len(snapshot.list_live(context.clock(), LIVE_MAX_AGE_S)),
        "tracker": dict(snapshot.outcomes),
        "trip_descriptors": dict(snapshot.descriptors),
        "latency_receipt_to_state_ms": {
            "count": latency.total,
            "p50": _ms(latency.quantile(0.5)),
            "p99": _ms(latency.quantile(0.99)),
            "recent": request.app[RECENT_LATENCY].read(latency),
        },
        "prediction_accuracy": pooled_accuracy(snapshot.accuracy),
        "loop_lag_ms": None if sources.loop_lag is None else dict(sources.loop_lag()),
        "ingest": dict(sources.ingest()),
        "jt808": None if sources.jt808 is None else dict(sources.jt808()),
        "push": None if sources.push is None else dict(sources.push()),
        "tap_push": None if sources.tap_push is None else dict(sources.tap_push()),
        "gtfsrt_pollers": {url: dict(counts()) for url, counts in sources.pollers.items()},
    })


def add_metrics_routes(app: web.Application, sources: MetricSources) -> None:
    app[METRICS] = sources
    app[RECENT_LATENCY] = RecentLatency()
    app.router.add_get("/metrics", metrics)
