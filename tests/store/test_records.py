"""Reports, stop events and taps round-trip through their tables."""

from datetime import date

import asyncpg
import pytest

from .helpers import T0, report, stop_event, tap
from transit.records import PaymentMedium
from transit.store.reports import insert_reports, list_reports, stream_reports_received
from transit.store.stop_events import list_stop_events, upsert_stop_events
from transit.store.taps import insert_taps, list_taps


async def test_reports_round_trip_exactly(clean_pool: asyncpg.Pool) -> None:
    stored = [report("bus-7", n) for n in range(5)] + [
        report("bus-7", 9, speed_mps=None, bearing=None, source="jt808", received_at=T0 + 1234.000001),
        report("bus-8", 0),
    ]
    await insert_reports(clean_pool, stored)
    assert await list_reports(clean_pool, "bus-7", T0, T0 + 1e6) == stored[:6]
    # since is inclusive, until exclusive
    assert await list_reports(clean_pool, "bus-7", T0 + 10, T0 + 40) == stored[1:4]


async def test_corrected_stop_event_replaces_the_earlier(clean_pool: asyncpg.Pool) -> None:
    await upsert_stop_events(clean_pool, [stop_event("t1", 1), stop_event("t1", 2, departure=None)])
    corrected = stop_event("t1", 2, arrival=T0 + 500.5, departure=T0 + 530, vehicle_id="bus-9")
    await upsert_stop_events(clean_pool, [corrected, stop_event("t2", 1)])
    assert await list_stop_events(clean_pool, date(2025, 6, 1), "t1") == [stop_event("t1", 1), corrected]
    assert len(await list_stop_events(clean_pool, date(2025, 6, 1))) == 3
    assert await list_stop_events(clean_pool, date(2025, 6, 2)) == []


async def test_stop_event_corrected_within_one_batch_keeps_the_last(clean_pool: asyncpg.Pool) -> None:
    last = stop_event("t1", 1, arrival=T0 + 99)
    await upsert_stop_events(clean_pool, [stop_event("t1", 1), last])
    assert await list_stop_events(clean_pool, date(2025, 6, 1)) == [last]


async def test_resent_taps_are_ignored_and_hash_stored_as_given(clean_pool: asyncpg.Pool) -> None:
    first = [tap("tap-1", n=1), tap("tap-2", n=2, medium=PaymentMedium.WECHAT, account_hash="wx:Ab/9+=")]
    assert await insert_taps(clean_pool, first) == 2
    resent = [tap("tap-2", n=2, account_hash="changed"), tap("tap-3", n=3), tap("tap-3", n=3)]
    assert await insert_taps(clean_pool, resent) == 1
    assert await list_taps(clean_pool, T0, T0 + 60) == [first[0], first[1], tap("tap-3", n=3)]
    assert await list_taps(clean_pool, T0, T0 + 60, vehicle_id="bus-2") == []
    raw = await clean_pool.fetchval("SELECT account_hash FROM taps WHERE tap_id = 'tap-2'")
    assert raw == "wx:Ab/9+="


async def test_a_back_office_tap_without_position_round_trips(clean_pool: asyncpg.Pool) -> None:
    imported = tap("txn-1", lat=None, lon=None, line_id="L01", amount_fen=200, transfer=True)
    assert await insert_taps(clean_pool, [imported, tap("tap-2", n=1)]) == 2
    assert await list_taps(clean_pool, T0, T0 + 60) == [imported, tap("tap-2", n=1)]


async def test_a_reports_trip_descriptor_round_trips(clean_pool: asyncpg.Pool) -> None:
    described = report("bus-7", 1, trip_id="30095100", route_id="D96", direction_id=1,
                       start_date=date(2026, 2, 16))
    half = report("bus-7", 2, route_id="D96")  # a route alone, as some feeds send
    await insert_reports(clean_pool, [report("bus-7", 0), described, half])
    assert await list_reports(clean_pool, "bus-7", T0, T0 + 60) == [report("bus-7", 0), described, half]
    streamed = [r async for chunk in stream_reports_received(clean_pool, T0, T0 + 60) for r in chunk]
    assert streamed[1] == described  # what a restart rebuilds today from


async def test_a_direction_other_than_0_or_1_is_refused_by_the_table(clean_pool: asyncpg.Pool) -> None:
    with pytest.raises(asyncpg.CheckViolationError):
        await insert_reports(clean_pool, [report("bus-7", 1, direction_id=2)])
