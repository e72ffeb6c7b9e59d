"""The publication manifest: which schedule version was made live from which
service day, by whom, replacing which. A publication dated today takes
effect at once; one dated later when its day has come and the service starts
(or the console next acts). Taking effect switches the live version, marks
the draft whose version it replaced superseded (and, for a roll-back, the
draft whose version comes back published again), and is written to the
audit log, all in the transaction of the act that caused it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg

from transit.console.access import Actor
from transit.console.approval import (DraftAct, DraftStatus, LiveState, Verdict, check_service_date,
                                     decide_roll_back, next_status)
from transit.console.audit import Act
from transit.store.audit import append_audit
from transit.store.instants import to_datetime, to_seconds, to_seconds_or_none
from transit.store.schedules import get_version, lock_live, switch_live

_COLUMNS = ("id, version_id, effective_from, published_at, published_by, role, action, draft_id, applied_at,"
            " previous_version_id, reason")
class ActRefused(Exception):
    """An act the rules refuse; ``verdict`` says why (an access ``Refusal`` or a ``Hold``)."""

    def __init__(self, act: str, object_id: str, verdict: Verdict) -> None:
        super().__init__(f"{act} {object_id} refused: {verdict.refusal} {dict(verdict.detail)}")
        self.verdict = verdict


# Who the audit log names when a publication dated earlier takes effect without anyone acting.
SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Publication:
    id: int
    version_id: int
    effective_from: date
    published_at: float
    published_by: str
    role: str
    action: str  # "publish" (a draft) or "roll_back"
    draft_id: int | None
    applied_at: float | None  # when it became live; None while waiting for its day
    previous_version_id: int | None  # the version live just before
    reason: str


def _publication(row: asyncpg.Record) -> Publication:
    return Publication(row["id"], row["version_id"], row["effective_from"], to_seconds(row["published_at"]),
                       row["published_by"], row["role"], row["action"], row["draft_id"],
                       to_seconds_or_none(row["applied_at"]), row["previous_version_id"], row["reason"])


async def live_state(conn: asyncpg.Connection, *, lock: bool) -> LiveState:
    """The live version and the first publication waiting for its day; with
    ``lock``, holding the live-switch lock for the caller's transaction."""
    if lock:
        live = await lock_live(conn)
    else:
        live = await conn.fetchval("SELECT id FROM schedule_versions WHERE is_live")
    pending = await conn.fetchrow("SELECT version_id, effective_from FROM schedule_publications"
                                  " WHERE applied_at IS NULL ORDER BY effective_from, id LIMIT 1")
    if pending is None:
        return LiveState(live)
    return LiveState(live, pending["version_id"], pending["effective_from"])


async def insert_publication(conn: asyncpg.Connection, act: Act, *, version_id: int, effective_from: date,
                             action: str, draft_id: int | None) -> Publication:
    row = await conn.fetchrow(
        f"INSERT INTO schedule_publications (version_id, effective_from, published_at, published_by, role, action,"
        f" draft_id, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {_COLUMNS}",
        version_id, effective_from, to_datetime(act.at), act.actor, act.role, action, draft_id, act.reason)
    return _publication(row)


async def take_effect(conn: asyncpg.Connection, publication: Publication, act: Act) -> Publication:
    """Make the publication's version live (the caller holds the live-switch
    lock) and move the drafts it concerns; audited as ``act``."""
    previous = await conn.fetchval("SELECT id FROM schedule_versions WHERE is_live")
    await switch_live(conn, publication.version_id)
    row = await conn.fetchrow(
        f"UPDATE schedule_publications SET applied_at = $2, previous_version_id = $3 WHERE id = $1"
        f" RETURNING {_COLUMNS}", publication.id, to_datetime(act.at), previous)
    note = {"publication_id": publication.id, "effective_from": str(publication.effective_from)}
    await append_audit(conn, act.entry("switch_live", "schedule", "live", {"live_version_id": previous},
                                       {"live_version_id": publication.version_id, **note}))
    if previous is not None and previous != publication.version_id:
        await _move_drafts(conn, previous, DraftAct.SUPERSEDE, act, note)
    await _move_drafts(conn, publication.version_id, DraftAct.RESTORE, act, note)
    return _publication(row)


