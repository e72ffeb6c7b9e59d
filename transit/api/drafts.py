"""``/api/drafts``: the timetable drafts as JSON for the approval console, and
each draft's GTFS zip. Read-only and open like ``/api/accuracy`` today; the
console's log-in (issue 14) will guard them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from transit.api.context import json_error, json_response
from transit.store import Pool
from transit.store.drafts import DraftNotFound, DraftSummary, get_draft, get_draft_zip, list_drafts

DRAFTS_POOL = web.AppKey("drafts_pool", Pool)


def summary_json(summary: DraftSummary) -> dict[str, Any]:
    return {
        "id": summary.id,
        "created_at": summary.created_at.isoformat(),
        "base_version_id": summary.base_version_id,
        "status": summary.status.value,
        "scenario": summary.scenario,
        "created_by": summary.created_by,
        "headline": summary.kpis.get("headline", {}),
    }


def _draft_id(request: web.Request) -> int:
    text = request.match_info["draft_id"]
    if not text.isdigit():
        raise json_error(404, "unknown_draft", f"no timetable draft with id {text!r}")
    return int(text)


def _not_found(draft_id: int) -> web.HTTPException:
    return json_error(404, "unknown_draft", f"no timetable draft with id {draft_id}")


async def list_all(request: web.Request) -> web.Response:
    summaries = await list_drafts(request.app[DRAFTS_POOL])
    return json_response({"drafts": [summary_json(s) for s in summaries]})


async def get_one(request: web.Request) -> web.Response:
    draft_id = _draft_id(request)
    try:
        draft = await get_draft(request.app[DRAFTS_POOL], draft_id)
    except DraftNotFound:
        raise _not_found(draft_id) from None
    body: Mapping[str, Any] = {**summary_json(draft.summary), "kpis": draft.summary.kpis,
                               "diff": draft.diff, "params": draft.params, "notes": draft.notes}
    return json_response(body)


async def get_zip(request: web.Request) -> web.Response:
    draft_id = _draft_id(request)
    try:
        data = await get_draft_zip(request.app[DRAFTS_POOL], draft_id)
    except DraftNotFound:
        raise _not_found(draft_id) from None
    return web.Response(body=data, content_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="draft-{draft_id}-gtfs.zip"'})


def add_draft_routes(app: web.Application, pool: Pool) -> None:
    app[DRAFTS_POOL] = pool
    app.router.add_get("/api/drafts", list_all)
    app.router.add_get("/api/drafts/{draft_id}", get_one)
    app.router.add_get("/api/drafts/{draft_id}/gtfs.zip", get_zip)
