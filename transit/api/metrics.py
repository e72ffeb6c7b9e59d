"""``GET /metrics``: what the service has ingested and how fast, as JSON.

Counters come from their owners (tracker snapshot, JT/T 808 server, pollers,
ingest) through small callables, so this module knows no feed's types.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Generic, TypeVar

from aiohttp import web

from transit.api.app import CONTEXT, LIVE_MAX_AGE_S, json_response

T = TypeVar("T")


@dataclass
class SinkTally:
    """Calls through a ``CountingSink``; mutated only on the event loop."""

    calls: int = 0
    reports: int = 0  # in calls that succeeded (durable)
    failures: int = 0


class CountingSink(Generic[T]):
    """Wraps a sink (e.g. ``Ingest.submit_reports``) for a feed that keeps no tally itself."""

    def __init__(self, sink: Callable[[Sequence[T]], Awaitable[object]]) -> None:
        self._sink = sink
        self.tally = SinkTally()

    async def __call__(self, records: Sequence[T]) -> None:
        self.tally.calls += 1
        try:
            await self._sink(records)
        except Exception:
            self.tally.failures += 1
            raise
        self.tally.reports += len(records)


Counts = Callable[[], Mapping[str, object]]


@dataclass(frozen=True)
class MetricSources:
    """Where the counters live; a feed that is not running is left out (None)."""

    ingest: Counts
    jt808: Counts | None = None
    push: SinkTally | None = None
    pollers: Mapping[str, Counts] = field(default_factory=dict)  # by URL


METRICS = web.AppKey("metrics", MetricSources)


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
        "latency_receipt_to_state_ms": {
            "count": latency.total,
            "p50": _ms(latency.quantile(0.5)),
            "p99": _ms(latency.quantile(0.99)),
        },
        "ingest": dict(sources.ingest()),
        "jt808": None if sources.jt808 is None else dict(sources.jt808()),
        "push": None if sources.push is None else asdict(sources.push),
        "gtfsrt_pollers": {url: dict(counts()) for url, counts in sources.pollers.items()},
    })


def add_metrics_routes(app: web.Application, sources: MetricSources) -> None:
    app[METRICS] = sources
    app.router.add_get("/metrics", metrics)