async def _move_drafts(conn: asyncpg.Connection, version_id: int, move: DraftAct, act: Act,
                       note: dict[str, Any]) -> None:
    """The draft that became ``version_id``, superseded (it stops being live)
    or published again (a roll-back brings it back), when its state allows."""
    rows = await conn.fetch("SELECT id, status FROM timetable_drafts WHERE published_version_id = $1 FOR UPDATE",
                            version_id)
    for row in rows:
        after = next_status(DraftStatus(row["status"]), move)
        if after is None:
            continue
        await conn.execute("UPDATE timetable_drafts SET status = $2 WHERE id = $1", row["id"], after.value)
        await append_audit(conn, act.entry(f"{move.value}_draft", "draft", str(row["id"]),
                                           {"status": row["status"]}, {"status": after.value, **note}))


async def apply_due(conn: asyncpg.Connection, today: date, at: float) -> list[Publication]:
    """Inside the caller's transaction: every publication whose day has come
    (``today``: the current service day) and that has not taken effect yet,
    in order of day; the last stays live. Audited as done by the system."""
    await lock_live(conn)
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM schedule_publications WHERE applied_at IS NULL"
                            " AND effective_from <= $1 ORDER BY effective_from, id", today)
    act = Act(SYSTEM, SYSTEM, at, "the publication's first service day has come")
    return [await take_effect(conn, _publication(row), act) for row in rows]


async def apply_due_publications(pool: asyncpg.Pool, today: date, at: float) -> list[Publication]:
    """``apply_due`` in a transaction of its own (the service, as it starts)."""
    async with pool.acquire() as conn, conn.transaction():
        return await apply_due(conn, today, at)


async def roll_back(pool: asyncpg.Pool, version_id: int, actor: Actor, *, at: float, today: date,
                    effective_from: date, reason: str = "") -> Publication:
    """Republish the earlier ``version_id`` from ``effective_from`` as a new
    publication. Raises ``VersionNotFound`` or ``ActRefused``."""
    async with pool.acquire() as conn, conn.transaction():
        await apply_due(conn, today, at)
        live = await live_state(conn, lock=True)
        await get_version(conn, version_id)
        verdict = decide_roll_back(actor, version_id, live)
        dated = check_service_date(effective_from, today)
        if verdict.role is None or not dated.allowed:
            raise ActRefused("roll_back", f"version {version_id}", dated if verdict.allowed else verdict)
        act = Act(actor.username, verdict.role.value, at, reason)
        publication = await insert_publication(conn, act, version_id=version_id, effective_from=effective_from,
                                               action="roll_back", draft_id=None)
        await append_audit(conn, act.entry("roll_back", "schedule", str(version_id),
                                           {"live_version_id": live.version_id},
                                           {"version_id": version_id, "effective_from": str(effective_from),
                                            "publication_id": publication.id}))
        if effective_from <= today:
            publication = await take_effect(conn, publication, act)
    return publication


async def list_publications(pool: asyncpg.Pool) -> list[Publication]:
    """The manifest, newest first."""
    rows = await pool.fetch(f"SELECT {_COLUMNS} FROM schedule_publications ORDER BY id DESC")
    return [_publication(row) for row in rows]


async def was_published(pool: asyncpg.Pool, version_id: int) -> bool:
    """Whether a publication or roll-back made ``version_id`` live at some time."""
    return bool(await pool.fetchval("SELECT EXISTS (SELECT 1 FROM schedule_publications"
                                    " WHERE version_id = $1 AND applied_at IS NOT NULL)", version_id))
