"""The console's general pages: the home page (who is logged in, with which
roles, and the screens this service has), the audit log for admins and its
CSV export, the stylesheet, the live pages' script and the keyboard's."""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib import resources

from aiohttp import web

from transit.api.console.app import CONSOLE, html_response, language, permit, visit_of
from transit.api.console.html import STYLE, audit_page, home_page
from transit.api.console.live import LIVE
from transit.api.console.live_html import LIVE_STYLE
from transit.api.console.reports import REPORTS
from transit.api.console.reports_html import REPORT_STYLE
from transit.api.console.signs import SIGN_DESK
from transit.console.access import Action, Target, decide
from transit.console.audit import CSV_HEADER, csv_cells
from transit.store.audit import iter_audit, list_audit

AUDIT_PAGE = 200  # entries per page of /console/audit

AUDIT_TARGET = Target("audit")


async def home(request: web.Request) -> web.Response:
    session = visit_of(request).session
    can_audit = decide(session.user.actor, Action.VIEW_AUDIT, AUDIT_TARGET).allowed
    mounted = request.config_dict
    screens = [name for name, key in (("live", LIVE), ("alarms", LIVE), ("reports", REPORTS), ("signs", SIGN_DESK))
               if key in mounted]
    return html_response(home_page(language(request), session.user, session.csrf_token, can_audit=can_audit,
                                   screens=screens))


async def audit(request: web.Request) -> web.Response:
    """The newest entries, a page at a time (``?before=ID`` for older ones)."""
    permit(request, Action.VIEW_AUDIT, AUDIT_TARGET)
    console = request.config_dict[CONSOLE]
    text = request.query.get("before", "")
    before = int(text) if text.isdigit() and len(text) < 19 else None
    entries = await list_audit(console.pool, AUDIT_PAGE + 1, before)
    older = entries[AUDIT_PAGE - 1].id if len(entries) > AUDIT_PAGE else None
    session = visit_of(request).session
    return html_response(audit_page(language(request), session.user, session.csrf_token, entries[:AUDIT_PAGE],
                                    console.settings.timezone, older))


async def audit_csv(request: web.Request) -> web.StreamResponse:
    """Every entry, oldest first, as UTF-8 CSV with a byte-order mark (so a
    spreadsheet reads the Chinese right), streamed a page at a time."""
    permit(request, Action.VIEW_AUDIT, AUDIT_TARGET)
    console = request.config_dict[CONSOLE]
    response = web.StreamResponse(headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": 'attachment; filename="audit-log.csv"'})
    await response.prepare(request)
    await response.write("\ufeff".encode() + _csv([list(CSV_HEADER)]))
    async for entries in iter_audit(console.pool):
        await response.write(_csv([csv_cells(entry, console.settings.timezone) for entry in entries]))
    await response.write_eof()
    return response


@cache
def _script(name: str) -> bytes:
    return resources.files("transit.api.console").joinpath(name).read_bytes()


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


async def stylesheet(request: web.Request) -> web.Response:
    return web.Response(text=STYLE + LIVE_STYLE + REPORT_STYLE, content_type="text/css", charset="utf-8",
                        headers={"Cache-Control": "max-age=3600"})


async def script(request: web.Request) -> web.Response:
    """The live pages' script, served from the package (nothing from elsewhere)."""
    return _javascript("console.js")


async def keys_script(request: web.Request) -> web.Response:
    """The keyboard's script, on every page of a logged-in user (with or without the live view)."""
    return _javascript("keys.js")


def _javascript(name: str) -> web.Response:
    return web.Response(body=_script(name), content_type="text/javascript", charset="utf-8",
                        headers={"Cache-Control": "max-age=3600"})
