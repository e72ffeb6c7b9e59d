"""The one ingest path (DESIGN.md "Durability").

Every feed hands its decoded records to ``Ingest``; a batch is acknowledged to
its feed only after PostgreSQL has committed it, so nothing acknowledged is
ever lost. Reports go to the live state in the same order as they come in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

from transit.live.tracking import LiveTracking
from transit.privacy import pseudonymise
from transit.records import PaymentMedium, Tap, VehicleReport
from transit.store.batching import BatchWriter


class RawTap(Protocol):
    """A tap as a POS reader sends it, the account still in clear."""

    tap_id: str
    vehicle_id: str
    timestamp: float
    medium: PaymentMedium
    account: str
    lat: float
    lon: float
    received_at: float


def to_tap(raw: RawTap, key: bytes) -> Tap:
    return Tap(raw.tap_id, raw.vehicle_id, raw.timestamp, raw.medium,
               pseudonymise(raw.account, key), raw.lat, raw.lon, raw.received_at)


class Ingest:
    """Collects records from feeds and moves them, in order, to store and live state."""

    def __init__(
        self,
        reports: BatchWriter[VehicleReport],
        taps: BatchWriter[Tap],
        live: LiveTracking,
        pseudonym_key: bytes,
    ) -> None:
        self._reports = reports
        self._taps = taps
        self._live = live
        self._key = pseudonym_key
        self._queue: asyncio.Queue[VehicleReport | RawTap] = asyncio.Queue()
        self.stored_reports = 0
        self.stored_taps = 0

    async def offer(self, item: VehicleReport | RawTap) -> None:
        """For feeds that do not wait for durability (the simulator)."""
        self._queue.put_nowait(item)

    async def submit_reports(self, reports: Sequence[VehicleReport]) -> None:
        """Returns once ``reports`` are durable, so the feed may acknowledge them.

        They go live at once, while the commit runs: a sign need not wait for
        the disk, and a report lost to a crash before its commit was never
        acknowledged, so its terminal sends it again (tracking drops the repeat).
        """
        self._live.submit(reports)
        await self._reports.write(reports)
        self.stored_reports += len(reports)

    async def submit_taps(self, raw: Sequence[RawTap]) -> None:
        taps = [to_tap(t, self._key) for t in raw]
        await self._taps.write(taps)
        self.stored_taps += len(taps)

    async def run(self) -> None:
        """Drain offered items in chunks: one commit per chunk, order kept."""
        while True:
            chunk = [await self._queue.get()]
            while not self._queue.empty():
                chunk.append(self._queue.get_nowait())
            reports = [i for i in chunk if isinstance(i, VehicleReport)]
            taps = [i for i in chunk if not isinstance(i, VehicleReport)]
            await asyncio.gather(
                self.submit_reports(reports) if reports else asyncio.sleep(0),
                self.submit_taps(taps) if taps else asyncio.sleep(0),
            )
