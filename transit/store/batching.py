"""Group commit: many callers' records, one flush, every caller told after commit.

Feeds acknowledge a report only once it is durable (DESIGN.md "Durability"):
``await writer.write(records)`` returns when the batch holding those records has
been flushed (committed), or raises ``FlushFailed`` if that flush failed.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
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
    ) -> None:
        if max_batch < 1 or max_delay < 0:
            raise ValueError("max_batch must be >= 1 and max_delay >= 0")
        self._flush = flush
        self._max_batch = max_batch
        self._max_delay = max_delay
        self.name = name
        # (records, their caller's future, loop time they arrived), oldest first
        self._pending: deque[tuple[list[T], asyncio.Future[None], float]] = deque()
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

    async def write(self, records: Iterable[T]) -> None:
        """Return once ``records`` are committed; raise ``FlushFailed`` if not."""
        batch = list(records)
        if not batch:
            return
        if self._task is None or self._task.done() or self._closing:
            raise WriterClosed(f"{self.name}: not running")
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._pending.append((batch, done, loop.time()))
        self._pending_count += len(batch)
        self._has_pending.set()
        if self._pending_count >= self._max_batch:
            self._full.set()
        await done

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

    def _take_batch(self) -> list[tuple[list[T], asyncio.Future[None]]]:
        taken: list[tuple[list[T], asyncio.Future[None]]] = []
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
        try:
            await self._flush(batch)
        except BaseException as exc:
            _log.warning(
                "batch_flush_failed writer=%s records=%d error=%r",
                self.name,
                len(batch),
                exc,
                extra={"event": "batch_flush_failed", "writer": self.name, "records": len(batch)},
            )
            for _, done in taken:
                if not done.done():  # a cancelled caller no longer listens
                    failure = FlushFailed(self.name, len(batch))
                    failure.__cause__ = exc
                    done.set_exception(failure)
            if not isinstance(exc, Exception):
                raise  # cancellation: the batch's callers are told above, then stop
            return
        for _, done in taken:
            if not done.done():
                done.set_result(None)
