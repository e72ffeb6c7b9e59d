"""The reports' routes, each a page and its CSV (``.csv``), for the lines
the user's scope covers:

- ``/console/reports``: the index, with the service days that have data;
- ``/console/reports/accuracy``: prediction accuracy per line and horizon,
  from the live state's running scores (since the service started);
- ``/console/reports/adherence?day=D[&line=R]``: schedule adherence per line,
  and with ``line`` a heat map of its stops by hour per direction;
- ``/console/reports/regularity?day=D``: headway regularity per line direction;
- ``/console/reports/ridership?day=D``: boardings and loads per line from the
  day's stored passenger flow.

``day`` defaults to the service day the service clock is in. Results are
kept between loads (``report_data.ReportBook``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from transit.api.console.app import CONSOLE, depots_of, html_response, language, permit, refuse, visit_of
from transit.api.console.live_view import LiveView, visible_lines
from transit.api.console.report_data import RECENT_DAYS, EventReports, ReportBook
from transit.api.console.report_pages_html import (accuracy_page, adherence_maps, adherence_overview,
                                                   adherence_page, regularity_page, ridership_page)
from transit.api.console.reports_csv import (ACCURACY_HEADER, ADHERENCE_HEADER, REGULARITY_HEADER,
                                             RIDERSHIP_HEADER, accuracy_rows, adherence_rows, csv_response,
                                             regularity_rows, ridership_rows)
from transit.api.console.reports_html import ReportView, index_page
from transit.console.access import Action
from transit.console.line_accuracy import LineHorizon, line_accuracy
from transit.console.regularity import LineRegularity
from transit.console.ridership import LineRidership, line_ridership
from transit.model.line_names import line_order_key
from transit.model.service_days import service_day_of
from transit.store import Pool
from transit.store.flow_reports import list_flow_dates
from transit.store.stop_events import list_event_days

DAYS_LISTED = RECENT_DAYS  # the book's round keeps each of them stored


@dataclass(frozen=True)
class Reports:
    view: LiveView  # the live network, its timetable, the service clock, the running scores
    book: ReportBook

    async def keep_ready(self) -> None:
        """Keep the service day the service clock is in computed, and the
        recent days stored (background work)."""
        await self.book.run(lambda: service_day_of(self.view.clock(), self.view.network.timezone))


REPORTS = web.AppKey("console_reports", Reports)


@dataclass(frozen=True)
class Asked:
    """A report request: who, in which language, for which lines (in line order) and day."""

    view: ReportView
    lines: tuple[str, ...]
    day: date


def _asked(request: web.Request) -> Asked:
    reports = request.config_dict[REPORTS]
    network = reports.view.network
    session = visit_of(request).session
    names = {r: route.short_name or r for r, route in network.routes.items()}
    lines = tuple(sorted(visible_lines(session.user.actor, reports.view, depots_of(request)),
                         key=lambda r: line_order_key(names[r])))
    text = request.query.get("day", "")
    if not text:
        day = service_day_of(reports.view.clock(), network.timezone)
    else:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise refuse(request, "reports_title", "bad_day", back=request.path) from None
    return Asked(ReportView(language(request), session.user, session.csrf_token, names), lines, day)


def _line(request: web.Request, asked: Asked) -> str | None:
    """The line asked for: 404 for no such line, 403 for one out of scope."""
    line = request.query.get("line") or None
    if line is not None and line not in asked.lines:
        if line not in request.config_dict[REPORTS].view.network.routes:
            raise web.HTTPNotFound()
        permit(request, Action.VIEW, depots_of(request).line(line))
    return line


def _notes(asked: Asked, reports: EventReports, timezone: str) -> str:
    computed = datetime.fromtimestamp(reports.computed_at, ZoneInfo(timezone)).strftime("%H:%M:%S")
    text = f'<p class="note" id="computed">{asked.view.t("computed", events=f"{reports.events:,}", time=computed)}'
    if reports.delays.unmatched:
        text += " " + asked.view.t("unmatched", count=f"{reports.delays.unmatched:,}")
    return text + "</p>"


async def index(request: web.Request) -> web.Response:
    asked = _asked(request)
    request.config_dict[REPORTS].book.warm(asked.day)
    pool = request.config_dict[CONSOLE].pool
    return html_response(index_page(asked.view, asked.day, await list_event_days(pool, DAYS_LISTED),
                                    await list_flow_dates(pool, DAYS_LISTED)))


def _accuracy(request: web.Request) -> tuple[Asked, list[LineHorizon]]:
    asked = _asked(request)
    rows = line_accuracy(request.config_dict[REPORTS].view.frame().snapshot.accuracy, frozenset(asked.lines))
    return asked, rows


async def accuracy(request: web.Request) -> web.Response:
    asked, rows = _accuracy(request)
    return html_response(accuracy_page(asked.view, rows, asked.lines))


async def accuracy_csv(request: web.Request) -> web.Response:
    asked, rows = _accuracy(request)
    return csv_response("prediction-accuracy.csv", ACCURACY_HEADER, accuracy_rows(rows, asked.view.names))


async def adherence(request: web.Request) -> web.Response:
    asked = _asked(request)
    line = _line(request, asked)
    reports = request.config_dict[REPORTS]
    found = await reports.book.event_reports(asked.day)
    network = reports.view.network
    shown = {r: found.lines[r] for r in asked.lines if r in found.lines}
    maps = adherence_maps(asked.view, network, found.cells(frozenset({line})), line) if line is not None else []
    overview = adherence_overview(asked.view, asked.day, shown, asked.lines) if shown and line is None else ""
    return html_response(adherence_page(asked.view, asked.day, asked.lines, line, overview, maps,
                                        _notes(asked, found, network.timezone)))


async def adherence_csv(request: web.Request) -> web.Response:
    asked = _asked(request)
    line = _line(request, asked)
    reports = request.config_dict[REPORTS]
    found = await reports.book.event_reports(asked.day)
    cells = found.cells(frozenset({line}) if line is not None else frozenset(asked.lines))
    return csv_response(f"adherence-{asked.day.isoformat()}.csv", ADHERENCE_HEADER,
                        adherence_rows(asked.day, cells, asked.view.names, reports.view.network))


async def _regularity(request: web.Request) -> tuple[Asked, EventReports, list[LineRegularity]]:
    asked = _asked(request)
    found = await request.config_dict[REPORTS].book.event_reports(asked.day)
    order = {r: i for i, r in enumerate(asked.lines)}
    rows = sorted((r for r in found.regularity if r.route_id in order),
                  key=lambda r: (order[r.route_id], r.direction_id))
    return asked, found, rows


async def regularity(request: web.Request) -> web.Response:
    asked, found, rows = await _regularity(request)
    timezone = request.config_dict[REPORTS].view.network.timezone
    return html_response(regularity_page(asked.view, asked.day, rows, _notes(asked, found, timezone)))


async def regularity_csv(request: web.Request) -> web.Response:
    asked, _, rows = await _regularity(request)
    return csv_response(f"regularity-{asked.day.isoformat()}.csv", REGULARITY_HEADER,
                        regularity_rows(asked.day, rows, asked.view.names))


async def _ridership(request: web.Request) -> tuple[Asked, list[LineRidership] | None]:
    asked = _asked(request)
    sums = await request.config_dict[REPORTS].book.flow_sums(asked.day)
    if sums is None:
        return asked, None
    order = {r: i for i, r in enumerate(asked.lines)}
    rows = line_ridership(sums.hours, sums.loads, sums.peaks, frozenset(asked.lines))
    return asked, sorted(rows, key=lambda r: order[r.route_id])


async def ridership(request: web.Request) -> web.Response:
    asked, rows = await _ridership(request)
    return html_response(ridership_page(asked.view, asked.day, rows, request.config_dict[REPORTS].view.network))


async def ridership_csv(request: web.Request) -> web.Response:
    asked, rows = await _ridership(request)
    return csv_response(f"ridership-{asked.day.isoformat()}.csv", RIDERSHIP_HEADER,
                        ridership_rows(asked.day, rows or [], asked.view.names))


def add_report_pages(console: web.Application, pool: Pool, view: LiveView, version_id: int | None = None) -> None:
    """Mount the reports (``Reports.keep_ready`` is their background work);
    ``version_id``: the stored version the view's network is, under which
    computed days are stored (None: kept in memory only)."""
    console[REPORTS] = Reports(view, ReportBook(pool, view.network, time.time, version_id=version_id))
    router = console.router
    router.add_get("/reports", index, name="console.reports")
    for name, page, csv in (("accuracy", accuracy, accuracy_csv), ("adherence", adherence, adherence_csv),
                            ("regularity", regularity, regularity_csv), ("ridership", ridership, ridership_csv)):
        router.add_get(f"/reports/{name}.csv", csv, name=f"console.report_{name}_csv")
        router.add_get(f"/reports/{name}", page, name=f"console.report_{name}")
