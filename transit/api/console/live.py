"""The live view's routes: the map with its table of lines (``/console/live``),
a line's ladder (``/console/lines/{route_id}``), their data as JSON (what
the page's script polls when it cannot keep a socket open), and a line's
alarm thresholds (changed by a dispatcher of the line, audited).

A user sees the lines their scope covers (``transit.console.access``): the
map's shapes are every line's, its buses and table rows only theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import orjson
from aiohttp import web

from transit.api.console.alarm_watch import AlarmWatch
from transit.api.console.app import CONSOLE, act, depots_of, html_response, language, permit, refuse, visit_of
from transit.api.console.html import PREFIX
from transit.api.console.live_html import live_page, ladder_page
from transit.api.console.live_payloads import line_payload, map_payload
from transit.api.console.live_view import LiveView, scoped, visible_lines
from transit.api.console.socket import ConsoleSocket, alarm_signature
from transit.console.access import Action, Actor, decide
from transit.console.alarms import Thresholds
from transit.store.alarms import set_thresholds
from transit.validation import check_text

MAX_REASON_CHARS = 200


@dataclass(frozen=True)
class LiveConsole:
    view: LiveView
    watch: AlarmWatch
    socket: ConsoleSocket


LIVE = web.AppKey("console_live", LiveConsole)


def _alarms_message(request: web.Request, live: LiveConsole, actor: Actor) -> dict[str, object]:
    count, signature = alarm_signature(live.watch, actor, depots_of(request))
    return {"type": "alarms", "count": count, "signature": signature}


def _json(messages: list[dict[str, object]]) -> web.Response:
    return web.Response(body=orjson.dumps(messages), content_type="application/json")


async def live_map(request: web.Request) -> web.Response:
    live = request.config_dict[LIVE]
    session = visit_of(request).session
    actor = session.user.actor
    frame = scoped(live.view.frame(), visible_lines(actor, live.view, depots_of(request)))
    count, _ = alarm_signature(live.watch, actor, depots_of(request))
    return html_response(live_page(language(request), session.user, session.csrf_token, live.view, frame,
                                   dict(live.watch.count_by_line()), count))


async def live_json(request: web.Request) -> web.Response:
    live = request.config_dict[LIVE]
    actor = visit_of(request).session.user.actor
    frame = scoped(live.view.frame(), visible_lines(actor, live.view, depots_of(request)))
    return _json([map_payload(live.view, frame, language(request), live.watch.count_by_line()),
                  _alarms_message(request, live, actor)])


def _route_of(request: web.Request, live: LiveConsole) -> str:
    route_id = request.match_info["route_id"]
    if route_id not in live.view.network.routes:
        raise web.HTTPNotFound()
    permit(request, Action.VIEW, depots_of(request).line(route_id))
    return route_id


async def ladder(request: web.Request) -> web.Response:
    live = request.config_dict[LIVE]
    route_id = _route_of(request, live)
    session = visit_of(request).session
    actor = session.user.actor
    may_change = decide(actor, Action.CHANGE_THRESHOLD, depots_of(request).line(route_id)).allowed
    count, _ = alarm_signature(live.watch, actor, depots_of(request))
    return html_response(ladder_page(language(request), session.user, session.csrf_token, live.view,
                                     live.view.frame(), route_id, live.watch.thresholds_of(route_id),
                                     may_change, count))


async def ladder_json(request: web.Request) -> web.Response:
    live = request.config_dict[LIVE]
    route_id = _route_of(request, live)
    actor = visit_of(request).session.user.actor
    payload = line_payload(live.view, live.view.frame(), route_id, language(request),
                           live.watch.thresholds_of(route_id)[0])
    return _json([payload, _alarms_message(request, live, actor)])


def _percent(value: object, low: int, high: int) -> int | None:
    text = value.strip() if isinstance(value, str) else ""
    if not text.isdigit() or len(text) > 4 or not low <= int(text) <= high:
        return None
    return int(text)


async def change_thresholds(request: web.Request) -> web.Response:
    """A dispatcher of the line sets its bunching and gapping thresholds
    (whole percents of the scheduled headway), with an optional reason."""
    live = request.config_dict[LIVE]
    route_id = request.match_info["route_id"]
    if route_id not in live.view.network.routes:
        raise web.HTTPNotFound()
    role = permit(request, Action.CHANGE_THRESHOLD, depots_of(request).line(route_id))
    back = f"{PREFIX}/lines/{quote(route_id, safe='')}"
    form = await request.post()
    bunching, gapping = _percent(form.get("bunching"), 1, 99), _percent(form.get("gapping"), 101, 1000)
    reason = str(form.get("reason", "")).strip()
    if bunching is None or gapping is None:
        raise refuse(request, "thresholds", "bad_thresholds", back=back)
    if reason and check_text("reason", reason, MAX_REASON_CHARS) is not None:
        raise refuse(request, "thresholds", "bad_reason", back=back)
    thresholds = Thresholds(bunching / 100, gapping / 100)
    await set_thresholds(request.config_dict[CONSOLE].pool, route_id, thresholds, act(request, role, reason),
                         live.watch.rules.thresholds)
    live.watch.set_thresholds(route_id, thresholds)
    raise web.HTTPSeeOther(back)
