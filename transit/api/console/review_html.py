"""The tables of a draft's page, from the rows ``transit.console.review``
makes: KPI deltas, headways by line, direction, day type and period, trips
changed per direction, one direction's trip diff; and how figures are
written (a count, km, hours, a time of day, minutes, a load factor)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any
from urllib.parse import urlencode

from transit.api.console.html import PREFIX
from transit.api.console.texts import TEXTS
from transit.console.marey import clock_text
from transit.console.review import DirectionRow, Headway, HeadwayRow, KpiDelta, Unit


def t(lang: str, key: str, **fields: object) -> str:
    """A text of the console, filled and escaped."""
    text = TEXTS[lang][key]
    return escape(text.format(**fields) if fields else text)


def figure(value: float | None, unit: Unit) -> str:
    if value is None:
        return "—"
    if unit is Unit.CLOCK:
        return clock_text(int(value))
    if unit is Unit.SECONDS:
        return f"{value / 60:.1f}"
    if unit is Unit.RATIO:
        return f"{value:.2f}"
    if unit in (Unit.KM, Unit.HOURS):
        return f"{value:,.1f}"
    return f"{value:,.0f}"


def change(value: float | None, unit: Unit) -> str:
    """A signed change: minutes for first and last bus, else the figure's own unit."""
    if value is None:
        return "—"
    if unit is Unit.CLOCK:
        return "±0" if round(value / 60) == 0 else f"{value / 60:+.0f} min"
    text = figure(abs(value), unit)
    return "±0" if text.strip("0.,") == "" else ("+" if value > 0 else "−") + text


def _cells(values: Sequence[str], tag: str = "td") -> str:
    return "".join(f"<{tag}>{value}</{tag}>" for value in values)


def _table(table_id: str, head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    body = "".join(f"<tr>{_cells(row)}</tr>" for row in rows)
    return (f'<table id="{table_id}" class="figures"><thead><tr>{_cells(head, "th")}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def kpi_table(lang: str, rows: Sequence[KpiDelta]) -> str:
    head = [t(lang, k) for k in ("col_figure", "col_live", "col_draft", "col_delta")]
    return _table("kpis", head, [[t(lang, f"kpi_{r.name}"), figure(r.live, r.unit), figure(r.draft, r.unit),
                                  change(r.delta, r.unit)] for r in rows])


def direction_name(lang: str, direction_id: int) -> str:
    return t(lang, "direction", id=direction_id)


def _gap(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 60:.1f}"


def _headway(side: Headway) -> list[str]:
    return [str(side.departures), _gap(side.mean_s), _gap(side.max_s)]


def headway_table(lang: str, rows: Sequence[HeadwayRow]) -> str:
    """Old against new per line, direction, day type and period (gaps in minutes)."""
    head = [t(lang, k) for k in ("col_line", "col_direction", "col_day_type", "col_period")]
    head += [f'{t(lang, "col_old")} · {t(lang, k)}' for k in ("col_departures", "col_mean", "col_max")]
    head += [f'{t(lang, "col_new")} · {t(lang, k)}' for k in ("col_departures", "col_mean", "col_max")]
    return _table("headways", head, [
        [escape(r.route_id), direction_name(lang, r.direction_id), t(lang, f"day_{r.day_type}"),
         f"{escape(r.period)} {clock_text(r.start_s)}–{clock_text(r.end_s)}", *_headway(r.old), *_headway(r.new)]
        for r in rows])


def direction_link(draft_id: int, route_id: str, direction_id: int) -> str:
    return f"{PREFIX}/drafts/{draft_id}?{urlencode({'pick': f'{route_id}:{direction_id}'})}#chart"


def changes_table(lang: str, draft_id: int, rows: Sequence[DirectionRow]) -> str:
    head = [t(lang, k) for k in ("col_line", "col_direction", "col_unchanged", "col_moved", "col_added",
                                 "col_removed")]
    return _table("changes", head, [
        [f'<a href="{escape(direction_link(draft_id, r.route_id, r.direction_id))}">{escape(r.route_id)}</a>',
         direction_name(lang, r.direction_id), str(r.unchanged), str(r.moved), str(r.added), str(r.removed)]
        for r in rows])


def _time(value: Any) -> str:
    return "—" if value is None else clock_text(int(value))


def trips_table(lang: str, changes: Sequence[Mapping[str, Any]]) -> str:
    """One direction's added, removed and moved trips, by time."""
    if not changes:
        return f'<p id="trips-none">{t(lang, "trips_none")}</p>'
    head = [t(lang, k) for k in ("col_kind", "col_old_trip", "col_old_departure", "col_new_trip",
                                 "col_new_departure", "col_shift")]
    return _table("trips", head, [
        [f'<span class="kind-{escape(c["kind"])}">{t(lang, "kind_" + c["kind"])}</span>',
         escape(c.get("old_trip_id") or "—"), _time(c.get("old_departure_s")), escape(c.get("new_trip_id") or "—"),
         _time(c.get("new_departure_s")), "—" if c.get("shift_s") is None else f'{c["shift_s"] / 60:+.0f} min']
        for c in changes])
