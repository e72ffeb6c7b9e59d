"""Timetable drafts: rebuilt service days waiting for approval, each with the
GTFS zip it would publish, and its KPIs and diff against the live version."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from transit.console.approval import DraftStatus
from transit.store.schedules import VersionNotFound

__all__ = ["Draft", "DraftNotFound", "DraftStatus", "DraftSummary", "find_draft_chart", "get_draft", "get_draft_zip",
           "has_draft_charts", "insert_draft", "list_drafts"]

_SUMMARY = "id, created_at, base_version_id, status, scenario, kpis, created_by, published_version_id"
_COLUMNS = f"{_SUMMARY}, params, diff, notes"


class DraftNotFound(LookupError):
    """No timetable draft has this id."""

    def __init__(self, draft_id: int) -> None:
        super().__init__(f"timetable draft {draft_id} not found")
        self.draft_id = draft_id


@dataclass(frozen=True, slots=True)
class DraftSummary:
    """A draft as a list shows it: without its zip, parameters, diff and notes."""

    id: int
    created_at: datetime
    base_version_id: int
    status: DraftStatus
    scenario: str
    kpis: Mapping[str, Any]
    created_by: str
    published_version_id: int | None = None  # the schedule version it became, once published


@dataclass(frozen=True, slots=True)
class Draft:
    """A draft without its zip (fetch that with ``get_draft_zip``)."""

    summary: DraftSummary
    params: Mapping[str, Any]
    diff: Mapping[str, Any]
    notes: Sequence[Mapping[str, Any]]


def _summary(row: asyncpg.Record) -> DraftSummary:
    return DraftSummary(row["id"], row["created_at"], row["base_version_id"], DraftStatus(row["status"]),
                        row["scenario"], row["kpis"], row["created_by"], row["published_version_id"])


async def insert_draft(
    pool: asyncpg.Pool,
    *,
    base_version_id: int,
    scenario: str,
    params: Mapping[str, Any],
    feed_zip: bytes,
    kpis: Mapping[str, Any],
    diff: Mapping[str, Any],
    created_by: str,
    notes: Sequence[Mapping[str, Any]],
    charts: Mapping[tuple[str, int], Mapping[str, Any]] | None = None,
) -> int:
    """Store a new draft (status ``draft``) and return its id; raises
    ``VersionNotFound`` when the base version is not stored. ``charts``: per
    (route_id, direction_id), what its page's Marey chart draws, stored in
    the same transaction (``transit.console.marey_sides``' mapping form)."""
    async with pool.acquire() as conn, conn.transaction():
        try:
            draft_id: int = await conn.fetchval(
                """
                INSERT INTO timetable_drafts
                    (base_version_id, scenario, params, feed_zip, kpis, diff, created_by, notes)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                RETURNING id
                """,
                base_version_id, scenario, dict(params), feed_zip, dict(kpis), dict(diff), created_by,
                [dict(note) for note in notes],
            )
        except asyncpg.ForeignKeyViolationError:
            raise VersionNotFound(base_version_id) from None
        await conn.executemany(
            "INSERT INTO draft_charts (draft_id, route_id, direction_id, sides) VALUES ($1, $2, $3, $4)",
            [(draft_id, route_id, direction_id, dict(sides))
             for (route_id, direction_id), sides in (charts or {}).items()])
    return draft_id


async def find_draft_chart(pool: asyncpg.Pool, draft_id: int, route_id: str,
                           direction_id: int) -> Mapping[str, Any] | None:
    """What the draft's Marey chart of this line direction draws, stored with
    it; None for a direction it has no row of (or a draft stored before these rows)."""
    sides: Mapping[str, Any] | None = await pool.fetchval(
        "SELECT sides FROM draft_charts WHERE draft_id = $1 AND route_id = $2 AND direction_id = $3",
        draft_id, route_id, direction_id)
    return sides


async def has_draft_charts(pool: asyncpg.Pool, draft_id: int) -> bool:
    """Whether the draft's chart rows were stored with it (else its pages build networks)."""
    found: bool = await pool.fetchval("SELECT EXISTS (SELECT 1 FROM draft_charts WHERE draft_id = $1)", draft_id)
    return found


async def list_drafts(pool: asyncpg.Pool) -> list[DraftSummary]:
    """All drafts, newest first."""
    rows = await pool.fetch(f"SELECT {_SUMMARY} FROM timetable_drafts ORDER BY id DESC")
    return [_summary(row) for row in rows]


async def get_draft(pool: asyncpg.Pool | asyncpg.Connection, draft_id: int, *, for_update: bool = False) -> Draft:
    """The draft (raises ``DraftNotFound``); ``for_update`` locks its row for
    the caller's transaction (a state change reads it this way)."""
    lock = " FOR UPDATE" if for_update else ""
    row = await pool.fetchrow(f"SELECT {_COLUMNS} FROM timetable_drafts WHERE id = $1{lock}", draft_id)
    if row is None:
        raise DraftNotFound(draft_id)
    return Draft(_summary(row), row["params"], row["diff"], row["notes"])


async def get_draft_zip(pool: asyncpg.Pool, draft_id: int) -> bytes:
    feed_zip: bytes | None = await pool.fetchval(
        "SELECT feed_zip FROM timetable_drafts WHERE id = $1", draft_id
    )
    if feed_zip is None:
        raise DraftNotFound(draft_id)
    return feed_zip


async def list_draft_lines(pool: asyncpg.Pool) -> dict[int, tuple[list[Any], list[Any]]]:
    """Per draft: its rebuilt directions (``params.rebuilt``) and the directions its
    diff changes (``diff.directions``), for deciding which lines it touches."""
    rows = await pool.fetch("SELECT id, coalesce(params->'rebuilt', '[]') AS rebuilt,"
                            " coalesce(diff->'directions', '[]') AS directions FROM timetable_drafts")
    return {row["id"]: (row["rebuilt"], row["directions"]) for row in rows}
