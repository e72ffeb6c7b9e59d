"""The reports' book on a real PostgreSQL: a service day is computed the
first time it is asked, then served as held; once a minute old, the next
ask still gets the held result at once and starts a check behind it, which
recomputes only when the day's stop events changed."""

from __future__ import annotations

import asyncio

import asyncpg

from tests.clock import Clock
from tests.console.live_helpers import DAY, EIGHT, NETWORK, run, trip_id
from transit.api.console.report_data import ReportBook
from transit.store.stop_events import upsert_stop_events

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
