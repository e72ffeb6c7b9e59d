"""Group commit: many callers' records, one flush, every caller told after commit.

Feeds acknowledge a report only once it is durable (DESIGN.md "Durability"):
``await writer.write(records)`` returns when the batch holding those records has
been flushed (committed), or raises ``FlushFailed`` if that flush failed.

One bad row must not hold back everyone else's (issue 8: a NUL byte in one
vehicle id failed every group commit it joined). When a flush fails for a
reason that lies in the rows (``is_row_fault``), the writer bisects the batch,
commits every part that commits, and returns the rows at fault to their
callers as ``RowRefused``; only a failure of the database itself (down, disk
full) reaches callers as ``FlushFailed``, which means "send it again".
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

_log = logging.getLogger(__name__)

T = TypeVar("T")


class WriterClosed(RuntimeError):
    """``write`` on a writer that is not running (not started, or closed)."""


class FlushFailed(Exception):
    """The batch holding this caller's records was not committed; ``__cause__`` says why."""

    def __init__(self, writer: str, batch_size: int) -> None:
        super().__init__(f"{writer}: flush of {batch_size} records failed")
        self.writer = writer
        self.batch_size = batch_size


@dataclass(frozen=True, slots=True)
class RowRefused:
    """A record the database will never take: its index in the caller's records, and why."""

    index: int
    error: str


def _never(_: Exception) -> bool:
    return False


class BatchWriter(Generic[T]):
    """Collects records for up to ``max_delay`` seconds or ``max_batch`` records.

    One flush runs at a time; records arriving meanwhile form the next batch, so
    batches grow with load. A caller's records always go into one batch together,
    even when there are more than ``max_batch`` of them.
    """

    def __init__(
        self,
        flush: Callable[[Sequence[T]], Awaitable[object]],
        *,
        max_batch: int = 1000,
        max_delay: float = 0.02,
        name: str = "batch",
        is_row_fault: Callable[[Exception], bool] = _never,
    ) -> None:
        if max_batch < 1 or max_delay < 0:
            raise ValueError("max_batch must be >= 1 and max_delay >= 0")
        self._flush = flush
        self._is_row_fault = is_row_fault
        self._max_batch = max_batch
        self._max_delay = max_delay
        self.name = name
        # (records, their caller's future, loop time they arrived), oldest first
        self._pending: deque[tuple[list[T], asyncio.Future[list[RowRefused]], float]] = deque()
        self._pending_count = 0
        self._has_pending = asyncio.Event()
        self._full = asyncio.Event()  # a batch is ready without waiting any longer
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    async def __aenter__(self) -> BatchWriter[T]:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def start(self) -> None:
        if self._task is not None or self._closing:
            raise WriterClosed(f"{self.name}: already started")
        self._task = asyncio.create_task(self._run(), name=f"batch-writer-{self.name}")

    async def close(self) -> None:
        """Flush what is pending, then stop; later writes raise ``WriterClosed``."""
        self._closing = True
        self._has_pending.set()
        self._full.set()
        if self._task is not None:
            await self._task

    async def write(self, records: Iterable[T]) -> list[RowRefused]:
        """Return once ``records`` are committed, with those the database refused
        for what they hold (never stored, never to be sent again); raise
        ``FlushFailed`` if the database could not take them now."""
        batch = list(records)
        if not batch:
            return []
        if self._task is None or self._task.done() or self._closing:
            raise WriterClosed(f"{self.name}: not running")
        loop = asyncio.get_running_loop()
        done: asyncio.Future[list[RowRefused]] = loop.create_future()
        self._pending.append((batch, done, loop.time()))
        self._pending_count += len(batch)
        self._has_pending.set()
        if self._pending_count >= self._max_batch:
            self._full.set()
        return await done

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                if not self._pending:
                    if self._closing:
                        return
                    self._has_pending.clear()
                    await self._has_pending.wait()
                    continue
                wait = self._pending[0][2] + self._max_delay - loop.time()
                if wait > 0 and not self._full.is_set():
                    try:
                        await asyncio.wait_for(self._full.wait(), timeout=wait)
                    except TimeoutError:
                        pass
                await self._flush_next()
        finally:
            # Only reached early if the task is cancelled: nobody may wait forever.
            for _, done, _ in self._pending:
                if not done.done():
                    done.set_exception(WriterClosed(f"{self.name}: stopped before flushing"))
            self._pending.clear()

    def _take_batch(self) -> list[tuple[list[T], asyncio.Future[list[RowRefused]]]]:
        taken: list[tuple[list[T], asyncio.Future[list[RowRefused]]]] = []
        count = 0
        while self._pending and (not taken or count + len(self._pending[0][0]) <= self._max_batch):
            records, done, _ = self._pending.popleft()
            taken.append((records, done))
            count += len(records)
        self._pending_count -= count
        if not self._closing and self._pending_count < self._max_batch:
            self._full.clear()
        return taken

    async def _flush_next(self) -> None:
        taken = self._take_batch()
        batch = [record for records, _ in taken for record in records]
        refused: dict[int, str] = {}
        committed: set[int] = set()  # batch positions committed, when it came to bisecting
        try:
            await self._commit(batch, 0, len(batch), refused, committed)
        except BaseException as exc:
            _log.warning(
                "batch_flush_failed writer=%s records=%d error=%r",
                self.name,
                len(batch),
                exc,
                extra={"event": "batch_flush_failed", "writer": self.name, "records": len(batch)},
            )
            start = 0
            for records, done in taken:
                end = start + len(records)
                # A caller whose rows all went in before the failure is served.
                if all(i in committed or i in refused for i in range(start, end)):
                    self._answer(done, refused, start, end)
                elif not done.done():  # a cancelled caller no longer listens
                    failure = FlushFailed(self.name, len(batch))
                    failure.__cause__ = exc
                    done.set_exception(failure)
                start = end
            if not isinstance(exc, Exception):
                raise  # cancellation: the batch's callers are told above, then stop
            return
        start = 0
        for records, done in taken:
            self._answer(done, refused, start, start + len(records))
            start += len(records)

    @staticmethod
    def _answer(done: asyncio.Future[list[RowRefused]], refused: dict[int, str],
                start: int, end: int) -> None:
        if not done.done():
            done.set_result([RowRefused(i - start, refused[i])
                             for i in range(start, end) if i in refused])

    async def _commit(self, batch: list[T], lo: int, hi: int,
                      refused: dict[int, str], committed: set[int]) -> None:
        """Commit ``batch[lo:hi]``, bisecting around rows at fault (into ``refused``).

        k bad rows among n cost about k * log2(n) extra flushes; a failure that
        is not a row's fault propagates at once."""
        try:
            await self._flush(batch[lo:hi])
        except Exception as exc:
            if not self._is_row_fault(exc):
                raise
            if hi - lo == 1:
                refused[lo] = f"{type(exc).__name__}: {exc}"
                _log.warning("batch_row_refused writer=%s error=%s", self.name, refused[lo],
                             extra={"event": "batch_row_refused", "writer": self.name})
                return
            mid = (lo + hi) // 2
            await self._commit(batch, lo, mid, refused, committed)
            await self._commit(batch, mid, hi, refused, committed)
            return
        if (lo, hi) != (0, len(batch)):  # only bisection needs to know
            committed.update(range(lo, hi))
