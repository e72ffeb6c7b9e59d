"""The approval pages' reading side: the drafts a user's scope covers, one
draft with its KPI deltas, headways, trip diff and Marey chart (a line
direction and a time window chosen in the URL: ``?pick=ROUTE:DIR&from=HH:MM
&to=HH:MM``), and the schedule versions with the publication manifest.

What a draft page shows is what an approval freezes: the KPIs and diff
stored with the approval once there is one, else those stored with the draft.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from transit.api.console.app import CONSOLE, Console, depots_of, html_response, language, permit, visit_of
from transit.api.console.drafts_html import Chart, DraftView, Viewer, draft_page, drafts_page
from transit.api.console.texts import TEXTS
from transit.api.console.versions_html import versions_page
from transit.console.access import Action, Target, decide
from transit.console.approval import DraftStatus, applies, decide_roll_back, offered
from transit.console.marey import marey_svg
from transit.console.marey_sides import DirectionSides, direction_trips, draw, side_of, sides_from
from transit.console.review import (compared_version, day_type_of, direction_rows, draft_lines, headway_rows,
                                    kpi_deltas, line_directions, trip_changes)
from transit.model.service_days import service_day_of
from transit.store.approvals import draft_facts, find_approval, read_live_state
from transit.store.audit import list_audit_of
from transit.store.drafts import (Draft, DraftNotFound, find_draft_chart, get_draft, get_draft_zip, has_draft_charts,
                                  list_draft_lines, list_drafts)
from transit.store.publications import list_publications
from transit.store.schedules import get_feed_zip, list_versions

_CLOCK = re.compile(r"(\d{1,2}):([0-5]\d)")
_AWAITING = (DraftStatus.DRAFT, DraftStatus.VALIDATED, DraftStatus.APPROVED)
VERSIONS_TARGET = Target("schedule_versions")  # every line: only an all-lines scope covers it


def viewer_of(request: web.Request) -> Viewer:
    session = visit_of(request).session
    return Viewer(language(request), session.user, session.csrf_token, request.config_dict[CONSOLE].settings.timezone)


def draft_id_of(request: web.Request, name: str = "draft_id") -> int:
    text = request.match_info[name]
    if not text.isdigit() or len(text) > 18:
        raise web.HTTPNotFound()
    return int(text)


async def list_page(request: web.Request) -> web.Response:
    """The drafts whose lines the user's scope covers, newest first; starts
    building the networks of the newest ones awaiting a decision (those
    stored without chart rows)."""
    console = request.config_dict[CONSOLE]
    actor = visit_of(request).session.user.actor
    touched = {draft_id: draft_lines({"rebuilt": rebuilt}, {"directions": directions})
               for draft_id, (rebuilt, directions) in (await list_draft_lines(console.pool)).items()}
    depots = depots_of(request)
    shown = [d for d in await list_drafts(console.pool) if decide(
        actor, Action.VIEW, depots.touching("draft", str(d.id), touched.get(d.id, frozenset()))).allowed]
    live = await read_live_state(console.pool)
    for summary in [d for d in shown if d.status in _AWAITING][:2]:
        await _warm(console, summary.id, summary.base_version_id)
    return html_response(drafts_page(viewer_of(request), shown, live))


async def warm_awaiting(console_app: web.Application) -> None:
    """At start-up, begin building the networks of the two newest drafts
    awaiting a decision, when they were stored without chart rows: a draft
    page opened soon after a restart then does not wait seconds for its first view."""
    console = console_app[CONSOLE]
    for summary in [d for d in await list_drafts(console.pool) if d.status in _AWAITING][:2]:
        await _warm(console, summary.id, summary.base_version_id)


async def _warm(console: Console, draft_id: int, version_id: int) -> None:
    """Start building a draft's networks, unless its chart rows make them needless."""
    if await has_draft_charts(console.pool, draft_id):
        return
    console.networks.warm(("draft", draft_id), lambda: get_draft_zip(console.pool, draft_id))
    console.networks.warm(("version", version_id), lambda: get_feed_zip(console.pool, version_id))


