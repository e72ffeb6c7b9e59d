"""The single writer of live fleet state (OpenTripPlanner's pattern).

Feeds submit reports that are already durable; one task applies them in order
and publishes a new immutable snapshot; readers only ever read ``snapshot``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from transit.live.positions import FleetSnapshot, apply_reports
from transit.records import VehicleReport


class LiveFleet:
    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._queue: asyncio.Queue[Sequence[VehicleReport]] = asyncio.Queue()
        self.snapshot = FleetSnapshot(at=clock())

    def submit(self, reports: Sequence[VehicleReport]) -> None:
        self._queue.put_nowait(reports)

    async def run(self) -> None:
        """Apply queued reports until cancelled; drains what is queued at once
        so a burst costs one snapshot, not one per batch."""
        while True:
            pending = [await self._queue.get()]
            while not self._queue.empty():
                pending.append(self._queue.get_nowait())
            reports = [r for batch in pending for r in batch]
            self.snapshot = apply_reports(self.snapshot, reports, self._clock())

    async def settle(self) -> None:
        """Wait until everything submitted so far is applied (tests, shutdown)."""
        while not self._queue.empty():
            await asyncio.sleep(0)
        await asyncio.sleep(0)
