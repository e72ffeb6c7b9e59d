"""The dispatcher console (issue 14), mounted under ``/console``: log-in and
log-out, the home page, the audit log. Later screens add their routes to the
sub-application ``add_console`` returns, behind the same guard
(``transit.api.console.app``)."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from transit.api.console import auth, pages
from transit.api.console.app import CONSOLE, Console, ConsoleSettings, security_headers, guard
from transit.api.console.html import PREFIX
from transit.console.limiter import LoginLimiter
from transit.store import Pool

__all__ = ["ConsoleSettings", "add_console"]


def add_console(app: web.Application, pool: Pool, settings: ConsoleSettings,
                clock: Callable[[], float]) -> web.Application:
    """Mount the console on ``app``; ``clock`` is the wall clock (sessions, audit times)."""
    console = web.Application(middlewares=[guard])
    console[CONSOLE] = Console(pool, settings, clock, LoginLimiter(settings.logins))
    console.on_response_prepare.append(security_headers)
    console.router.add_get("/login", auth.login_form, name="console.login_form")
    console.router.add_post("/login", auth.login, name="console.login")
    console.router.add_get("/logout", auth.logout_form, name="console.logout_form")
    console.router.add_post("/logout", auth.logout, name="console.logout")
    console.router.add_get("/", pages.home, name="console.home")
    console.router.add_get("/audit", pages.audit, name="console.audit")
    console.router.add_get("/audit.csv", pages.audit_csv, name="console.audit_csv")
    console.router.add_get("/console.css", pages.stylesheet, name="console.css")
    app.router.add_get(PREFIX, _to_home)
    app.add_subapp(PREFIX, console)
    return console


async def _to_home(request: web.Request) -> web.Response:
    return web.Response(status=308, headers={"Location": f"{PREFIX}/"})