async def draft_detail(request: web.Request) -> web.Response:
    console = request.config_dict[CONSOLE]
    draft_id = draft_id_of(request)
    try:
        draft = await get_draft(console.pool, draft_id)
    except DraftNotFound:
        raise web.HTTPNotFound() from None
    facts = draft_facts(draft, depots_of(request))
    permit(request, Action.VIEW, facts.target)
    live = await read_live_state(console.pool)
    approval = await find_approval(console.pool, draft_id)
    kpis, diff = (approval.kpis, approval.diff) if approval is not None else (draft.summary.kpis, draft.diff)
    viewer = viewer_of(request)
    done = request.query.get("done", "")
    view = DraftView(
        draft, live, applies(facts, live), offered(visit_of(request).session.user.actor, facts, live), approval,
        kpi_deltas(kpis), headway_rows(diff, day_type_of(draft.params, draft.summary.scenario)),
        direction_rows(diff), await _chart(console, viewer.lang, draft, diff, request.query),
        await list_audit_of(console.pool, "draft", str(draft_id)),
        service_day_of(console.clock(), console.settings.timezone),
        done if f"done_{done}" in TEXTS[viewer.lang] else "")
    return html_response(draft_page(viewer, view))


def _window(query: Mapping[str, str]) -> tuple[tuple[int, int] | None, bool]:
    """The chosen time window (service-day seconds), and whether what was typed was unusable."""
    typed = (query.get("from", "").strip(), query.get("to", "").strip())
    if not any(typed):
        return None, False
    found = [_CLOCK.fullmatch(text) for text in typed]
    if found[0] is None or found[1] is None:
        return None, True
    start, end = (int(m.group(1)) * 3600 + int(m.group(2)) * 60 for m in found)  # type: ignore[union-attr]
    return ((start, end), False) if start < end else (None, True)


async def _chart(console: Console, lang: str, draft: Draft, diff: Mapping[str, Any],
                 query: Mapping[str, str]) -> Chart | None:
    """The chosen line direction's Marey chart (draft against the version it
    was compared with) and trip diff; None when the draft changes no direction."""
    choices = line_directions(draft.params, diff)
    if not choices:
        return None
    route, _, direction = query.get("pick", "").rpartition(":")
    key = (route, int(direction)) if direction.isdigit() else choices[0]
    key = key if key in choices else choices[0]
    window, bad = _window(query)
    draft_id, compared = draft.summary.id, compared_version(draft.params, draft.summary.base_version_id)
    stored = await find_draft_chart(console.pool, draft_id, *key)
    sides = sides_from(stored) if stored is not None else await _sides_from_networks(console, draft, compared, key)
    svg, off_axis = None, 0
    chart = draw(sides, window)
    if chart is not None:
        texts = TEXTS[lang]
        title = texts["marey_title"].format(line=key[0], direction=texts["direction"].format(id=key[1]))
        svg = marey_svg(chart, title, texts["marey_old"].format(id=compared), texts["marey_new"].format(id=draft_id))
        off_axis = chart.off_axis
    typed = (query.get("from", ""), query.get("to", ""))
    return Chart(key[0], key[1], choices, typed, bad, svg, off_axis, trip_changes(diff, *key))


async def _sides_from_networks(console: Console, draft: Draft, compared: int, key: tuple[str, int]) -> DirectionSides:
    """A draft stored without its chart rows: the sides out of the two
    versions' networks, built (seconds) unless kept."""
    draft_id = draft.summary.id
    new_net = await console.networks.get(("draft", draft_id), lambda: get_draft_zip(console.pool, draft_id))
    old_net = await console.networks.get(("version", compared), lambda: get_feed_zip(console.pool, compared))
    services = frozenset(draft.params.get("service_ids", ()))
    return DirectionSides(side_of(old_net, direction_trips(old_net.trips.values(), services, key)),
                          side_of(new_net, direction_trips(new_net.trips.values(), services, key)))


async def versions(request: web.Request) -> web.Response:
    permit(request, Action.VIEW, VERSIONS_TARGET)
    console = request.config_dict[CONSOLE]
    actor = visit_of(request).session.user.actor
    live = await read_live_state(console.pool)
    stored = await list_versions(console.pool)
    verdicts = {v.id: decide_roll_back(actor, v.id, live) for v in stored}
    done = request.query.get("done", "")
    viewer = viewer_of(request)
    return html_response(versions_page(
        viewer, live, await list_publications(console.pool), stored, verdicts,
        service_day_of(console.clock(), console.settings.timezone),
        done if f"done_{done}" in TEXTS[viewer.lang] else ""))
