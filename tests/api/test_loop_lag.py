"""The event-loop lag monitor and the recent receipt->state window of /metrics."""

from __future__ import annotations

import asyncio
import time

from transit.api.loop_lag import LoopLagMonitor
from transit.api.metrics import RecentLatency
from transit.live.latency import LatencyHistogram


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_lag_quantiles_cover_only_the_window() -> None:
    clock = FakeClock()
    monitor = LoopLagMonitor(interval_s=0.05, window_s=60.0, clock=clock)
    for n in range(100):
        clock.now = n * 0.05
        monitor.record(clock.now, 0.5 if n == 10 else 0.001)
    read = monitor.read()
    assert read["samples"] == 100
    assert read["p50"] == 1.0 and read["max"] == 500.0 and read["max_ever"] == 500.0
    clock.now = 100.0  # the stall is over a minute old: out of the window, still the max ever
    monitor.record(clock.now, 0.002)
    read = monitor.read()
    assert read["samples"] == 1 and read["max"] == 2.0 and read["max_ever"] == 500.0


def test_lag_memory_is_bounded() -> None:
    monitor = LoopLagMonitor(interval_s=0.05, window_s=1.0)
    for n in range(10_000):
        monitor.record(float(n), 0.0)
    assert len(monitor._samples) <= 21


async def test_a_blocked_loop_shows_as_lag() -> None:
    monitor = LoopLagMonitor(interval_s=0.01, window_s=10.0)
    task = asyncio.create_task(monitor.run())
    await asyncio.sleep(0.05)
    time.sleep(0.12)  # noqa: ASYNC251 - a callback holding the loop, on purpose
    await asyncio.sleep(0.05)
    task.cancel()
    read = monitor.read()
    assert read["max"] is not None and read["max"] >= 100.0


def test_recent_latency_is_the_last_minute() -> None:
    clock = FakeClock()
    histogram = LatencyHistogram()
    recent = RecentLatency(window_s=60.0, clock=clock)
    for _ in range(100):
        histogram.add(0.001)
    first = recent.read(histogram)
    assert first["count"] == 100  # never read before: everything since start
    clock.now = 60.0
    for _ in range(50):
        histogram.add(0.2)
    second = recent.read(histogram)
    assert second["count"] == 50 and second["window_s"] == 60.0
    assert 200.0 <= second["p99"] < 230.0  # bins are ~12% wide
    clock.now = 120.0
    third = recent.read(histogram)
    assert third["count"] == 0 and third["p99"] is None
