"""The sign screens' routes: the signs' health and the messages
(``/console/signs``), one sign (``/console/signs/{sign_id}``), sending a
message (``POST /console/signs/messages``: to a sign, a line's signs or
every sign, with how many minutes it shows) and withdrawing one
(``POST /console/signs/messages/{id}/withdraw``).

Only a sign operator whose scope covers the target sends or withdraws
(``transit.console.access``): a sign touches the lines at its stop, a line
itself, every sign no line (so only a scope over all lines). Both acts are
audited in the transaction that stores them; the service's message book is
refreshed at once, so the boards show the change on their next request.
Times are the service's clock (the demo's simulated one).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiohttp import web

from signage.messages import MessageBook
from signage.registry import Sign, SignKind
from transit.api.console.app import CONSOLE, act, html_response, language, permit, refuse, visit_of
from transit.api.console.html import PREFIX
from transit.api.console.live_view import LiveView, SignSources
from transit.api.console.signs_html import (MessageRow, SignDeskView, SignRow, SignsList, back_with, sign_link,
                                            sign_page, signs_page, target_words)
from transit.api.console.texts import TEXTS
from transit.boards.messages import MessageTarget, SignMessage, TargetKind, check_duration, check_message_text, for_sign
from transit.console.access import Action, Actor, Target, decide
from transit.console.line_depots import LineDepots
from transit.model.line_names import line_order_key
from transit.store.sign_messages import (MessageNotFound, MessageRefused, find_sign_message, list_recent_messages,
                                         send_sign_message, withdraw_sign_message)

_log = logging.getLogger(__name__)

BACK = f"{PREFIX}/signs"
MAX_FOUND = 50
RECENT_SHOWN = 50
EVERY_SIGN = Target("signs", "all")  # touches no line: only a scope over all covers it


@dataclass(frozen=True)
class SignDesk:
    view: LiveView  # the network, the service clock, the lines at each stop
    sources: SignSources
    book: MessageBook
    depots: LineDepots  # which depot runs which line


SIGN_DESK = web.AppKey("console_signs", SignDesk)


def sign_target(desk: SignDesk, sign: Sign) -> Target:
    return desk.depots.touching("sign", sign.sign_id, desk.view.lines_at.get(sign.stop_id, frozenset()))


def message_target(desk: SignDesk, target: MessageTarget) -> Target | None:
    """What sending to ``target`` touches; None: no such sign or line."""
    if target.kind is TargetKind.ALL:
        return EVERY_SIGN
    if target.kind is TargetKind.LINE:
        return desk.depots.line(target.target_id) if target.target_id in desk.view.network.routes else None
    sign = desk.sources.registry.find_sign(target.target_id)
    return None if sign is None else sign_target(desk, sign)


def _may(actor: Actor, action: Action, target: Target | None) -> bool:
    return target is not None and decide(actor, action, target).allowed


def _viewer(request: web.Request, desk: SignDesk) -> SignDeskView:
    session = visit_of(request).session
    return SignDeskView(language(request), session.user, session.csrf_token, desk.view.network.timezone,
                        desk.view.clock())


def _line_name(desk: SignDesk, route_id: str) -> str:
    route = desk.view.network.routes.get(route_id)
    return route.short_name if route is not None and route.short_name else route_id


def _sign_row(desk: SignDesk, sign: Sign, now: float) -> SignRow:
    stop = desk.view.network.stops.get(sign.stop_id)
    lines = sorted((_line_name(desk, r) for r in desk.view.lines_at.get(sign.stop_id, ())), key=line_order_key)
    status = desk.sources.health.find_status(sign.sign_id)
    if sign.kind is SignKind.ORDINARY:
        health = "ordinary"
    elif status is None or status.last_poll is None:
        health = "never"
    else:
        health = "offline" if now - status.last_poll > desk.sources.offline_after_s else "online"
    return SignRow(sign, stop.name if stop else sign.stop_id, "、".join(lines), status, health)


def _message_rows(desk: SignDesk, lang: str, actor: Actor, messages: list[SignMessage]) -> list[MessageRow]:
    rows = []
    for message in messages:
        target = message_target(desk, message.target)
        if target is None or not _may(actor, Action.VIEW, target):
            continue
        line = _line_name(desk, message.target.target_id) if message.target.kind is TargetKind.LINE else ""
        rows.append(MessageRow(message, target_words(lang, message.target, line),
                               _may(actor, Action.SEND_SIGN_MESSAGE, target)))
    return rows


def _found(desk: SignDesk, actor: Actor, query: str) -> list[Sign]:
    needle = query.casefold()
    stops = desk.view.network.stops
    return [s for s in desk.sources.registry
            if (needle in s.sign_id.casefold() or needle in s.stop_id.casefold()
                or (s.stop_id in stops and needle in stops[s.stop_id].name.casefold()))
            and _may(actor, Action.VIEW, sign_target(desk, s))]


def _notice(request: web.Request, desk: SignDesk, v: SignDeskView) -> str:
    for key in ("sent", "withdrawn"):
        text = request.query.get(key, "")
        if text.isdigit() and len(text) < 19:
            found = next((m for m in desk.book.index().messages if m.message_id == int(text)), None)
            if key == "sent" and found is not None:
                return TEXTS[v.lang]["sent_ok"].format(id=text, until=v.when(found.expires_at))
            if key == "withdrawn":
                return TEXTS[v.lang]["withdrawn_ok"].format(id=text)
    return ""


async def signs(request: web.Request) -> web.Response:
    desk = request.config_dict[SIGN_DESK]
    v = _viewer(request, desk)
    actor = v.user.actor
    electronic = [_sign_row(desk, s, v.now) for s in desk.sources.registry.list_signs(SignKind.ELECTRONIC)
                  if _may(actor, Action.VIEW, sign_target(desk, s))]
    query = request.query.get("q", "").strip()[:64]
    found = _found(desk, actor, query) if query else None
    lines = sorted(((r, _line_name(desk, r)) for r in desk.view.network.routes
                    if _may(actor, Action.SEND_SIGN_MESSAGE, desk.depots.line(r))),
                   key=lambda rn: line_order_key(rn[1]))
    showing = [m for m in desk.book.index().messages if m.is_showing(v.now)]
    recent = await list_recent_messages(request.config_dict[CONSOLE].pool, RECENT_SHOWN)
    found_rows = None if found is None else [_sign_row(desk, s, v.now) for s in found[:MAX_FOUND]]
    data = SignsList(electronic, query, found_rows, found is not None and len(found) > MAX_FOUND, lines,
                     _may(actor, Action.SEND_SIGN_MESSAGE, EVERY_SIGN),
                     _message_rows(desk, v.lang, actor, showing), _message_rows(desk, v.lang, actor, recent),
                     _notice(request, desk, v), round(desk.sources.offline_after_s / 60))
    return html_response(signs_page(v, data))


async def sign(request: web.Request) -> web.Response:
    desk = request.config_dict[SIGN_DESK]
    found = desk.sources.registry.find_sign(request.match_info["sign_id"])
    if found is None:
        raise refuse(request, "signs_title", "no_sign", back=BACK, status=404)
    permit(request, Action.VIEW, sign_target(desk, found))
    v = _viewer(request, desk)
    shown = {m.message_id for m in for_sign(desk.book.index().at(found.stop_id, v.now), found.sign_id)}
    showing = [m for m in desk.book.index().messages if m.message_id in shown]
    may_send = _may(v.user.actor, Action.SEND_SIGN_MESSAGE, sign_target(desk, found))
    return html_response(sign_page(v, _sign_row(desk, found, v.now),
                                   _message_rows(desk, v.lang, v.user.actor, showing), may_send,
                                   _notice(request, desk, v)))


def _minutes(value: object) -> int | None:
    text = value.strip() if isinstance(value, str) else ""
    return int(text) if text.isdigit() and len(text) <= 5 else None


async def send(request: web.Request) -> web.Response:
    desk = request.config_dict[SIGN_DESK]
    form = await request.post()
    try:
        target = MessageTarget(TargetKind(str(form.get("target_kind", ""))), str(form.get("target_id", "")))
    except ValueError:
        raise refuse(request, "signs_title", "bad_target", back=BACK) from None
    touched = message_target(desk, target)
    if touched is None:
        raise refuse(request, "signs_title", "bad_target", back=BACK)
    role = permit(request, Action.SEND_SIGN_MESSAGE, touched)
    back = sign_link(target.target_id) if target.kind is TargetKind.SIGN else BACK
    text = str(form.get("text", "")).strip()
    if check_message_text(text) is not None:
        raise refuse(request, "signs_title", "bad_message_text", back=back)
    minutes = _minutes(form.get("minutes"))
    if minutes is None or check_duration(minutes * 60.0) is not None:
        raise refuse(request, "signs_title", "bad_minutes", back=back)
    now = desk.view.clock()
    message = await send_sign_message(request.config_dict[CONSOLE].pool, target, text, now, now + minutes * 60.0,
                                      act(request, role))
    _log.info("sign_message_sent id=%d target=%s:%s by=%s", message.message_id, target.kind, target.target_id,
              message.sent_by)
    await _refresh(desk)
    raise web.HTTPSeeOther(back_with(back, sent=message.message_id))


async def withdraw(request: web.Request) -> web.Response:
    desk = request.config_dict[SIGN_DESK]
    pool = request.config_dict[CONSOLE].pool
    text = request.match_info["message_id"]
    message = await find_sign_message(pool, int(text)) if text.isdigit() and len(text) < 19 else None
    touched = None if message is None else message_target(desk, message.target)
    if message is None or touched is None:
        raise refuse(request, "signs_title", "no_message", back=BACK, status=404)
    role = permit(request, Action.SEND_SIGN_MESSAGE, touched)
    try:
        await withdraw_sign_message(pool, message.message_id, act(request, role), desk.view.clock())
    except MessageNotFound:
        raise refuse(request, "signs_title", "no_message", back=BACK, status=404) from None
    except MessageRefused as refused:
        raise refuse(request, "signs_title", f"withdraw_{refused.refusal}", back=BACK, status=409) from None
    await _refresh(desk)
    raise web.HTTPSeeOther(back_with(BACK, withdrawn=message.message_id))


async def _refresh(desk: SignDesk) -> None:
    """Show the change now; if the store cannot be read this instant, the
    book's own round picks it up (the act itself is stored and audited)."""
    try:
        await desk.book.refresh()
    except Exception:  # noqa: BLE001 - the act is done; showing it may wait a round
        _log.warning("sign_messages_refresh_failed", exc_info=True)


def add_sign_pages(console: web.Application, view: LiveView, depots: LineDepots) -> None:
    """The sign screens, when the service has signs and a message book."""
    sources = view.signs
    if sources is None or sources.messages is None:
        return
    console[SIGN_DESK] = SignDesk(view, sources, sources.messages, depots)
    console.router.add_get("/signs", signs, name="console.signs")
    console.router.add_post("/signs/messages", send, name="console.send_message")
    console.router.add_post("/signs/messages/{message_id}/withdraw", withdraw, name="console.withdraw_message")
    console.router.add_get("/signs/{sign_id}", sign, name="console.sign")
