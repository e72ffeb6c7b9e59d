"""Event-loop lag: how late the loop runs a timer, measured in the service itself.

A task sleeps a fixed interval and records how much later than asked it woke:
the time some callback (a snapshot build, a collector pause, a long handler)
held the loop. ``read()`` gives p50 / p99 / max over the last ``window_s``,
for ``/metrics`` (``loop_lag_ms``). Memory is bounded: one float pair per
sample, ``window_s / interval_s`` samples at most.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable


class LoopLagMonitor:
    def __init__(self, interval_s: float = 0.05, window_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if interval_s <= 0 or window_s <= 0:
            raise ValueError("interval_s and window_s must be positive")
        self.interval_s = interval_s
        self.window_s = window_s
        self._clock = clock
        self._samples: deque[tuple[float, float]] = deque(
            maxlen=math.ceil(window_s / interval_s) + 1)  # (woke at, lag s)
        self.max_ever_s = 0.0
        self.total = 0

    def record(self, at: float, lag_s: float) -> None:
        lag_s = max(0.0, lag_s)
        self._samples.append((at, lag_s))
        self.max_ever_s = max(self.max_ever_s, lag_s)
        self.total += 1

    async def run(self) -> None:
        """Sample until cancelled."""
        clock, interval = self._clock, self.interval_s
        while True:
            asked = clock()
            await asyncio.sleep(interval)
            woke = clock()
            self.record(woke, woke - asked - interval)

    def read(self) -> dict[str, object]:
        """Lag over the last ``window_s`` (ms): samples, p50, p99, max; and the
        maximum since start. Quantiles are None before the first sample."""
        since = self._clock() - self.window_s
        lags = sorted(lag for at, lag in self._samples if at >= since)

        def ms(value: float | None) -> float | None:
            return None if value is None else round(value * 1000, 3)

        def quantile(q: float) -> float | None:
            if not lags:
                return None
            return lags[min(len(lags) - 1, int(q * len(lags)))]

        return {
            "window_s": self.window_s,
            "interval_ms": ms(self.interval_s),
            "samples": len(lags),
            "p50": ms(quantile(0.5)),
            "p99": ms(quantile(0.99)),
            "max": ms(lags[-1] if lags else None),
            "max_ever": ms(self.max_ever_s),
        }
