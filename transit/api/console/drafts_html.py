"""The approval pages: the list of drafts, one draft (facts, the acts its
state allows, KPI deltas, headways, trips changed, the Marey chart and the
trip diff of one line direction, its history), and a refusal. Every text
from the store or the URL is escaped; the forms carry the CSRF token."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from transit.api.console.html import PREFIX, csrf_field, page
from transit.api.console.review_html import (changes_table, change, direction_name, headway_table, kpi_table, t,
                                             trips_table)
from transit.api.console.texts import TEXTS, role_name
from transit.console.access import Refusal, Role
from transit.console.approval import DraftAct, LiveState, Verdict
from transit.console.audit import AuditEntry, json_text
from transit.console.review import DirectionRow, HeadwayRow, KpiDelta, Unit, headline_changes
from transit.console.users import User
from transit.store.approvals import Approval
from transit.store.drafts import Draft, DraftSummary

# The headline figures of the list, with their units.
LIST_FIGURES = (("trips", Unit.COUNT), ("peak_vehicles", Unit.COUNT), ("expected_wait_s", Unit.SECONDS),
                ("max_load_factor", Unit.RATIO), ("trips_over_capacity", Unit.COUNT))


@dataclass(frozen=True)
class Viewer:
    lang: str
    user: User
    csrf_token: str
    timezone: str

    def when(self, at: float | datetime) -> str:
        instant = at if isinstance(at, datetime) else datetime.fromtimestamp(at, ZoneInfo(self.timezone))
        return instant.astimezone(ZoneInfo(self.timezone)).strftime("%Y-%m-%d %H:%M")

    def page(self, title: str, body: str, path: str) -> str:
        return page(self.lang, title, body, path=path, user=self.user, csrf_token=self.csrf_token)


@dataclass(frozen=True)
class Chart:
    """The chosen line direction: its Marey chart and trip diff."""

    route_id: str
    direction_id: int
    choices: Sequence[tuple[str, int]]
    window: tuple[str, str]  # as typed, or empty
    bad_window: bool
    svg: str | None  # None: neither side runs the direction
    off_axis: int
    trips: Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class DraftView:
    draft: Draft
    live: LiveState
    applies: Verdict
    offered: Mapping[DraftAct, Verdict]
    approval: Approval | None
    kpis: Sequence[KpiDelta]
    headways: Sequence[HeadwayRow]
    changes: Sequence[DirectionRow]
    chart: Chart | None
    history: Sequence[AuditEntry]
    today: date
    done: str


def status_badge(lang: str, status: str, ident: str = "") -> str:
    named = f' id="{ident}"' if ident else ""
    return f'<span class="status status-{escape(status)}"{named}>{t(lang, "status_" + status)}</span>'


def refusal_text(lang: str, verdict: Verdict) -> str:
    """Why an act is refused, in words (unescaped: callers escape)."""
    texts = TEXTS[lang]
    if isinstance(verdict.refusal, Refusal):
        return texts[f"refused_{verdict.refusal}"]
    detail = dict(verdict.detail)
    if "status" in detail:
        detail["status"] = texts[f"status_{detail['status']}"]
    if "act" in detail:
        detail["act"] = texts[f"act_{detail['act']}"]
    return texts[f"hold_{verdict.refusal}"].format(**detail)


def live_line(viewer: Viewer, live: LiveState) -> str:
    lang = viewer.lang
    text = t(lang, "live_now", id=live.version_id) if live.version_id is not None else t(lang, "live_none")
    if live.pending_version_id is not None:
        text += " " + t(lang, "pending_note", pending=live.pending_version_id, pending_from=live.pending_from)
    return f'<p id="live-version" data-version="{live.version_id or ""}">{text} · ' \
           f'<a href="{PREFIX}/versions">{t(lang, "versions_title")}</a></p>'


def drafts_page(viewer: Viewer, drafts: Sequence[DraftSummary], live: LiveState) -> str:
    lang = viewer.lang
    head = [t(lang, k) for k in ("col_id", "col_status", "col_scenario", "col_author", "col_created", "col_base")]
    head += [f'{t(lang, "kpi_" + name)} {t(lang, "col_delta")}' for name, _ in LIST_FIGURES]
    rows = []
    for d in drafts:
        units = dict(LIST_FIGURES)
        deltas = [change(delta, units[name]) for name, delta in headline_changes(d.kpis.get("headline", {}),
                                                                                  [n for n, _ in LIST_FIGURES])]
        cells = [f'<a href="{PREFIX}/drafts/{d.id}">#{d.id}</a>', status_badge(lang, d.status.value),
                 escape(d.scenario), escape(d.created_by or "—"), viewer.when(d.created_at), str(d.base_version_id),
                 *deltas]
        rows.append(f'<tr data-draft="{d.id}">' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    table = (f'<table id="drafts" class="figures" data-keys-list><thead><tr>{"".join(f"<th>{h}</th>" for h in head)}</tr></thead>'
             f'<tbody>{"".join(rows)}</tbody></table>' if drafts else f'<p>{t(lang, "no_drafts")}</p>')
    body = f'<h1>{t(lang, "drafts_title")}</h1><div class="card">{live_line(viewer, live)}</div>{table}'
    return viewer.page(TEXTS[lang]["drafts_title"], body, f"{PREFIX}/drafts")


def _facts(viewer: Viewer, view: DraftView) -> str:
    lang, s = viewer.lang, view.draft.summary
    rows = [("col_status", status_badge(lang, s.status.value, "status")), ("col_scenario", escape(s.scenario)),
            ("col_author", escape(s.created_by or "—")), ("col_created", viewer.when(s.created_at)),
            ("col_base", str(s.base_version_id)),
            ("col_compared", str(view.draft.params.get("live_version_id", s.base_version_id)))]
    facts = "".join(f"<tr><th>{t(lang, key)}</th><td>{value}</td></tr>" for key, value in rows)
    notes = [live_line(viewer, view.live)]
    if s.status.value in ("draft", "validated", "approved"):
        applies = (t(lang, "applies", live=view.live.version_id) if view.applies.allowed
                   else escape(refusal_text(lang, view.applies)))
        notes.append(f'<p id="applies" class="message{"" if view.applies.allowed else " error"}">{applies}</p>')
    if view.approval is not None:
        a = view.approval
        role = role_name(lang, Role(a.role)) if a.role in set(Role) else a.role
        frozen = t(lang, "frozen", who=a.approved_by, role=role, at=viewer.when(a.approved_at))
        notes.append(f'<p id="frozen" class="message">{frozen}</p>')
    if s.published_version_id is not None:
        notes.append(f'<p id="published-as">{t(lang, "published_as", id=s.published_version_id)}</p>')
    return f'<div class="card"><table class="facts">{facts}</table>{"".join(notes)}</div>'


def _act_form(viewer: Viewer, draft_id: int, act: DraftAct, verdict: Verdict, today: date) -> str:
    lang = viewer.lang
    name = t(lang, f"act_{act.value}")
    if not verdict.allowed:
        return f'<p class="refused" data-act="{act.value}">{name}: {escape(refusal_text(lang, verdict))}</p>'
    fields = ""
    if act is DraftAct.PUBLISH:
        fields += (f'<label for="service_date">{t(lang, "service_date")}</label>'
                   f'<input type="date" id="service_date" name="service_date" value="{today.isoformat()}" required>')
    required = act is DraftAct.REJECT
    fields += (f'<label for="reason-{act.value}">{t(lang, "reason_required" if required else "reason")}</label>'
               f'<textarea id="reason-{act.value}" name="reason" maxlength="1000" rows="2"'
               f'{" required" if required else ""}></textarea>')
    return (f'<form method="post" class="act" action="{PREFIX}/drafts/{draft_id}/{act.value}">'
            f'{csrf_field(viewer.csrf_token)}{fields}<p><button type="submit" id="act-{act.value}">{name}</button>'
            f"</p></form>")


def _chart(viewer: Viewer, view: DraftView) -> str:
    lang, chart, draft_id = viewer.lang, view.chart, view.draft.summary.id
    if chart is None:
        return ""
    options = "".join(
        f'<option value="{escape(r)}:{d}"{" selected" if (r, d) == (chart.route_id, chart.direction_id) else ""}>'
        f"{escape(r)} {direction_name(lang, d)}</option>" for r, d in chart.choices)
    picker = (f'<form method="get" class="picker" action="{PREFIX}/drafts/{draft_id}#chart">'
              f'<label for="line">{t(lang, "choose_line")}</label><select id="line" name="pick">{options}</select>'
              f'<label for="from">{t(lang, "window_from")}</label><input type="text" id="from" name="from" '
              f'value="{escape(chart.window[0])}" size="6"><label for="to">{t(lang, "window_to")}</label>'
              f'<input type="text" id="to" name="to" value="{escape(chart.window[1])}" size="6">'
              f'<button type="submit">{t(lang, "show")}</button></form>')
    notes = f'<p class="message error">{t(lang, "bad_window")}</p>' if chart.bad_window else ""
    if chart.off_axis:
        notes += f'<p class="message">{t(lang, "marey_off_axis", n=chart.off_axis)}</p>'
    line = escape(chart.route_id)
    direction = TEXTS[lang]["direction"].format(id=chart.direction_id)
    figure = chart.svg if chart.svg is not None else f'<p>{t(lang, "marey_none")}</p>'
    return (f'<h2 id="chart">{t(lang, "marey_title", line=chart.route_id, direction=direction)}</h2>'
            f'{picker}{notes}<div class="card marey-box">{figure}</div>'
            f'<h2>{t(lang, "trips_title", line=chart.route_id, direction=direction)}</h2>'
            f'<div id="trip-diff" data-line="{line}" data-direction="{chart.direction_id}">'
            f"{trips_table(lang, chart.trips)}</div>")


def _history(viewer: Viewer, entries: Sequence[AuditEntry]) -> str:
    lang = viewer.lang
    head = "".join(f"<th>{t(lang, k)}</th>" for k in ("col_at", "col_by", "col_action", "col_reason"))
    rows = "".join(f"<tr><td>{viewer.when(e.at)}</td><td>{escape(e.actor)} ({escape(e.role)})</td>"
                   f'<td>{escape(e.action)} <span class="json">{escape(json_text(e.after))}</span></td>'
                   f"<td>{escape(e.reason)}</td></tr>" for e in entries)
    return (f'<h2>{t(lang, "history_title")}</h2><table id="history" class="figures"><thead><tr>{head}</tr>'
            f"</thead><tbody>{rows}</tbody></table>")


def draft_page(viewer: Viewer, view: DraftView) -> str:
    lang, draft_id = viewer.lang, view.draft.summary.id
    done = f'<p class="message" role="status" id="done">{t(lang, "done_" + view.done)}</p>' if view.done else ""
    forms = "".join(_act_form(viewer, draft_id, act, verdict, view.today) for act, verdict in view.offered.items())
    actions = (f'<div class="card" id="actions"><h2>{t(lang, "actions_title")}</h2>'
               f'{forms or "<p>" + t(lang, "no_acts") + "</p>"}</div>')
    body = (f'<p><a href="{PREFIX}/drafts">{t(lang, "drafts_title")}</a></p>'
            f'<h1>{t(lang, "draft_title", id=draft_id)}</h1>{done}{_facts(viewer, view)}{actions}'
            f'<h2>{t(lang, "kpis_title")}</h2>{kpi_table(lang, view.kpis)}'
            f'<h2>{t(lang, "changes_title")}</h2>{changes_table(lang, draft_id, view.changes)}'
            f"{_chart(viewer, view)}"
            f'<h2>{t(lang, "headways_title")}</h2>{headway_table(lang, view.headways)}'
            f"{_history(viewer, view.history)}")
    return viewer.page(TEXTS[lang]["draft_title"].format(id=draft_id), body, f"{PREFIX}/drafts/{draft_id}")


def refused_page(viewer: Viewer, message: str, back: str) -> str:
    """An act not done, why, and the way back (``message`` unescaped)."""
    lang = viewer.lang
    body = (f'<h1>{t(lang, "refused_title")}</h1><div class="card"><p class="message error" role="alert">'
            f'{escape(message)}</p><p><a href="{escape(back)}">{t(lang, "back")}</a></p></div>')
    return viewer.page(TEXTS[lang]["refused_title"], body, back)
