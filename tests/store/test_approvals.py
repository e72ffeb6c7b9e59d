"""Timetable approval on a real PostgreSQL: validating and approving a draft
(the approval keeps the KPIs and diff it saw), publishing it (a new live
version and a manifest row; or, dated later, waiting for its day), rolling
back, and the refusals: a draft that no longer applies, a dispatcher, the
author, a date in the past. Every act leaves its audit entries; a refused
one leaves none and changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import asyncpg
import pytest

from feeds.drafts.saving import save_draft
from tests.drafts.stored import small_city_draft, store_small_city_draft
from transit.console.access import Actor, Grant, Refusal, Role
from transit.console.approval import DraftAct, DraftStatus, Hold
from transit.gtfs.feed import load_feed
from transit.store import drafts, schedules
from transit.store.approvals import NewVersion, change_draft, find_approval, publish_draft
from transit.store.audit import list_audit, list_audit_of
from transit.store.publications import ActRefused, apply_due_publications, list_publications, roll_back
from transit.versions import open_live_schedule

T0 = 1_772_400_000.0  # 2026-03-02 05:20 in Tongchuan
TODAY = date(2026, 3, 2)
PLANNER = Actor("wu", (Grant(Role.PLANNER),))
APPROVER = Actor("zhang", (Grant(Role.APPROVER),))


async def new_version(pool: asyncpg.Pool, draft_id: int) -> NewVersion:
    feed = load_feed(await drafts.get_draft_zip(pool, draft_id), f"draft-{draft_id}.zip")
    return NewVersion(feed.source, feed.sha256, feed.data, feed.summary(), feed.start, feed.end)


async def approved(pool: asyncpg.Pool, draft_id: int) -> None:
    await change_draft(pool, draft_id, DraftAct.VALIDATE, PLANNER, at=T0, today=TODAY)
    await change_draft(pool, draft_id, DraftAct.APPROVE, APPROVER, at=T0 + 60, today=TODAY, reason="peak fix")


async def test_approving_freezes_the_kpis_and_diff(clean_pool: asyncpg.Pool) -> None:
    draft_id, made = await store_small_city_draft(clean_pool)
    assert await change_draft(clean_pool, draft_id, DraftAct.VALIDATE, PLANNER, at=T0, today=TODAY) \
        is DraftStatus.VALIDATED
    assert await change_draft(clean_pool, draft_id, DraftAct.APPROVE, APPROVER, at=T0 + 60, today=TODAY,
                              reason="两趟早班") is DraftStatus.APPROVED
    approval = await find_approval(clean_pool, draft_id)
    assert approval is not None and (approval.approved_by, approval.role, approval.reason) == ("zhang", "approver",
                                                                                                "两趟早班")
    stored = await drafts.get_draft(clean_pool, draft_id)
    assert approval.kpis == stored.summary.kpis and approval.diff == stored.diff and approval.approved_at == T0 + 60
    assert approval.kpis["headline"] == made.kpis["headline"] and approval.diff["counts"] == made.diff["counts"]
    assert approval.live_version_id == made.base_version_id
    # What was approved stays as it was, whatever later happens to the draft's row.
    await clean_pool.execute("UPDATE timetable_drafts SET kpis = '{}', diff = '{}' WHERE id = $1", draft_id)
    assert await find_approval(clean_pool, draft_id) == approval
    history = await list_audit_of(clean_pool, "draft", str(draft_id))
    assert [(e.action, e.actor, e.role) for e in history] == [("validate_draft", "wu", "planner"),
                                                              ("approve_draft", "zhang", "approver")]
    assert history[1].before == {"status": "validated"} and history[1].after["status"] == "approved"
    assert history[1].after["headline"]["trips"]["delta"] == 1 and history[1].reason == "两趟早班"


async def test_publishing_makes_a_new_live_version_and_a_manifest_row(clean_pool: asyncpg.Pool) -> None:
    draft_id, made = await store_small_city_draft(clean_pool)
    await approved(clean_pool, draft_id)
    version = await new_version(clean_pool, draft_id)
    published = await publish_draft(clean_pool, draft_id, APPROVER, version, at=T0 + 120, today=TODAY,
                                    effective_from=TODAY, reason="从今天起")
    live = await schedules.find_live_version(clean_pool)
    assert live is not None and live.id == published.version_id != made.base_version_id
    assert live.source == f"draft-{draft_id}.zip" and live.summary["trips"] == 5
    assert (published.applied_at, published.previous_version_id, published.action) == (
        T0 + 120, made.base_version_id, "publish")
    assert await list_publications(clean_pool) == [published]
    draft = await drafts.get_draft(clean_pool, draft_id)
    assert draft.summary.status is DraftStatus.PUBLISHED and draft.summary.published_version_id == live.id
    actions = [e.action for e in reversed(await list_audit(clean_pool, 10))]
    assert actions == ["validate_draft", "approve_draft", "publish_draft", "switch_live"]


async def test_a_publication_dated_later_waits_for_its_day(clean_pool: asyncpg.Pool) -> None:
    draft_id, made = await store_small_city_draft(clean_pool)
    other = await save_draft(clean_pool, small_city_draft(made.base_version_id))
    await approved(clean_pool, draft_id)
    monday = TODAY + timedelta(days=7)
    waiting = await publish_draft(clean_pool, draft_id, APPROVER, await new_version(clean_pool, draft_id),
                                  at=T0, today=TODAY, effective_from=monday)
    assert waiting.applied_at is None
    assert (await schedules.find_live_version(clean_pool)).id == made.base_version_id  # type: ignore[union-attr]
    with pytest.raises(ActRefused) as refused:  # nothing applies to a live version about to be replaced
        await change_draft(clean_pool, other, DraftAct.VALIDATE, PLANNER, at=T0, today=TODAY)
    assert refused.value.verdict.refusal is Hold.PENDING
    assert refused.value.verdict.detail["pending_from"] == str(monday)
    assert await apply_due_publications(clean_pool, monday - timedelta(days=1), T0 + 86400) == []
    [applied] = await apply_due_publications(clean_pool, monday, T0 + 7 * 86400)
    assert applied.applied_at == T0 + 7 * 86400 and applied.previous_version_id == made.base_version_id
    assert (await schedules.find_live_version(clean_pool)).id == waiting.version_id  # type: ignore[union-attr]
    [switch] = [e for e in await list_audit(clean_pool, 10) if e.action == "switch_live"]
    assert (switch.actor, switch.before, switch.after["live_version_id"]) == (
        "system", {"live_version_id": made.base_version_id}, waiting.version_id)


async def test_rolling_back_republishes_an_earlier_version(clean_pool: asyncpg.Pool) -> None:
    draft_id, made = await store_small_city_draft(clean_pool)
    await approved(clean_pool, draft_id)
    published = await publish_draft(clean_pool, draft_id, APPROVER, await new_version(clean_pool, draft_id),
                                    at=T0, today=TODAY, effective_from=TODAY)
    back = await roll_back(clean_pool, made.base_version_id, APPROVER, at=T0 + 60, today=TODAY,
                           effective_from=TODAY, reason="司机反映发车太密")
    assert (back.action, back.version_id, back.previous_version_id, back.draft_id) == (
        "roll_back", made.base_version_id, published.version_id, None)
    assert (await schedules.find_live_version(clean_pool)).id == made.base_version_id  # type: ignore[union-attr]
    assert (await drafts.get_draft(clean_pool, draft_id)).summary.status is DraftStatus.SUPERSEDED
    again = await roll_back(clean_pool, published.version_id, APPROVER, at=T0 + 120, today=TODAY,
                            effective_from=TODAY)
    assert (await drafts.get_draft(clean_pool, draft_id)).summary.status is DraftStatus.PUBLISHED
    assert [p.id for p in await list_publications(clean_pool)] == [again.id, back.id, published.id]
    history = [(e.action, e.after["status"]) for e in await list_audit_of(clean_pool, "draft", str(draft_id))]
    assert history[-2:] == [("supersede_draft", "superseded"), ("restore_draft", "published")]
    rolled = [e for e in await list_audit(clean_pool, 20) if e.action == "roll_back"]
    assert rolled[-1].reason == "司机反映发车太密" and rolled[-1].before == {"live_version_id": published.version_id}
    with pytest.raises(ActRefused) as refused:
        await roll_back(clean_pool, published.version_id, APPROVER, at=T0, today=TODAY, effective_from=TODAY)
    assert refused.value.verdict.refusal is Hold.ALREADY_LIVE
    with pytest.raises(schedules.VersionNotFound):
        await roll_back(clean_pool, 999, APPROVER, at=T0, today=TODAY, effective_from=TODAY)


async def test_approving_a_draft_that_no_longer_applies_is_refused_with_the_reason(clean_pool: asyncpg.Pool) -> None:
    first, made = await store_small_city_draft(clean_pool)
    second = await save_draft(clean_pool, small_city_draft(made.base_version_id))
    await change_draft(clean_pool, second, DraftAct.VALIDATE, PLANNER, at=T0, today=TODAY)
    await approved(clean_pool, first)
    published = await publish_draft(clean_pool, first, APPROVER, await new_version(clean_pool, first),
                                    at=T0, today=TODAY, effective_from=TODAY)
    entries = len(await list_audit(clean_pool, 100))
    with pytest.raises(ActRefused) as refused:
        await change_draft(clean_pool, second, DraftAct.APPROVE, APPROVER, at=T0, today=TODAY)
    verdict = refused.value.verdict
    assert verdict.refusal is Hold.LIVE_CHANGED
    assert verdict.detail == {"live": published.version_id, "compared": made.base_version_id,
                              "base": made.base_version_id}
    assert (await drafts.get_draft(clean_pool, second)).summary.status is DraftStatus.VALIDATED
    assert await find_approval(clean_pool, second) is None and len(await list_audit(clean_pool, 100)) == entries


async def test_a_dispatcher_and_the_author_cannot_approve(clean_pool: asyncpg.Pool) -> None:
    draft_id, _ = await store_small_city_draft(clean_pool)
    await change_draft(clean_pool, draft_id, DraftAct.VALIDATE, PLANNER, at=T0, today=TODAY)
    dispatcher = Actor("wang", (Grant(Role.DISPATCHER),))
    author = Actor("planner-li", (Grant(Role.APPROVER), Grant(Role.PLANNER)))
    for who, why in ((dispatcher, Refusal.NO_ROLE), (author, Refusal.OWN_DRAFT)):
        with pytest.raises(ActRefused) as refused:
            await change_draft(clean_pool, draft_id, DraftAct.APPROVE, who, at=T0, today=TODAY)
        assert refused.value.verdict.refusal is why
    assert (await drafts.get_draft(clean_pool, draft_id)).summary.status is DraftStatus.VALIDATED
    assert await find_approval(clean_pool, draft_id) is None
    # The author may still withdraw it, with a reason.
    with pytest.raises(ActRefused):
        await change_draft(clean_pool, draft_id, DraftAct.REJECT, author, at=T0, today=TODAY)
    assert await change_draft(clean_pool, draft_id, DraftAct.REJECT, author, at=T0, today=TODAY,
                              reason="需求数据有误") is DraftStatus.REJECTED
    with pytest.raises(ActRefused) as refused:
        await change_draft(clean_pool, draft_id, DraftAct.VALIDATE, PLANNER, at=T0, today=TODAY)
    assert refused.value.verdict.refusal is Hold.WRONG_STATE


async def test_a_publication_dated_in_the_past_is_refused(clean_pool: asyncpg.Pool) -> None:
    draft_id, made = await store_small_city_draft(clean_pool)
    await approved(clean_pool, draft_id)
    with pytest.raises(ActRefused) as refused:
        await publish_draft(clean_pool, draft_id, APPROVER, await new_version(clean_pool, draft_id), at=T0,
                            today=TODAY, effective_from=TODAY - timedelta(days=1))
    assert refused.value.verdict.refusal is Hold.DATE_PAST
    assert len(await schedules.list_versions(clean_pool)) == 1 and await list_publications(clean_pool) == []
    assert (await drafts.get_draft(clean_pool, draft_id)).summary.status is DraftStatus.APPROVED


async def test_a_service_starting_on_the_day_runs_the_waiting_publication(clean_pool: asyncpg.Pool) -> None:
    draft_id, made = await store_small_city_draft(clean_pool)
    await approved(clean_pool, draft_id)
    waiting = await publish_draft(clean_pool, draft_id, APPROVER, await new_version(clean_pool, draft_id),
                                  at=T0, today=TODAY, effective_from=TODAY + timedelta(days=7))
    before = await open_live_schedule(clean_pool, T0 + 6 * 86400)
    assert before.version_id == made.base_version_id and len(before.network.trips) == 4
    started = await open_live_schedule(clean_pool, T0 + 7 * 86400)
    assert started.version_id == waiting.version_id and len(started.network.trips) == 5
    assert (await drafts.get_draft(clean_pool, draft_id)).summary.status is DraftStatus.PUBLISHED
