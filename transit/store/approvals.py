"""Timetable drafts moved through their states: validate, approve, reject.
Each act is decided by ``transit.console.approval.decide_act`` on the draft
and the live version as they stand inside the act's transaction (the draft's
row locked, the live version held by the live-switch lock), stored, and
written to the audit log with before, after and reason, in that one
transaction. An approval keeps the KPIs and diff it approved."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg

from transit.console.access import Actor
from transit.console.approval import DraftAct, DraftFacts, DraftStatus, LiveState, check_service_date, decide_act
from transit.console.audit import Act
from transit.console.line_depots import LineDepots
from transit.console.review import compared_version, draft_lines
from transit.store.audit import append_audit
from transit.store.drafts import Draft, get_draft
from transit.store.instants import to_datetime, to_seconds
from transit.store.publications import ActRefused, Publication, apply_due, insert_publication, live_state, take_effect
from transit.store.schedules import add_version


@dataclass(frozen=True, slots=True)
class Approval:
    """What was approved: the KPIs and diff as the approver saw them."""

    draft_id: int
    approved_at: float
    approved_by: str
    role: str
    live_version_id: int
    kpis: Mapping[str, Any]
    diff: Mapping[str, Any]
    reason: str


@dataclass(frozen=True, slots=True)
class NewVersion:
    """A draft's feed as the schedule version it becomes (checked and summed up by the caller)."""

    source: str
    sha256: str
    data: bytes
    summary: Mapping[str, Any]
    start: date | None
    end: date | None


def draft_facts(draft: Draft, depots: LineDepots = LineDepots()) -> DraftFacts:
    """What the rules know of ``draft``; its lines' depots from ``depots``."""
    s = draft.summary
    lines = draft_lines(draft.params, draft.diff)
    return DraftFacts(s.id, s.status, s.created_by, lines, s.base_version_id,
                      compared_version(draft.params, s.base_version_id),
                      depots.of(lines))


async def read_live_state(pool: asyncpg.Pool) -> LiveState:
    """The live version and any publication waiting to take over (no lock: for pages)."""
    async with pool.acquire() as conn:
        return await live_state(conn, lock=False)


async def change_draft(pool: asyncpg.Pool, draft_id: int, act: DraftAct, actor: Actor, *, at: float, today: date,
                       reason: str = "", depots: LineDepots = LineDepots()) -> DraftStatus:
    """Validate, approve or reject the draft as ``actor``; the state it is in
    after. Raises ``DraftNotFound`` or ``ActRefused``. Publications due
    by ``today`` take effect first (the draft is judged against them)."""
    if act not in (DraftAct.VALIDATE, DraftAct.APPROVE, DraftAct.REJECT):
        raise ValueError(f"{act}: publish with transit.store.publications.publish_draft")
    async with pool.acquire() as conn, conn.transaction():
        await apply_due(conn, today, at)
        live = await live_state(conn, lock=True)
        draft = await get_draft(conn, draft_id, for_update=True)
        verdict = decide_act(actor, act, draft_facts(draft, depots), live, reason)
        if verdict.status is None or verdict.role is None:
            raise ActRefused(act.value, f"draft {draft_id}", verdict)
        await conn.execute("UPDATE timetable_drafts SET status = $2 WHERE id = $1", draft_id, verdict.status.value)
        after: dict[str, Any] = {"status": verdict.status.value, "live_version_id": live.version_id}
        if act is DraftAct.APPROVE:
            await conn.execute(
                "INSERT INTO draft_approvals (draft_id, approved_at, approved_by, role, live_version_id, kpis, diff,"
                " reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", draft_id, to_datetime(at), actor.username,
                verdict.role.value, live.version_id, dict(draft.summary.kpis), dict(draft.diff), reason)
            after["headline"] = draft.summary.kpis.get("headline", {})
        entry = Act(actor.username, verdict.role.value, at, reason).entry(
            f"{act.value}_draft", "draft", str(draft_id), {"status": draft.summary.status.value}, after)
        await append_audit(conn, entry)
    return verdict.status


async def find_approval(pool: asyncpg.Pool, draft_id: int) -> Approval | None:
    row = await pool.fetchrow(
        "SELECT draft_id, approved_at, approved_by, role, live_version_id, kpis, diff, reason"
        " FROM draft_approvals WHERE draft_id = $1", draft_id)
    if row is None:
        return None
    return Approval(row["draft_id"], to_seconds(row["approved_at"]), row["approved_by"], row["role"],
                    row["live_version_id"], row["kpis"], row["diff"], row["reason"])


async def publish_draft(pool: asyncpg.Pool, draft_id: int, actor: Actor, version: NewVersion, *, at: float,
                        today: date, effective_from: date, reason: str = "",
                        depots: LineDepots = LineDepots()) -> Publication:
    """Store the approved draft's feed as a new schedule version and publish it
    from ``effective_from`` (today's service day: live at once). Raises
    ``DraftNotFound`` or ``ActRefused``."""
    async with pool.acquire() as conn, conn.transaction():
        await apply_due(conn, today, at)
        live = await live_state(conn, lock=True)
        draft = await get_draft(conn, draft_id, for_update=True)
        verdict = decide_act(actor, DraftAct.PUBLISH, draft_facts(draft, depots), live, reason)
        dated = check_service_date(effective_from, today)
        if verdict.status is None or verdict.role is None or not dated.allowed:
            raise ActRefused("publish", f"draft {draft_id}", dated if verdict.allowed else verdict)
        version_id = await add_version(conn, source=version.source, sha256=version.sha256, feed_zip=version.data,
                                       summary=version.summary, start=version.start, end=version.end)
        act = Act(actor.username, verdict.role.value, at, reason)
        publication = await insert_publication(conn, act, version_id=version_id, effective_from=effective_from,
                                               action="publish", draft_id=draft_id)
        await conn.execute("UPDATE timetable_drafts SET status = $2, published_version_id = $3 WHERE id = $1",
                           draft_id, verdict.status.value, version_id)
        await append_audit(conn, act.entry(
            "publish_draft", "draft", str(draft_id), {"status": draft.summary.status.value,
                                                      "live_version_id": live.version_id},
            {"status": verdict.status.value, "version_id": version_id, "effective_from": str(effective_from),
             "publication_id": publication.id}))
        if effective_from <= today:
            publication = await take_effect(conn, publication, act)
    return publication
