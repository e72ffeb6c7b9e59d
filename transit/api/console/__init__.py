"""The dispatcher console (issue 14), mounted under ``/console``: log-in and
log-out, the home page, the audit log, timetable approval, and with the live state
the live view (map, line ladders, headways), the alarms, the reports and (when
the service has signs) the signs' health and messages. Later screens add their routes
to the sub-application ``add_console`` returns, behind the same guard
(``transit.api.console.app``)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from aiohttp import web

from transit.api.console import alarm_pages, auth, draft_acts, drafts, live, pages, reports, signs
from transit.api.console.alarm_watch import AlarmWatch
from transit.api.console.app import CONSOLE, CONSOLE_APP, Console, ConsoleSettings, security_headers, guard
from transit.api.console.html import PREFIX
from transit.api.console.live_view import LiveView, SignSources
from transit.api.console.networks import NetworkCache
from transit.api.console.socket import ConsoleSocket
from transit.console.limiter import LoginLimiter
from transit.model.network import Network
from transit.store import Pool

__all__ = ["ConsoleSettings", "LiveView", "SignSources", "Work", "add_console", "list_console_work"]

# Background work: a name and the coroutine function to run beside the application.
Work = tuple[str, Callable[[], Coroutine[Any, Any, None]]]


def add_console(app: web.Application, pool: Pool, settings: ConsoleSettings,
                clock: Callable[[], float], view: LiveView | None = None,
                live_version: tuple[int, Network] | None = None) -> web.Application:
    """Mount the console on ``app``; ``clock`` is the wall clock (sessions,
    audit times). With ``view`` (the live state, on the service's own clock),
    the live view and the alarms too: their background work is
    ``list_console_work`` of the returned sub-application. ``live_version``:
    the stored version the service runs and its network, so the approval
    pages need not build it again."""
    console = web.Application(middlewares=[guard])
    networks = NetworkCache()
    if live_version is not None:
        networks.put(("version", live_version[0]), live_version[1])
    console[CONSOLE] = Console(pool, settings, clock, LoginLimiter(settings.logins), networks)
    console.on_response_prepare.append(security_headers)
    console.router.add_get("/login", auth.login_form, name="console.login_form")
    console.router.add_post("/login", auth.login, name="console.login")
    console.router.add_get("/logout", auth.logout_form, name="console.logout_form")
    console.router.add_post("/logout", auth.logout, name="console.logout")
    console.router.add_get("/", pages.home, name="console.home")
    console.router.add_get("/audit", pages.audit, name="console.audit")
    console.router.add_get("/audit.csv", pages.audit_csv, name="console.audit_csv")
    console.router.add_get("/console.css", pages.stylesheet, name="console.css")
    console.router.add_get("/keys.js", pages.keys_script, name="console.keys_js")
    console.router.add_get("/drafts", drafts.list_page, name="console.drafts")
    console.router.add_get("/drafts/{draft_id}", drafts.draft_detail, name="console.draft")
    console.router.add_post(f"/drafts/{{draft_id}}/{{act:{draft_acts.ACTS}}}", draft_acts.draft_act,
                            name="console.draft_act")
    console.router.add_get("/versions", drafts.versions, name="console.versions")
    console.router.add_post("/versions/{version_id}/roll-back", draft_acts.roll_back_version,
                            name="console.roll_back")
    console.on_startup.append(drafts.warm_awaiting)
    console.on_cleanup.append(_close_networks)
    if view is not None:
        _add_live(console, pool, settings, view, None if live_version is None else live_version[0])
    app.router.add_get(PREFIX, _to_home)
    app.add_subapp(PREFIX, console)
    app[CONSOLE_APP] = console
    return console


async def _close_networks(console: web.Application) -> None:
    await console[CONSOLE].networks.close()


def _add_live(console: web.Application, pool: Pool, settings: ConsoleSettings, view: LiveView,
              version_id: int | None) -> None:
    watch = AlarmWatch(pool, view, settings.alarm_rules, every_s=settings.alarm_every_s,
                       clear_after_s=settings.alarm_clear_after_s)
    socket = ConsoleSocket(view, watch, settings.line_depots, every_s=settings.push_every_s)
    console[live.LIVE] = live.LiveConsole(view, watch, socket)
    console.on_shutdown.append(socket.close_all)
    router = console.router
    router.add_get("/console.js", pages.script, name="console.js")
    router.add_get("/live", live.live_map, name="console.live")
    router.add_get("/live.json", live.live_json, name="console.live_json")
    router.add_get("/lines/{route_id}.json", live.ladder_json, name="console.ladder_json")
    router.add_get("/lines/{route_id}", live.ladder, name="console.ladder")
    router.add_post("/lines/{route_id}/thresholds", live.change_thresholds, name="console.thresholds")
    router.add_get("/alarms", alarm_pages.alarms, name="console.alarms")
    router.add_get("/alarms.json", alarm_pages.alarms_json, name="console.alarms_json")
    router.add_post("/alarms/{alarm_id}/ack", alarm_pages.acknowledge, name="console.acknowledge")
    router.add_get("/socket", socket.handle, name="console.socket")
    reports.add_report_pages(console, pool, view, version_id)
    signs.add_sign_pages(console, view, settings.line_depots)


def list_console_work(console: web.Application) -> list[Work]:
    """What must run beside a console with the live view: the alarm watch,
    the socket's rounds and the reports' round keeping today ready."""
    if live.LIVE not in console:
        return []
    mounted = console[live.LIVE]
    return [("console_alarms", mounted.watch.run), ("console_socket", mounted.socket.run),
            ("console_reports", console[reports.REPORTS].keep_ready)]


async def _to_home(request: web.Request) -> web.Response:
    return web.Response(status=308, headers={"Location": f"{PREFIX}/"})
