"""The alarms' routes: the list (``/console/alarms``), its count and
signature as JSON (what the page's script polls without a socket), and
acknowledging one (``POST /console/alarms/{id}/ack`` with a note and the
CSRF token), which only a dispatcher of the alarm's lines may do
(``transit.console.access``); it is audited with the note.
"""

from __future__ import annotations

import orjson
from aiohttp import web

from transit.api.console.alarms_html import RESOLVED_SHOWN, alarms_page
from transit.api.console.app import CONSOLE, act, depots_of, html_response, language, permit, refuse, visit_of
from transit.api.console.html import PREFIX
from transit.api.console.live import LIVE
from transit.api.console.socket import alarm_signature
from transit.console.access import Action, Actor, Target, decide
from transit.console.alarm_life import Alarm
from transit.console.line_depots import LineDepots
from transit.store.alarms import AlarmNotFound, AlarmRefused, acknowledge_alarm, find_alarm, list_resolved_alarms
from transit.validation import check_text

MAX_NOTE_CHARS = 500
BACK = f"{PREFIX}/alarms"


def alarm_target(depots: LineDepots, alarm: Alarm) -> Target:
    """An alarm touches its lines, and so their depots."""
    return depots.touching("alarm", str(alarm.id), alarm.route_ids)


def _may(actor: Actor, action: Action, alarm: Alarm, depots: LineDepots) -> bool:
    return decide(actor, action, alarm_target(depots, alarm)).allowed


async def alarms(request: web.Request) -> web.Response:
    live = request.config_dict[LIVE]
    session = visit_of(request).session
    actor = session.user.actor
    depots = depots_of(request)
    open_alarms = [(a, _may(actor, Action.ACKNOWLEDGE_ALARM, a, depots)) for a in live.watch.list_open()
                   if _may(actor, Action.VIEW, a, depots)]
    resolved = [a for a in await list_resolved_alarms(request.config_dict[CONSOLE].pool, RESOLVED_SHOWN)
                if _may(actor, Action.VIEW, a, depots)]
    _, signature = alarm_signature(live.watch, actor, depots)
    return html_response(alarms_page(language(request), session.user, session.csrf_token, live.view.network,
                                     open_alarms, resolved, signature))


async def alarms_json(request: web.Request) -> web.Response:
    live = request.config_dict[LIVE]
    count, signature = alarm_signature(live.watch, visit_of(request).session.user.actor, depots_of(request))
    return web.Response(body=orjson.dumps([{"type": "alarms", "count": count, "signature": signature}]),
                        content_type="application/json")


async def acknowledge(request: web.Request) -> web.Response:
    live = request.config_dict[LIVE]
    pool = request.config_dict[CONSOLE].pool
    text = request.match_info["alarm_id"]
    alarm = await find_alarm(pool, int(text)) if text.isdigit() and len(text) < 19 else None
    if alarm is None:
        raise refuse(request, "alarms_title", "no_alarm", back=BACK, status=404)
    role = permit(request, Action.ACKNOWLEDGE_ALARM, alarm_target(depots_of(request), alarm))
    note = str((await request.post()).get("note", "")).strip()
    if check_text("note", note, MAX_NOTE_CHARS) is not None:
        raise refuse(request, "alarms_title", "bad_note", back=BACK)
    try:
        done = await acknowledge_alarm(pool, alarm.id, note, act(request, role, note), live.view.clock())
    except AlarmNotFound:
        raise refuse(request, "alarms_title", "no_alarm", back=BACK, status=404) from None
    except AlarmRefused as refused:
        raise refuse(request, "alarms_title", f"ack_{refused.refusal}", back=BACK, status=409) from None
    live.watch.acknowledged(done)
    raise web.HTTPSeeOther(BACK)
