"""The console as an aiohttp sub-application under ``/console``: its settings,
and the guard every request passes. A page other than the log-in form needs
a live session (else a redirect to the log-in form, saying when the session
lapsed); a request that changes anything needs the session's CSRF token too
(form field ``csrf_token`` or header ``X-CSRF-Token``; else 403). Handlers
ask ``permit`` whether the user may act, and build audit entries with ``act``.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from aiohttp import web

from transit.api.console import cookies
from transit.api.console.html import PREFIX, message_page
from transit.api.console.networks import NetworkCache
from transit.api.console.texts import TEXTS, choose_language
from transit.console.access import Action, Role, Target, decide
from transit.console.alarms import AlarmRules
from transit.console.audit import Act
from transit.console.line_depots import LineDepots
from transit.console.limiter import LoginLimiter, LoginPolicy
from transit.console.sessions import Session, SessionPolicy, SessionState, needs_touch
from transit.store import Pool
from transit.store.sessions import end_session, find_session, touch_session

_log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Routes open without a session (by name).
PUBLIC = frozenset({"console.login_form", "console.login", "console.css", "console.js"})

# What every console response carries: nothing from elsewhere, no framing, no
# caching of pages that hold a user's data, no sniffing.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@dataclass(frozen=True)
class ConsoleSettings:
    sessions: SessionPolicy = SessionPolicy()
    logins: LoginPolicy = LoginPolicy()
    # Secure cookies even when requests arrive over plain http (TLS ends at a proxy).
    secure_cookies: bool = False
    timezone: str = "Asia/Shanghai"  # of the times pages show
    alarm_rules: AlarmRules = AlarmRules()
    alarm_every_s: float = 2.0  # how often the alarm watch looks at the live state
    alarm_clear_after_s: float = 60.0  # an alarm resolves once its condition is gone this long
    push_every_s: float = 1.0  # how often open pages are sent what changed
    # Which depot runs which line: what a role scoped to depots reaches. Every
    # target is built from it (``LineDepots.touching``); empty, no line has a depot.
    line_depots: LineDepots = LineDepots()


@dataclass(frozen=True)
class Console:
    pool: Pool
    settings: ConsoleSettings
    # The wall clock (never the demo's simulated one): session lifetimes and audit times.
    clock: Callable[[], float]
    limiter: LoginLimiter  # of this service: failed log-ins per account and address
    networks: NetworkCache = field(default_factory=NetworkCache)  # for the approval pages' Marey charts


@dataclass(frozen=True)
class Visit:
    """A request of a logged-in user: their session and its token's hash."""

    session: Session
    token_hash: bytes


CONSOLE = web.AppKey("console", Console)
# The console's sub-application, on the service's application.
CONSOLE_APP = web.AppKey("console_app", web.Application)
VISIT = web.RequestKey("console_visit", Visit)


def language(request: web.Request) -> str:
    return choose_language(request.query.get("lang"), request.cookies.get(cookies.LANGUAGE))


