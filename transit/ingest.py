"""The one ingest path (DESIGN.md "Durability").

Every feed hands its decoded records to ``Ingest``. Each record is checked
(``transit.validation``) before it reaches the writer or the live state; a bad
one is refused, counted by reason, and loses nothing else. A batch is
acknowledged to its feed only after PostgreSQL has committed it, so nothing
acknowledged is ever lost. Reports and taps go to the live state in the same
order as they come in (a tap counts a rider on the bus where it is then: live
crowding). A tap pushed by a reader goes live only once its commit says it is
new: a reader re-sending a payment changes nothing, stored or live.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, TypeVar

from transit.live.tracking import LiveTracking
from transit.privacy import pseudonymise
from transit.records import PaymentMedium, Tap, VehicleReport
from transit.store.batching import BatchWriter, FlushFailed
from transit.store.taps import NewTaps
from transit.validation import Refusal, check_report, check_tap, check_text

_log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")
# Offered records wait this long, doubling up to the maximum, while the database is away.
RETRY_FIRST_S, RETRY_MAX_S = 0.5, 5.0


class RawTap(Protocol):
    """A tap as a POS reader sends it, the account still in clear (read-only
    members: a simulated reader's taps always carry a position, a real one's may not)."""

    @property
    def tap_id(self) -> str: ...
    @property
    def vehicle_id(self) -> str: ...
    @property
    def timestamp(self) -> float: ...  # the reader's clock
    @property
    def medium(self) -> PaymentMedium: ...
    @property
    def account(self) -> str: ...
    @property
    def lat(self) -> float | None: ...
    @property
    def lon(self) -> float | None: ...
    @property
    def received_at(self) -> float: ...
    @property
    def line_id(self) -> str | None: ...
    @property
    def amount_fen(self) -> int | None: ...
    @property
    def transfer(self) -> bool | None: ...
    @property
    def reader_id(self) -> str | None: ...  # the registered reader that pushed it


class TapOutcome(enum.StrEnum):
    """What became of a tap that passed the checks."""

    STORED = "stored"
    DUPLICATE = "duplicate"  # the same payment was already stored: nothing changed


# Stores taps in one transaction and says, from the commit, which were new
# (``transit.store.taps.store_new_taps`` on a pool).
NewTapStore = Callable[[Sequence[Tap]], Awaitable[NewTaps]]


def to_tap(raw: RawTap, key: bytes) -> Tap | Refusal:
    """The stored form of ``raw`` (account pseudonymised), or why it cannot be stored."""
    refusal = check_text("account", raw.account, 128)
    if refusal is not None:
        return refusal
    tap = Tap(raw.tap_id, raw.vehicle_id, raw.timestamp, raw.medium,
              pseudonymise(raw.account, key), raw.lat, raw.lon, raw.received_at,
              raw.line_id, raw.amount_fen, raw.transfer, raw.reader_id)
    return check_tap(tap) or tap


def _tap_outcome(new: NewTaps, index: int) -> TapOutcome | Refusal:
    if index in new.stored:
        return TapOutcome.STORED
    if index in new.conflicting:
        return Refusal("txn_id_conflict", "txn_id", "this transaction id is already stored "
                       "for another payment (another vehicle or card)")
    if index in new.refused:
        return Refusal("not_storable", None, f"the database refused it: {new.refused[index]}")
    return TapOutcome.DUPLICATE


def _judge_report(report: VehicleReport) -> VehicleReport | Refusal:
    return check_report(report) or report


class Ingest:
    """Checks records from feeds and moves them, in order, to store and live state."""

    def __init__(
        self,
        reports: BatchWriter[VehicleReport],
        taps: BatchWriter[Tap],
        live: LiveTracking,
        pseudonym_key: bytes,
        new_taps: NewTapStore,
    ) -> None:
        self._reports = reports
        self._taps = taps
        self._new_taps = new_taps
        self._live = live
        self._key = pseudonym_key
        self._queue: asyncio.Queue[VehicleReport | RawTap] = asyncio.Queue()
        self.stored_reports = 0
        self.stored_taps = 0
        self.duplicate_taps = 0  # pushed again: nothing changed
        self.refused: Counter[str] = Counter()  # "report:<reason>", "tap:<reason>"

    async def offer(self, item: VehicleReport | RawTap) -> None:
        """For feeds that do not wait for durability (the simulator)."""
        self._queue.put_nowait(item)

    async def submit_reports(self, reports: Sequence[VehicleReport]) -> dict[int, Refusal]:
        """Returns once the valid ``reports`` are durable, so the feed may
        acknowledge them; the refused ones by index (refused for good: sending
        them again will not help). Raises ``FlushFailed`` when the database
        could not take them now.

        They go live at once, while the commit runs: a sign need not wait for
        the disk, and a report lost to a crash before its commit was never
        acknowledged, so its terminal sends it again (tracking drops the repeat).
        """
        valid, positions, refused = self._screen(reports, _judge_report, "report")
        if valid:
            self._live.submit(valid)
            # Not ``+= await``: that reads the total before the await and loses
            # every commit that finishes meanwhile.
            stored = await self._store(self._reports, valid, positions, refused, "report")
            self.stored_reports += stored
        return refused

    async def submit_taps(self, raw: Sequence[RawTap]) -> list[TapOutcome | Refusal]:
        """Returns, once the new taps among ``raw`` are committed, what became
        of each (in order): stored, a duplicate (the same payment stored
        before, or earlier in ``raw``: nothing changes), or refused for good
        (sending it again will not help). Raises when the database could not
        take them now (send them all again: the stored ones come back duplicates).

        Only the new ones go live, after their commit (crowding counts each
        rider once however often a reader re-sends)."""
        taps, positions, refused = self._screen(raw, self._to_tap, "tap")
        outcomes: list[TapOutcome | Refusal] = [TapOutcome.DUPLICATE] * len(raw)
        for index, refusal in refused.items():
            outcomes[index] = refusal
        if not taps:
            return outcomes
        new = await self._new_taps(taps)
        for index, tap in enumerate(taps):
            outcome = _tap_outcome(new, index)
            if isinstance(outcome, Refusal):
                self._count("tap", outcome, tap)
            outcomes[positions[index]] = outcome
        fresh = [taps[i] for i in sorted(new.stored)]
        if fresh:
            self._live.submit(fresh)
        self.stored_taps += len(fresh)
        self.duplicate_taps += sum(o is TapOutcome.DUPLICATE for o in outcomes)
        return outcomes

    def _to_tap(self, raw: RawTap) -> Tap | Refusal:
        return to_tap(raw, self._key)

    def _judge(self, item: VehicleReport | RawTap) -> VehicleReport | Tap | Refusal:
        """``item`` fit to store, or why not (counted)."""
        if isinstance(item, VehicleReport):
            kind, judged = "report", _judge_report(item)
        else:
            kind, judged = "tap", self._to_tap(item)
        if isinstance(judged, Refusal):
            self._count(kind, judged, item)
        return judged

    def _screen(
        self, records: Sequence[R], judge: Callable[[R], T | Refusal], kind: str
    ) -> tuple[list[T], list[int], dict[int, Refusal]]:
        """The records fit to store (as ``judge`` makes them), their positions in
        ``records``, and the refused by position."""
        valid: list[T] = []
        positions: list[int] = []
        refused: dict[int, Refusal] = {}
        for index, record in enumerate(records):
            judged = judge(record)
            if isinstance(judged, Refusal):
                refused[index] = judged
                self._count(kind, judged, record)
            else:
                valid.append(judged)
                positions.append(index)
        return valid, positions, refused

    async def _store(self, writer: BatchWriter[T], records: list[T], positions: list[int],
                     refused: dict[int, Refusal], kind: str) -> int:
        """Write ``records``; note the rows the database refused; return how many were stored."""
        rows = await writer.write(records)
        for row in rows:
            refusal = Refusal("not_storable", None, f"the database refused it: {row.error}")
            refused[positions[row.index]] = refusal
            self._count(kind, refusal, records[row.index])
        return len(records) - len(rows)

    def _count(self, kind: str, refusal: Refusal, record: object) -> None:
        self.refused[f"{kind}:{refusal.reason}"] += 1
        vehicle = getattr(record, "vehicle_id", None)
        # repr: the refused text may hold the very control characters refused.
        _log.info("record_refused kind=%s reason=%s field=%s vehicle_id=%r source=%r", kind,
                  refusal.reason, refusal.field, vehicle, getattr(record, "source", None),
                  extra={"event": "record_refused", "kind": kind, "reason": refusal.reason})

    async def run(self) -> None:
        """Drain offered items in chunks: one commit per chunk, order kept. A
        database outage holds them back (retried), a bad record is refused."""
        while True:
            chunk = [await self._queue.get()]
            while not self._queue.empty():
                chunk.append(self._queue.get_nowait())
            judged = [self._judge(item) for item in chunk]
            live = [j for j in judged if not isinstance(j, Refusal)]
            if live:
                self._live.submit(live)
            valid = [j for j in live if isinstance(j, VehicleReport)]
            tapped = [j for j in live if isinstance(j, Tap)]
            positions, tap_positions = list(range(len(valid))), list(range(len(tapped)))
            stored = await asyncio.gather(
                self._until_stored(self._reports, valid, positions, "report"),
                self._until_stored(self._taps, tapped, tap_positions, "tap"),
            )
            self.stored_reports += stored[0]
            self.stored_taps += stored[1]

    async def _until_stored(self, writer: BatchWriter[T], records: list[T], positions: list[int],
                            kind: str) -> int:
        wait = RETRY_FIRST_S
        while records:
            try:
                return await self._store(writer, records, positions, {}, kind)
            except FlushFailed as exc:
                _log.warning("ingest_retrying kind=%s records=%d in_s=%.1f error=%r", kind,
                             len(records), wait, exc.__cause__, extra={"event": "ingest_retrying"})
                await asyncio.sleep(wait)
                wait = min(RETRY_MAX_S, wait * 2)
        return 0
