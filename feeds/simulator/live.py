"""Play a simulated day as a live feed: deliver each report and tap when its
``received_at`` comes on a simulated clock.

The simulated clock starts at ``start_unix`` when ``stream`` starts and runs
``speed`` times faster than the wall clock. ``now`` and ``sleep`` are passed in
(a monotonic clock and ``asyncio.sleep`` in production), so tests drive it
instantly. Items received before ``start_unix`` are history and are skipped.
"""

from __future__ import annotations

import heapq
from collections.abc import Awaitable, Callable

from feeds.simulator.day import SimulatedDay
from feeds.simulator.taps import RawTap
from transit.records import VehicleReport

Item = VehicleReport | RawTap
Sink = Callable[[Item], Awaitable[None]]


async def stream(
    day: SimulatedDay,
    start_unix: float,
    speed: float,
    sink: Sink,
    *,
    now: Callable[[], float],
    sleep: Callable[[float], Awaitable[None]],
) -> int:
    """Deliver the day's reports and taps to ``sink`` in ``received_at`` order,
    none before its time; returns how many were delivered."""
    if speed <= 0:
        raise ValueError(f"speed must be positive, got {speed}")
    items = heapq.merge(day.reports, day.taps, key=lambda item: item.received_at)
    wall_start = now()
    delivered = 0
    for item in items:
        if item.received_at < start_unix:
            continue
        due = wall_start + (item.received_at - start_unix) / speed
        wait = due - now()
        if wait > 0:
            await sleep(wait)
        await sink(item)
        delivered += 1
    return delivered
