"""``/api/drafts``: the timetable drafts as JSON for the approval console, and
each draft's GTFS zip. Read-only and open like ``/api/accuracy`` today; the
console's log-in (issue 14) will guard them."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from transit.gtfs.feed import load_feed
from transit.model.network import Trip

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


async def get_blocks(request: web.Request) -> web.Response:
    """The draft's vehicle blocks on its rebuilt service day: each block's trips
    in order, from its first departure to its last arrival; how they were made."""
    draft_id = _draft_id(request)
    pool = request.app[DRAFTS_POOL]
    try:
        draft = await get_draft(pool, draft_id)
        data = await get_draft_zip(pool, draft_id)
    except DraftNotFound:
        raise _not_found(draft_id) from None
    network = (await asyncio.to_thread(load_feed, data, f"draft-{draft_id}.zip")).network
    services = set(draft.params.get("service_ids", ()))
    trips = sorted((t for t in network.trips.values() if t.service_id in services), key=lambda t: t.start)
    return json_response({"draft_id": draft_id, "service_ids": sorted(services),
                          "made_by": draft.params.get("blocks", {}), **blocks_json(trips)})


def blocks_json(trips: list[Trip]) -> dict[str, Any]:
    blocks: dict[str, list[Trip]] = {}
    for trip in trips:
        blocks.setdefault(trip.block_id or f"unblocked:{trip.trip_id}", []).append(trip)
    spans = sorted((run[0].start, run[-1].end) for run in blocks.values())
    return {
        "vehicles_at_peak": _most_at_once(spans),
        "blocks": [{"block_id": block_id, "start_s": run[0].start, "end_s": run[-1].end,
                    "routes": sorted({t.route_id for t in run}),
                    "trips": [{"trip_id": t.trip_id, "route_id": t.route_id, "direction_id": t.direction_id,
                               "start_s": t.start, "end_s": t.end} for t in run]}
                   for block_id, run in sorted(blocks.items(), key=lambda item: item[1][0].start)],
    }


def _most_at_once(spans: list[tuple[int, int]]) -> int:
    steps = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    out = most = 0
    for _, step in steps:  # a block ending at t frees its vehicle for one starting at t
        out += step
        most = max(most, out)
    return most


def add_draft_routes(app: web.Application, pool: Pool) -> None:
    app[DRAFTS_POOL] = pool
    app.router.add_get("/api/drafts", list_all)
    app.router.add_get("/api/drafts/{draft_id}", get_one)
    app.router.add_get("/api/drafts/{draft_id}/gtfs.zip", get_zip)
    app.router.add_get("/api/drafts/{draft_id}/blocks", get_blocks)
