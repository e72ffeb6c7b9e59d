"""The reports' book on a real PostgreSQL: a service day is computed the
first time it is asked, then served as held; once a minute old, the next
ask still gets the held result at once and starts a check behind it, which
recomputes only when the day's stop events changed. A computed day is
stored: another book (a restarted service) reads it back equal, unless its
events changed since or it was measured against another version; the
book's round stores the days that ended."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import asyncpg
import pytest

from tests.clock import Clock
from tests.console.live_helpers import DAY, EIGHT, NETWORK, run, trip_id
from transit.api.console.report_data import ReportBook
from transit.api.console.report_forms import BadStoredReport, report_bytes, report_parts
from transit.console.adherence import Delays
from transit.store import schedules
from transit.store.day_reports import find_day_report_mark
from transit.store.stop_events import stop_events_mark, upsert_stop_events

A, B = trip_id(EIGHT), trip_id(EIGHT + 600)


async def _until(check, within_s: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(within_s / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("did not happen in time")


async def test_a_day_is_computed_once_then_refreshed_behind_the_page(clean_pool: asyncpg.Pool) -> None:
    clock = Clock(1_000.0)
    book = ReportBook(clean_pool, NETWORK, clock, recheck_s=60.0)
    await upsert_stop_events(clean_pool, run("a", A, 3))
    first = await book.event_reports(DAY)
    assert first.lines["L1"].calls == 3 and first.events == 3 and book.computed == 1
    await upsert_stop_events(clean_pool, run("b", B, 3, late_s=400.0))
    assert await book.event_reports(DAY) is first  # within the minute: as held

    clock.now += 61.0
    assert await book.event_reports(DAY) is first  # stale: served at once, checked behind
    await _until(lambda: book.computed == 2)
    second = await book.event_reports(DAY)
    assert second.lines["L1"].calls == 6 and second.lines["L1"].late == 3
    assert [(c.stop_id, c.count.calls) for c in second.cells(frozenset({"L1"}))][:1] == [
        (NETWORK.patterns[NETWORK.trips[A].pattern_id].stop_ids[0], 2)]

    clock.now += 61.0
    await book.event_reports(DAY)
    await asyncio.sleep(0.2)
    assert book.computed == 2 and await book.event_reports(DAY) is second  # unchanged events: nothing recomputed


async def test_the_books_round_computes_the_day_before_anyone_asks(clean_pool: asyncpg.Pool) -> None:
    clock = Clock(0.0)
    book = ReportBook(clean_pool, NETWORK, clock)
    await upsert_stop_events(clean_pool, run("a", A, 2))
    round_ = asyncio.create_task(book.run(lambda: DAY, every_s=0.01))
    try:
        await _until(lambda: book.computed == 1)
        assert (await book.event_reports(DAY)).lines["L1"].calls == 2
        await upsert_stop_events(clean_pool, run("b", B, 2))
        clock.now += 61.0  # the next round finds the day stale and its events changed
        await _until(lambda: book.computed == 2)
        assert (await book.event_reports(DAY)).lines["L1"].calls == 4
    finally:
        round_.cancel()


async def _version(pool: asyncpg.Pool) -> int:
    return await schedules.insert_version(pool, source="net.zip", sha256="0" * 64, feed_zip=b"PK", summary={},
                                          start=None, end=None, make_live=True)


async def test_a_computed_day_is_stored_and_another_book_reads_it_back_equal(clean_pool: asyncpg.Pool) -> None:
    version = await _version(clean_pool)
    await upsert_stop_events(clean_pool, run("a", A, 6) + run("b", B, 6, late_s=400.0))
    first = ReportBook(clean_pool, NETWORK, Clock(1_000.0), version_id=version)
    computed = await first.event_reports(DAY)
    assert first.computed == 1 and computed.regularity and computed.lines["L1"].calls == 12
    await first.stored()  # behind the page

    restarted = ReportBook(clean_pool, NETWORK, Clock(5_000.0), version_id=version)  # another process, later
    read = await restarted.event_reports(DAY)
    assert restarted.computed == 0 and restarted.read_back == 1
    assert read == computed and read.computed_at == 1_000.0  # the same figures, computed when they were
    assert read.cells(frozenset({"L1"})) == computed.cells(frozenset({"L1"}))
    other = ReportBook(clean_pool, NETWORK, Clock(5_000.0), version_id=await _version(clean_pool))
    await other.event_reports(DAY)
    assert other.computed == 1  # measured against another version: not that one's report


async def test_a_stored_day_whose_events_changed_is_computed_again(clean_pool: asyncpg.Pool) -> None:
    version = await _version(clean_pool)
    await upsert_stop_events(clean_pool, run("a", A, 3))
    first = ReportBook(clean_pool, NETWORK, Clock(1_000.0), version_id=version)
    await first.event_reports(DAY)
    await first.stored()
    await upsert_stop_events(clean_pool, run("b", B, 3, late_s=400.0))
    later = ReportBook(clean_pool, NETWORK, Clock(2_000.0), version_id=version)
    found = await later.event_reports(DAY)
    assert later.computed == 1 and later.read_back == 0 and found.lines["L1"].calls == 6
    await later.stored()
    again = ReportBook(clean_pool, NETWORK, Clock(3_000.0), version_id=version)
    assert await again.event_reports(DAY) == found and again.read_back == 1  # the new one was stored


async def test_the_round_stores_the_recent_days_that_ended(clean_pool: asyncpg.Pool) -> None:
    version = await _version(clean_pool)
    await upsert_stop_events(clean_pool, run("a", A, 4))
    book = ReportBook(clean_pool, NETWORK, Clock(0.0), version_id=version)
    await book.keep_ready(DAY + timedelta(days=1))  # the day after (none yet): DAY has ended
    assert book.computed == 2 and await find_day_report_mark(clean_pool, DAY, version) == (
        await stop_events_mark(clean_pool, DAY))
    await book.keep_ready(DAY + timedelta(days=1))
    assert book.computed == 2  # stored as its events stand: not computed again (nor today, just done)
    await upsert_stop_events(clean_pool, run("b", B, 4))
    await book.keep_ready(DAY + timedelta(days=1))
    assert book.computed == 3  # its events changed since


def test_a_stored_report_of_another_form_is_computed_again_and_a_broken_one_says_so() -> None:
    data = report_bytes(DAY, 0, Delays({}, 0), {}, (), 1.0)
    assert report_parts(data) == (DAY, 0, Delays({}, 0), {}, (), 1.0)
    assert report_parts(data.replace(b'"form":1', b'"form":0')) is None
    with pytest.raises(BadStoredReport, match="does not read back"):
        report_parts(b'{"form":1,"day":"2026-03-11"}')


async def test_a_page_does_not_wait_for_its_day_to_be_stored(clean_pool: asyncpg.Pool) -> None:
    version = await _version(clean_pool)
    await upsert_stop_events(clean_pool, run("a", A, 3))
    book = ReportBook(clean_pool, NETWORK, Clock(1_000.0), version_id=version)
    async with clean_pool.acquire() as holder, holder.transaction():
        await holder.execute("LOCK TABLE console_day_reports IN SHARE MODE")  # writes wait, reads do not
        found = await asyncio.wait_for(book.event_reports(DAY), 30)
        assert found.lines["L1"].calls == 3 and await find_day_report_mark(clean_pool, DAY, version) is None
    await book.stored()
    assert await find_day_report_mark(clean_pool, DAY, version) == await stop_events_mark(clean_pool, DAY)