def html_response(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


def depots_of(request: web.Request) -> LineDepots:
    """Which depot runs which line: build every target touching lines with it."""
    return request.config_dict[CONSOLE].settings.line_depots


def visit_of(request: web.Request) -> Visit:
    return request[VISIT]


def permit(request: web.Request, action: Action, target: Target) -> Role:
    """The role the user does ``action`` to ``target`` as; a 403 page saying
    why when they may not (``transit.console.access.decide``)."""
    visit = request[VISIT]
    decision = decide(visit.session.user.actor, action, target)
    if decision.role is None:
        lang = language(request)
        _log.info("console_refused user=%s action=%s target=%s:%s reason=%s", visit.session.user.username,
                  action, target.kind, target.object_id, decision.refusal)
        raise web.HTTPForbidden(text=message_page(
            lang, TEXTS[lang]["forbidden_title"], TEXTS[lang][f"refused_{decision.refusal}"],
            path=request.path, user=visit.session.user, csrf_token=visit.session.csrf_token),
            content_type="text/html")
    return decision.role


_REFUSALS: dict[int, type[web.HTTPException]] = {400: web.HTTPBadRequest, 404: web.HTTPNotFound,
                                                  409: web.HTTPConflict}


def refuse(request: web.Request, title_key: str, message_key: str, *, back: str,
           status: int = 400) -> web.HTTPException:
    """A page saying why a request was refused (bad input, a state that no
    longer allows it), to raise; its language switch goes to ``back``."""
    lang = language(request)
    session = request[VISIT].session
    return _REFUSALS[status](text=message_page(
        lang, TEXTS[lang][title_key], TEXTS[lang][message_key], path=back, user=session.user,
        csrf_token=session.csrf_token), content_type="text/html")


def act(request: web.Request, role: Role, reason: str = "") -> Act:
    """Who is acting now, as ``role``, and why: the start of an audit entry."""
    return Act(request[VISIT].session.user.username, role.value, request.config_dict[CONSOLE].clock(), reason)


async def open_visit(request: web.Request, console: Console) -> tuple[Visit | None, bool]:
    """The request's live session, if any; and whether a session cookie came
    that no longer opens one (lapsed, ended, or its user disabled)."""
    token = cookies.read_token(request, cookies.SESSION)
    if token is None:
        return None, request.cookies.get(cookies.SESSION) is not None
    hashed = cookies.token_hash(token)
    session = await find_session(console.pool, hashed)
    now = console.clock()
    if session is None:
        return None, True
    if session.state(now, console.settings.sessions) is not SessionState.LIVE:
        await end_session(console.pool, hashed)
        return None, True
    if needs_touch(session.last_seen_at, now, console.settings.sessions):
        await touch_session(console.pool, hashed, now)
    return Visit(session, hashed), False


async def _csrf_ok(request: web.Request, session: Session) -> bool:
    given = request.headers.get("X-CSRF-Token")
    if given is None and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        value = (await request.post()).get("csrf_token")
        given = value if isinstance(value, str) else None
    return given is not None and hmac.compare_digest(given.encode("utf-8", "replace"),
                                                     session.csrf_token.encode("ascii"))


def _to_login(request: web.Request, lapsed: bool) -> web.Response:
    query = {"next": request.path_qs if request.method in SAFE_METHODS else f"{PREFIX}/"}
    if lapsed:
        query["expired"] = "1"
    response = web.Response(status=303, headers={"Location": f"{PREFIX}/login?{urlencode(query)}"})
    if lapsed:
        cookies.drop_cookie(response, cookies.SESSION, PREFIX)
    return response


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    console = request.config_dict[CONSOLE]
    route = request.match_info.route
    if route.name not in PUBLIC:
        visit, lapsed = await open_visit(request, console)
        if visit is None:
            return _to_login(request, lapsed)
        if request.method not in SAFE_METHODS and not await _csrf_ok(request, visit.session):
            lang = language(request)
            _log.info("console_csrf_refused user=%s path=%s", visit.session.user.username, request.path)
            return html_response(message_page(lang, TEXTS[lang]["forbidden_title"], TEXTS[lang]["csrf"],
                                              path=request.path), status=403)
        request[VISIT] = visit
    try:
        response = await handler(request)
    except web.HTTPNotFound:
        lang = language(request)
        return html_response(message_page(lang, TEXTS[lang]["not_found"], TEXTS[lang]["not_found"],
                                          path=f"{PREFIX}/"), status=404)
    asked = request.query.get("lang")
    if asked is not None and asked == choose_language(asked, None):
        cookies.set_cookie(response, request, cookies.LANGUAGE, asked, max_age=cookies.LANGUAGE_MAX_AGE_S,
                           path=PREFIX, secure=console.settings.secure_cookies)
    return response


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Cache-Control", "no-store")
