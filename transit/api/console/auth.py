"""Logging in and out of the console.

The log-in form carries a token that must match a cookie set with it (a
page of another site cannot log a browser in as someone else). A log-in is
refused unchecked past the failure limits (``transit.console.limiter``: 429
saying how long to wait); a wrong name and a wrong password get the same
answer in the same time. A good one starts a new session (new token, new
CSRF token) and ends the one the browser had.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import math
from urllib.parse import urlsplit

from aiohttp import web

from transit.api.console import cookies
from transit.api.console.app import CONSOLE, Console, html_response, language, visit_of
from transit.api.console.html import PREFIX, login_page, logout_page
from transit.api.console.texts import TEXTS
from transit.console.limiter import LoginRefused
from transit.console.passwords import verify_nobody, verify_password
from transit.console.users import USERNAME
from transit.store.sessions import create_session, end_session, purge_sessions
from transit.store.users import find_login

_log = logging.getLogger(__name__)


def safe_next(path: str) -> str:
    """Where to go after log-in: a console page of this site, never elsewhere."""
    parts = urlsplit(path)
    if (parts.scheme or parts.netloc or not path.startswith(f"{PREFIX}/") or "//" in path or "\\" in path
            or path.startswith(f"{PREFIX}/login") or path.startswith(f"{PREFIX}/logout")):
        return f"{PREFIX}/"
    return path


def _form(request: web.Request, console: Console, status: int, *, next_path: str, username: str = "",
          message_key: str = "", error: bool = True, **fields: object) -> web.Response:
    """The log-in form with a fresh CSRF token (and its cookie)."""
    lang = language(request)
    token = cookies.new_token()
    message = TEXTS[lang][message_key].format(**fields) if message_key else ""
    response = html_response(login_page(lang, csrf_token=token, next_path=next_path, username=username,
                                        message=message, error=error), status)
    cookies.set_cookie(response, request, cookies.LOGIN_CSRF, token, max_age=cookies.LOGIN_FORM_MAX_AGE_S,
                       path=f"{PREFIX}/login", secure=console.settings.secure_cookies)
    return response


async def login_form(request: web.Request) -> web.Response:
    console = request.config_dict[CONSOLE]
    note = "expired" if request.query.get("expired") == "1" else "logged_out" if "bye" in request.query else ""
    return _form(request, console, 200, next_path=safe_next(request.query.get("next", "")),
                 message_key=note, error=False)


def _refused(request: web.Request, console: Console, refused: LoginRefused, username: str,
             next_path: str) -> web.Response:
    response = _form(request, console, 429, next_path=next_path, username=username,
                     message_key=f"too_many_{refused.kind}", minutes=max(1, math.ceil(refused.retry_after_s / 60)))
    response.headers["Retry-After"] = str(max(1, math.ceil(refused.retry_after_s)))
    return response


async def login(request: web.Request) -> web.Response:
    console = request.config_dict[CONSOLE]
    form = await request.post()
    username, password = str(form.get("username", ""))[:64], str(form.get("password", ""))
    next_path = safe_next(str(form.get("next", "")))
    expected = cookies.read_token(request, cookies.LOGIN_CSRF)
    given = str(form.get("csrf_token", ""))
    if expected is None or not hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("ascii")):
        return _form(request, console, 403, next_path=next_path, username=username, message_key="form_expired")
    address = request.remote or ""
    began = console.clock()
    refused = console.limiter.begin(username, address, began)
    if refused is not None:
        _log.info("console_login_refused account=%r address=%s limit=%s", username, address, refused.kind)
        return _refused(request, console, refused, username, next_path)
    name = username.strip().lower()
    found = await find_login(console.pool, name) if USERNAME.fullmatch(name) else None
    if found is None:
        good = await asyncio.to_thread(verify_nobody, password)
    else:
        good = await asyncio.to_thread(verify_password, found[1], password)
    if not good or found is None:
        _log.info("console_login_failed account=%r address=%s", username, address)
        return _form(request, console, 401, next_path=next_path, username=username, message_key="wrong_password")
    console.limiter.succeeded(username, address, began)
    return await _start_session(request, console, found[0].id, next_path)


async def _start_session(request: web.Request, console: Console, user_id: int, next_path: str) -> web.Response:
    policy = console.settings.sessions
    now = console.clock()
    old = cookies.read_token(request, cookies.SESSION)
    if old is not None:
        await end_session(console.pool, cookies.token_hash(old))
    await purge_sessions(console.pool, now - policy.max_s, now - policy.idle_s)
    token = cookies.new_token()
    await create_session(console.pool, cookies.token_hash(token), user_id, cookies.new_token(), now,
                         request.remote or "")
    response = web.Response(status=303, headers={"Location": next_path})
    cookies.set_cookie(response, request, cookies.SESSION, token, max_age=policy.max_s, path=PREFIX,
                       secure=console.settings.secure_cookies)
    cookies.drop_cookie(response, cookies.LOGIN_CSRF, f"{PREFIX}/login")
    return response


async def logout_form(request: web.Request) -> web.Response:
    session = visit_of(request).session
    return html_response(logout_page(language(request), session.user, session.csrf_token))


async def logout(request: web.Request) -> web.Response:
    """End the session (the guard has checked its CSRF token) and show the log-in form."""
    console = request.config_dict[CONSOLE]
    await end_session(console.pool, visit_of(request).token_hash)
    response = web.Response(status=303, headers={"Location": f"{PREFIX}/login?bye=1"})
    cookies.drop_cookie(response, cookies.SESSION, PREFIX)
    return response
