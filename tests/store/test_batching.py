import asyncio
import time
from collections.abc import Sequence

import asyncpg
import pytest

from .helpers import report
from transit.records import VehicleReport
from transit.store.batching import BatchWriter, FlushFailed, RowRefused, WriterClosed
from transit.store.errors import is_row_fault
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


async def test_a_bad_row_is_refused_alone_and_every_other_caller_is_committed(
    clean_pool: asyncpg.Pool,
) -> None:
    """Issue 8: one report with a NUL byte failed every group commit it joined."""
    flush = CountingFlush(clean_pool)
    async with BatchWriter(flush, max_batch=1000, max_delay=0.05, is_row_fault=is_row_fault) as writer:
        honest = [writer.write([report(f"bus-{k}", n) for n in range(5)]) for k in range(40)]
        poisoned = writer.write([report("bus-mixed", 0), report("x\x00y", 1), report("bus-mixed", 2),
                                 report("bus-mixed", 3, speed_mps=1e40)])  # float32 overflow
        results = await asyncio.gather(poisoned, *honest)
        assert all(result == [] for result in results[1:])
        refused = results[0]
        assert [row.index for row in refused] == [1, 3]
        assert "0x00" in refused[0].error and "float32" in refused[1].error
        assert len(flush.batch_sizes) < 20  # bisected: ~2 * log2(204) extra flushes, not 204
        after = await writer.write([report("bus-after")])  # the writer is still running
    assert after == []
    assert await _stored(clean_pool, "bus-mixed") == 2
    assert await clean_pool.fetchval("SELECT count(*) FROM vehicle_reports") == 40 * 5 + 2 + 1


async def test_a_database_failure_is_not_bisected_and_callers_are_told_to_resend() -> None:
    calls: list[int] = []

    async def flush(batch: Sequence[int]) -> None:
        calls.append(len(batch))
        raise asyncpg.CannotConnectNowError("the database system is starting up")

    async with BatchWriter(flush, max_delay=0.01, is_row_fault=is_row_fault) as writer:
        results = await asyncio.gather(writer.write([1, 2]), writer.write([3]),
                                       return_exceptions=True)
    assert calls == [3]
    assert all(isinstance(r, FlushFailed) for r in results)


async def test_callers_committed_before_an_outage_in_mid_bisection_are_served() -> None:
    committed: list[int] = []

    async def flush(batch: Sequence[int]) -> None:
        if 0 in batch:
            raise asyncpg.DataError("0 is poison")
        if 9 in batch and len(batch) == 1:
            raise ConnectionResetError("database went away")
        if len(batch) > 1 and 9 in batch:
            raise asyncpg.DataError("bisect further")
        committed.extend(batch)

    async with BatchWriter(flush, max_delay=0.01, is_row_fault=is_row_fault) as writer:
        first, second = await asyncio.gather(writer.write([0, 1, 2, 3]), writer.write([7, 8, 9]),
                                             return_exceptions=True)
    assert first == [RowRefused(0, "DataError: 0 is poison")]
    assert isinstance(second, FlushFailed)  # 9 was never stored: send again
    assert sorted(committed) == [1, 2, 3, 7, 8]
