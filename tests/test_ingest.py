"""The one ingest path on a real PostgreSQL: bad records refused alone, outages retried."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from functools import partial

import asyncpg
import pytest
import pytest_asyncio

import transit.ingest
from feeds.simulator.taps import RawTap
from tests.gtfs.tinyfeed import TINY_FEED, zip_feed
from transit.gtfs.feed import load_feed
from transit.ingest import Ingest, TapOutcome
from transit.live.tracking import LiveTracking
from transit.records import PaymentMedium, VehicleReport
from transit.store.batching import BatchWriter
from transit.store.errors import is_row_fault
from transit.store.reports import insert_reports, list_reports
from transit.store.taps import insert_taps, list_taps, store_new_taps
from transit.tracking.tracker import Tracker
from transit.validation import Refusal

NOW = 1_772_406_300.0


def report(vehicle_id: str, at: float = NOW - 5, **changes: object) -> VehicleReport:
    fields: dict = {"vehicle_id": vehicle_id, "timestamp": at, "lat": 35.0715, "lon": 109.0753,
                    "speed_mps": 5.0, "bearing": 90.0, "source": "http:test", "received_at": NOW}
    return VehicleReport(**(fields | changes))


def raw_tap(tap_id: str, account: str = "3100123456789") -> RawTap:
    return RawTap(tap_id, "TC0001", NOW - 5, PaymentMedium.CARD, account, 35.07, 109.07, NOW)


@dataclass
class Running:
    ingest: Ingest
    live: LiveTracking
    pool: asyncpg.Pool


@pytest_asyncio.fixture(loop_scope="session")
async def running(clean_pool: asyncpg.Pool) -> AsyncIterator[Running]:
    live = LiveTracking(Tracker(load_feed(zip_feed(TINY_FEED), "tiny.zip").network), lambda: NOW)
    async with (
        BatchWriter(partial(insert_reports, clean_pool), is_row_fault=is_row_fault) as reports,
        BatchWriter(partial(insert_taps, clean_pool), is_row_fault=is_row_fault) as taps,
    ):
        writer = asyncio.create_task(live.run())
        try:
            yield Running(Ingest(reports, taps, live, b"key", partial(store_new_taps, clean_pool)), live, clean_pool)
        finally:
            writer.cancel()


async def test_poison_is_refused_by_index_and_never_reaches_live_state(running: Running) -> None:
    refused = await running.ingest.submit_reports(
        [report("TC0001"), report("a\x00b"), report("TC0002", lat=float("nan"))])
    assert {i: (r.reason, r.field) for i, r in refused.items()} == {
        1: ("control_character", "vehicle_id"), 2: ("not_finite", "lat")}
    await running.live.settle()
    live = {v.vehicle_id for v in running.live.snapshot.list_live(NOW, 300)}
    assert live == {"TC0001"}
    assert len(await list_reports(running.pool, "TC0001", NOW - 60, NOW)) == 1
    assert running.ingest.refused == {"report:control_character": 1, "report:not_finite": 1}
    assert running.ingest.stored_reports == 1


async def test_a_tap_with_a_bad_account_is_refused_before_it_is_hashed(running: Running) -> None:
    stored, refused = await running.ingest.submit_taps([raw_tap("T1"), raw_tap("T2", "31\x0000")])
    assert stored is TapOutcome.STORED
    assert isinstance(refused, Refusal) and refused.field == "account"
    assert [t.tap_id for t in await list_taps(running.pool, NOW - 60, NOW)] == ["T1"]


async def test_a_tap_sent_again_is_a_duplicate_and_reaches_the_live_state_once(running: Running) -> None:
    book = running.live.crowding
    before = sum(book.unplaced.values()) + book.boarded
    assert await running.ingest.submit_taps([raw_tap("D1"), raw_tap("D1")]) == [
        TapOutcome.STORED, TapOutcome.DUPLICATE]
    assert await running.ingest.submit_taps([raw_tap("D1")]) == [TapOutcome.DUPLICATE]
    other = await running.ingest.submit_taps([raw_tap("D1", "3100999999999")])
    assert isinstance(other[0], Refusal) and other[0].reason == "txn_id_conflict"
    await running.live.settle()
    assert sum(book.unplaced.values()) + book.boarded == before + 1
    assert (running.ingest.stored_taps, running.ingest.duplicate_taps) == (1, 2)


async def test_offered_records_wait_out_a_database_outage(
    clean_pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transit.ingest, "RETRY_FIRST_S", 0.01)
    outage = {"flushes_left": 3}

    async def flaky(batch: Sequence[VehicleReport]) -> None:
        if outage["flushes_left"]:
            outage["flushes_left"] -= 1
            raise ConnectionRefusedError("database down")
        await insert_reports(clean_pool, batch)

    live = LiveTracking(Tracker(load_feed(zip_feed(TINY_FEED), "tiny.zip").network), lambda: NOW)
    async with (
        BatchWriter(flaky, is_row_fault=is_row_fault) as reports,
        BatchWriter(partial(insert_taps, clean_pool), is_row_fault=is_row_fault) as taps,
    ):
        ingest = Ingest(reports, taps, live, b"key", partial(store_new_taps, clean_pool))
        task = asyncio.create_task(ingest.run())
        for item in (report("TC0001"), report("bad\x00"), report("TC0001", NOW - 1)):
            await ingest.offer(item)
        for _ in range(200):
            if ingest.stored_reports == 2:
                break
            await asyncio.sleep(0.01)
        assert not task.done()  # neither the outage nor the poison stopped it
        task.cancel()
    assert outage["flushes_left"] == 0
    assert len(await list_reports(clean_pool, "TC0001", NOW - 60, NOW)) == 2
    assert ingest.refused == {"report:control_character": 1}


async def test_taps_go_live_in_order_with_reports_by_either_path(running: Running) -> None:
    """Pushed or offered, a tap reaches the live state's crowding book; this
    bus is on no trip, so each is counted there, not placed."""
    book = running.live.crowding
    before = sum(book.unplaced.values()) + book.boarded
    await running.ingest.submit_taps([raw_tap("L1")])
    await running.live.settle()
    assert sum(book.unplaced.values()) + book.boarded == before + 1
    task = asyncio.create_task(running.ingest.run())
    try:
        for item in (report("TC0001", NOW - 2), raw_tap("L2"), raw_tap("L3", "bad\x00")):
            await running.ingest.offer(item)
        for _ in range(200):
            if sum(book.unplaced.values()) + book.boarded == before + 2:
                break
            await asyncio.sleep(0.01)
        assert sum(book.unplaced.values()) + book.boarded == before + 2  # the bad one never got there
    finally:
        task.cancel()
