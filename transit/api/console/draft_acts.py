"""The approval acts, each a POST behind the console's guard (session and
CSRF token): validate, approve, reject and publish a draft, roll back to an
earlier version. The rules (``transit.console.approval``) decide inside the
act's transaction; a refusal answers a page saying why (403 when the user
may not, 409 when the draft or the schedule does not allow it, 400 for a
date that is no date). Success goes back to the page with what was done."""

from __future__ import annotations

import asyncio
import logging
from datetime import date

from aiohttp import web

from transit.api.console.app import CONSOLE, depots_of, html_response, visit_of
from transit.api.console.drafts import draft_id_of, viewer_of
from transit.api.console.drafts_html import Viewer, refusal_text, refused_page
from transit.api.console.html import PREFIX
from transit.api.console.texts import TEXTS
from transit.console.access import Refusal
from transit.console.approval import DraftAct, Verdict, check_service_date, decide_act
from transit.gtfs.problems import InvalidFeed
from transit.gtfs.feed import load_feed
from transit.model.service_days import service_day_of
from transit.store.approvals import NewVersion, change_draft, draft_facts, publish_draft, read_live_state
from transit.store.drafts import DraftNotFound, get_draft, get_draft_zip
from transit.store.publications import ActRefused, apply_due_publications, roll_back
from transit.store.schedules import VersionNotFound

_log = logging.getLogger(__name__)

REASON_MAX = 1000
ACTS = "validate|approve|reject|publish"


def _refused(request: web.Request, verdict: Verdict, back: str) -> web.Response:
    viewer = viewer_of(request)
    _log.info("console_act_refused user=%s path=%s refusal=%s detail=%s", viewer.user.username, request.path,
              verdict.refusal, dict(verdict.detail))
    status = 403 if isinstance(verdict.refusal, Refusal) else 409
    return html_response(refused_page(viewer, refusal_text(viewer.lang, verdict), back), status)


def _bad_input(viewer: Viewer, key: str, back: str, **fields: object) -> web.Response:
    return html_response(refused_page(viewer, TEXTS[viewer.lang][key].format(**fields), back), 400)


def _service_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


async def draft_act(request: web.Request) -> web.Response:
    console = request.config_dict[CONSOLE]
    draft_id = draft_id_of(request)
    act = DraftAct(request.match_info["act"])
    form = await request.post()
    reason = str(form.get("reason", ""))[:REASON_MAX].strip()
    actor = visit_of(request).session.user.actor
    at, today = console.clock(), service_day_of(console.clock(), console.settings.timezone)
    back = f"{PREFIX}/drafts/{draft_id}"
    try:
        if act is DraftAct.PUBLISH:
            chosen = _service_date(str(form.get("service_date", "")))
            if chosen is None:
                return _bad_input(viewer_of(request), "bad_date", back)
            answer = await _publish(request, draft_id, chosen, reason, at=at, today=today)
            if answer is not None:
                return answer
        else:
            await change_draft(console.pool, draft_id, act, actor, at=at, today=today, reason=reason,
                               depots=depots_of(request))
    except DraftNotFound:
        raise web.HTTPNotFound() from None
    except ActRefused as refused:
        return _refused(request, refused.verdict, back)
    return web.Response(status=303, headers={"Location": f"{back}?done={act.value}"})


async def _publish(request: web.Request, draft_id: int, chosen: date, reason: str, *, at: float,
                   today: date) -> web.Response | None:
    """Publish the draft from ``chosen``; a refusal page, or None when done.
    The rules are asked once before the feed is checked (seconds on a city's
    feed), after the publications due by today have taken effect, and again,
    under lock, as it is stored."""
    console = request.config_dict[CONSOLE]
    actor = visit_of(request).session.user.actor
    await apply_due_publications(console.pool, today, at)
    draft = await get_draft(console.pool, draft_id)
    early = decide_act(actor, DraftAct.PUBLISH, draft_facts(draft, depots_of(request)),
                       await read_live_state(console.pool), reason)
    dated = check_service_date(chosen, today)
    if not early.allowed or not dated.allowed:
        raise ActRefused("publish", f"draft {draft_id}", early if not early.allowed else dated)
    data = await get_draft_zip(console.pool, draft_id)
    try:
        feed = await asyncio.to_thread(load_feed, data, f"draft-{draft_id}.zip")
    except InvalidFeed as exc:
        return _bad_input(viewer_of(request), "feed_invalid", f"{PREFIX}/drafts/{draft_id}", error=str(exc)[:500])
    version = NewVersion(feed.source, feed.sha256, feed.data, feed.summary(), feed.start, feed.end)
    publication = await publish_draft(console.pool, draft_id, actor, version, at=at, today=today,
                                      effective_from=chosen, reason=reason, depots=depots_of(request))
    console.networks.put(("version", publication.version_id), feed.network)
    return None


async def roll_back_version(request: web.Request) -> web.Response:
    console = request.config_dict[CONSOLE]
    version_id = draft_id_of(request, "version_id")
    form = await request.post()
    back = f"{PREFIX}/versions"
    chosen = _service_date(str(form.get("service_date", "")))
    if chosen is None:
        return _bad_input(viewer_of(request), "bad_date", back)
    actor = visit_of(request).session.user.actor
    at = console.clock()
    try:
        await roll_back(console.pool, version_id, actor, at=at,
                        today=service_day_of(at, console.settings.timezone), effective_from=chosen,
                        reason=str(form.get("reason", ""))[:REASON_MAX].strip())
    except VersionNotFound:
        return html_response(refused_page(viewer_of(request), TEXTS[viewer_of(request).lang]["unknown_version"]
                                          .format(id=version_id), back), 404)
    except ActRefused as refused:
        return _refused(request, refused.verdict, back)
    return web.Response(status=303, headers={"Location": f"{back}?done=roll_back"})
