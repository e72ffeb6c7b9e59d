"""``store_new_taps``: which taps a commit stored, which were there already,
and which reused a transaction id; one new tap however many pushes race."""

from __future__ import annotations

import asyncio

import asyncpg

from transit.store.taps import list_live_taps, list_taps, store_new_taps

from .helpers import T0, tap


async def test_new_duplicate_and_conflicting_taps_are_told_apart(clean_pool: asyncpg.Pool) -> None:
    first = await store_new_taps(clean_pool, [tap("a"), tap("b", reader_id="POS-1"), tap("a")])
    assert (first.stored, first.conflicting, first.refused) == (frozenset({0, 1}), frozenset(), {})
    again = await store_new_taps(clean_pool, [tap("b", reader_id="POS-1"), tap("a", "bus-2"),
                                              tap("c"), tap("c", account_hash="another card")])
    # b: a duplicate; a on another bus and c for another card: conflicts.
    assert (again.stored, again.conflicting) == (frozenset({2}), frozenset({1, 3}))
    stored = await list_taps(clean_pool, T0 - 60, T0 + 60)
    assert [(t.tap_id, t.vehicle_id, t.reader_id) for t in stored] == [
        ("a", "bus-1", None), ("b", "bus-1", "POS-1"), ("c", "bus-1", None)]


async def test_racing_pushes_of_one_payment_store_it_once(clean_pool: asyncpg.Pool) -> None:
    results = await asyncio.gather(*(store_new_taps(clean_pool, [tap("race")]) for _ in range(6)))
    assert sorted(len(r.stored) for r in results) == [0, 0, 0, 0, 0, 1]
    assert all(not r.conflicting for r in results)


async def test_a_row_the_database_refuses_is_refused_alone(clean_pool: asyncpg.Pool) -> None:
    """A row past the checks that PostgreSQL still refuses (here a NUL) costs
    only itself: the others commit."""
    new = await store_new_taps(clean_pool, [tap("ok-1"), tap("bad", "bus\x00"), tap("ok-2")])
    assert new.stored == frozenset({0, 2}) and list(new.refused) == [1]
    assert [t.tap_id for t in await list_taps(clean_pool, T0 - 60, T0 + 60)] == ["ok-1", "ok-2"]


async def test_a_pushed_tap_without_a_position_is_restored_live(clean_pool: asyncpg.Pool) -> None:
    """A reader's tap went live however it came; a file's row (no reader, no position) never did."""
    await store_new_taps(clean_pool, [tap("pushed", lat=None, lon=None, reader_id="POS-1"),
                                      tap("filed", lat=None, lon=None), tap("simulated")])
    live = await list_live_taps(clean_pool, T0 - 60, T0 + 60)
    assert [t.tap_id for t in live] == ["pushed", "simulated"]
