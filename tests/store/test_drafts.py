"""Timetable drafts on a real PostgreSQL: stored, listed newest first, read back
whole (without the zip) and the zip apart; unknown ids and base versions refused."""

from __future__ import annotations

import asyncpg
import pytest

from tests.drafts.stored import small_city_draft, store_small_city_draft
from transit.store import drafts
from transit.store.drafts import DraftNotFound, DraftStatus
from transit.store.schedules import VersionNotFound


async def test_a_draft_round_trips(clean_pool: asyncpg.Pool) -> None:
    draft_id, made = await store_small_city_draft(clean_pool)
    stored = await drafts.get_draft(clean_pool, draft_id)
    s = stored.summary
    assert (s.id, s.base_version_id, s.status, s.scenario, s.created_by) == (
        draft_id, made.base_version_id, DraftStatus.DRAFT, "morning peak", "planner-li")
    assert s.created_at.tzinfo is not None
    assert s.kpis["headline"] == made.kpis["headline"] and s.kpis["draft"]["total"]["trips"] == 5
    assert stored.diff["counts"] == made.diff["counts"]
    assert stored.params["fleet"] == 2 and stored.params["blocks"]["source"] == "fifo"
    assert stored.notes == [dict(n) for n in made.notes]
    assert await drafts.get_draft_zip(clean_pool, draft_id) == made.feed_zip


async def test_drafts_are_listed_newest_first(clean_pool: asyncpg.Pool) -> None:
    first, _ = await store_small_city_draft(clean_pool)
    second, _ = await store_small_city_draft(clean_pool)
    listed = await drafts.list_drafts(clean_pool)
    assert [d.id for d in listed] == [second, first]
    assert listed[0].kpis["headline"]["trips"]["delta"] == 1  # R1 outbound: 2 trips for 1


async def test_unknown_drafts_and_base_versions_are_refused(clean_pool: asyncpg.Pool) -> None:
    with pytest.raises(DraftNotFound, match="timetable draft 41 not found"):
        await drafts.get_draft(clean_pool, 41)
    with pytest.raises(DraftNotFound, match="timetable draft 42 not found"):
        await drafts.get_draft_zip(clean_pool, 42)
    made = small_city_draft(77)
    with pytest.raises(VersionNotFound, match="schedule version 77 not found"):
        await drafts.insert_draft(clean_pool, base_version_id=77, scenario="x", params={}, feed_zip=b"PK",
                                  kpis={}, diff={}, created_by="", notes=made.notes)


async def test_the_status_is_one_of_the_console_states(clean_pool: asyncpg.Pool) -> None:
    draft_id, _ = await store_small_city_draft(clean_pool)
    for status in DraftStatus:
        await clean_pool.execute("UPDATE timetable_drafts SET status = $1 WHERE id = $2", status.value, draft_id)
        assert (await drafts.get_draft(clean_pool, draft_id)).summary.status is status
    with pytest.raises(asyncpg.CheckViolationError):
        await clean_pool.execute("UPDATE timetable_drafts SET status = 'rejected!' WHERE id = $1", draft_id)
