import asyncio
import time
from collections.abc import Sequence

import asyncpg
import pytest

from .helpers import report
from transit.records import VehicleReport
from transit.store.batching import BatchWriter, FlushFailed, WriterClosed
from transit.store.reports import insert_reports


class CountingFlush:
    """The real report flush, counting the batches it was given."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.batch_sizes: list[int] = []

    async def __call__(self, batch: Sequence[VehicleReport]) -> None:
        self.batch_sizes.append(len(batch))
        await insert_reports(self.pool, batch)


async def _stored(pool: asyncpg.Pool, vehicle_id: str) -> int:
    return await pool.fetchval("SELECT count(*) FROM vehicle_reports WHERE vehicle_id = $1", vehicle_id)


async def test_concurrent_writes_are_grouped_and_visible_on_return(clean_pool: asyncpg.Pool) -> None:
    flush = CountingFlush(clean_pool)
    writers, per_writer = 100, 5

    async def one_bus(k: int) -> None:
        vehicle_id = f"bus-{k}"
        await writer.write([report(vehicle_id, n) for n in range(per_writer)])
        # Acknowledged means committed: another connection already sees the rows.
        assert await _stored(clean_pool, vehicle_id) == per_writer

    async with BatchWriter(flush, max_batch=200, max_delay=0.03, name="reports") as writer:
        await asyncio.gather(*(one_bus(k) for k in range(writers)))

    assert sum(flush.batch_sizes) == writers * per_writer
    assert max(flush.batch_sizes) <= 200
    assert len(flush.batch_sizes) <= 5  # 500 records in batches of up to 200, not 100 flushes


async def test_failed_flush_raises_in_each_caller_and_next_batch_succeeds(clean_pool: asyncpg.Pool) -> None:
    flush = CountingFlush(clean_pool)
    async with BatchWriter(flush, max_delay=0.05) as writer:
        good = writer.write([report("bus-good")])
        bad = writer.write([report("bus-bad", lat=None)])  # NOT NULL violation in COPY
        results = await asyncio.gather(good, bad, return_exceptions=True)
        assert flush.batch_sizes == [2]
        for result in results:
            assert isinstance(result, FlushFailed)
            assert isinstance(result.__cause__, asyncpg.NotNullViolationError)
            assert result.batch_size == 2
        await writer.write([report("bus-after")])
    assert await _stored(clean_pool, "bus-good") == 0  # same batch: all or nothing
    assert await _stored(clean_pool, "bus-after") == 1


async def test_close_flushes_pending_without_waiting_the_delay(clean_pool: asyncpg.Pool) -> None:
    flush = CountingFlush(clean_pool)
    writer: BatchWriter[VehicleReport] = BatchWriter(flush, max_delay=30.0)
    await writer.start()
    pending = [asyncio.create_task(writer.write([report(f"bus-{k}")])) for k in range(3)]
    await asyncio.sleep(0.01)
    started = time.perf_counter()
    await writer.close()
    assert time.perf_counter() - started < 5
    await asyncio.gather(*pending)
    assert flush.batch_sizes == [3]
    with pytest.raises(WriterClosed):
        await writer.write([report("bus-late")])


async def test_full_batch_flushes_before_the_delay(clean_pool: asyncpg.Pool) -> None:
    flush = CountingFlush(clean_pool)
    async with BatchWriter(flush, max_batch=10, max_delay=30.0) as writer:
        started = time.perf_counter()
        await asyncio.gather(*(writer.write([report("bus-1", n)]) for n in range(10)))
        assert time.perf_counter() - started < 5
        # A write larger than max_batch is kept whole, in a batch of its own.
        await writer.write([report("bus-2", n) for n in range(25)])
    assert flush.batch_sizes == [10, 25]


async def test_write_before_start_is_refused() -> None:
    async def flush(batch: Sequence[int]) -> None:
        raise AssertionError("not called")

    writer: BatchWriter[int] = BatchWriter(flush)
    with pytest.raises(WriterClosed):
        await writer.write([1])
    await writer.write([])  # nothing to commit: nothing to wait for


async def test_cancelled_caller_does_not_stop_the_writer(clean_pool: asyncpg.Pool) -> None:
    flush = CountingFlush(clean_pool)
    async with BatchWriter(flush, max_delay=0.05) as writer:
        impatient = asyncio.create_task(writer.write([report("bus-gone")]))
        await asyncio.sleep(0.01)
        impatient.cancel()
        await writer.write([report("bus-stays")])
    # Enqueued records are still committed: a cancelled write is unacknowledged, not undone.
    assert await _stored(clean_pool, "bus-gone") == 1
    assert await _stored(clean_pool, "bus-stays") == 1
