import asyncio
import hashlib
from datetime import date

import asyncpg
import pytest

from transit.store import schedules
from transit.store.schedules import VersionNotFound


def _feed(n: int) -> dict:
    zip_bytes = f"PK fake feed {n}".encode()
    return {
        "source": f"tongchuan-{n}.zip",
        "sha256": hashlib.sha256(zip_bytes).hexdigest(),
        "feed_zip": zip_bytes,
        "summary": {"stops": 526, "routes": 40, "n": n},
        "start": date(2025, 1, 1),
        "end": date(2025, 12, 31),
    }


async def test_insert_and_read_back(clean_pool: asyncpg.Pool) -> None:
    feed = _feed(1)
    version_id = await schedules.insert_version(clean_pool, **feed, make_live=False)
    version = await schedules.get_version(clean_pool, version_id)
    assert (version.id, version.source, version.sha256) == (version_id, feed["source"], feed["sha256"])
    assert version.summary == feed["summary"]
    assert (version.service_start, version.service_end) == (feed["start"], feed["end"])
    assert version.is_live is False
    assert version.imported_at.tzinfo is not None
    assert await schedules.get_feed_zip(clean_pool, version_id) == feed["feed_zip"]
    assert await schedules.find_live_version(clean_pool) is None


async def test_second_live_version_replaces_the_first(clean_pool: asyncpg.Pool) -> None:
    first = await schedules.insert_version(clean_pool, **_feed(1), make_live=True)
    assert (await schedules.find_live_version(clean_pool)).id == first
    second = await schedules.insert_version(clean_pool, **_feed(2), make_live=True)
    live = await schedules.find_live_version(clean_pool)
    assert live is not None and live.id == second
    assert [(v.id, v.is_live) for v in await schedules.list_versions(clean_pool)] == [
        (first, False),
        (second, True),
    ]


async def test_constraint_violation_leaves_previous_live(clean_pool: asyncpg.Pool) -> None:
    first = await schedules.insert_version(clean_pool, **_feed(1), make_live=True)
    bad = _feed(2) | {"start": date(2026, 1, 1), "end": date(2025, 1, 1)}
    with pytest.raises(asyncpg.CheckViolationError):
        await schedules.insert_version(clean_pool, **bad, make_live=True)
    assert (await schedules.find_live_version(clean_pool)).id == first
    assert len(await schedules.list_versions(clean_pool)) == 1


async def test_exception_inside_transaction_leaves_previous_live(clean_pool: asyncpg.Pool) -> None:
    first = await schedules.insert_version(clean_pool, **_feed(1), make_live=True)
    # The summary fails to encode after the old live flag was cleared in the transaction.
    unencodable = _feed(2) | {"summary": {"when": object()}}
    with pytest.raises(asyncpg.DataError, match="not JSON serializable"):
        await schedules.insert_version(clean_pool, **unencodable, make_live=True)
    assert (await schedules.find_live_version(clean_pool)).id == first


async def test_set_live_switches_and_unknown_version_changes_nothing(clean_pool: asyncpg.Pool) -> None:
    first = await schedules.insert_version(clean_pool, **_feed(1), make_live=True)
    second = await schedules.insert_version(clean_pool, **_feed(2), make_live=False)
    await schedules.set_live(clean_pool, second)
    assert (await schedules.find_live_version(clean_pool)).id == second
    with pytest.raises(VersionNotFound) as caught:
        await schedules.set_live(clean_pool, 999_999)
    assert caught.value.version_id == 999_999
    assert (await schedules.find_live_version(clean_pool)).id == second
    await schedules.set_live(clean_pool, first)
    assert (await schedules.find_live_version(clean_pool)).id == first


async def test_concurrent_live_switches_keep_exactly_one_live(clean_pool: asyncpg.Pool) -> None:
    ids = await asyncio.gather(
        *(schedules.insert_version(clean_pool, **_feed(n), make_live=True) for n in range(6))
    )
    live = [v.id for v in await schedules.list_versions(clean_pool) if v.is_live]
    assert len(live) == 1 and live[0] in ids


async def test_missing_version_raises(clean_pool: asyncpg.Pool) -> None:
    with pytest.raises(VersionNotFound):
        await schedules.get_version(clean_pool, 42)
    with pytest.raises(VersionNotFound):
        await schedules.get_feed_zip(clean_pool, 42)
