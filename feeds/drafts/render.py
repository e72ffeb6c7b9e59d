"""Drafts as the terminal shows them: a list with headline figures and their
change against the live version, and one draft in full (KPIs per direction,
trips changed, headways per period, notes)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Group
from rich.table import Table

from transit.model.service_days import format_gtfs_time
from transit.store.drafts import Draft, DraftSummary

# (headline figure, column title, format) in the list.
LIST_FIGURES = (("trips", "trips", "{:,.0f}"), ("peak_vehicles", "peak veh.", "{:,.0f}"),
                ("expected_wait_s", "wait (min)", "{:.1f}"), ("max_load_factor", "max load", "{:.2f}"),
                ("trips_over_capacity", "over cap.", "{:,.0f}"), ("vehicle_hours", "veh. h", "{:,.1f}"))


def drafts_table(summaries: Sequence[DraftSummary]) -> Table:
    table = Table("id", "created", "base", "scenario", "status", *(title for _, title, _ in LIST_FIGURES),
                  title="timetable drafts (figure, change against the live version)")
    for s in summaries:
        figures = s.kpis.get("headline", {})
        table.add_row(str(s.id), s.created_at.strftime("%Y-%m-%d %H:%M"), str(s.base_version_id), s.scenario,
                      s.status.value, *(_with_delta(figures.get(name), fmt, name) for name, _, fmt in LIST_FIGURES))
    return table


def draft_report(draft: Draft) -> Group:
    s, params = draft.summary, draft.params
    blocks = params.get("blocks", {})
    title = (f"draft {s.id} ({s.status.value}): {s.scenario}, from version {s.base_version_id}, "
             f"services {', '.join(params.get('service_ids', []))}; blocks: {blocks.get('note', '?')}")
    parts: list[Any] = [title, headline_table(s.kpis.get("headline", {})), directions_table(s.kpis),
                        _changes_table(draft.diff), _headways_table(draft.diff)]
    if "transfers" in s.kpis:
        parts.append(transfers_table(s.kpis["transfers"]))
    parts += [f"note ({n.get('source', '')}): {n.get('message', '')}" for n in draft.notes]
    return Group(*parts)


def headline_table(figures: Mapping[str, Mapping[str, Any]]) -> Table:
    table = Table("figure", "draft", "live", "change", title="the rebuilt day")
    for name, values in figures.items():
        label = "expected wait (min)" if name == "expected_wait_s" else name.replace("_", " ")
        fmt = "{:,}" if isinstance(values.get("draft"), int) else "{:,.2f}"
        table.add_row(label, *(_number(values.get(k), fmt, name) for k in ("draft", "live", "delta")))
    return table


def transfers_table(transfers: Mapping[str, Any]) -> Table:
    """Transfer waits per hub, before and after the hub timing (stored KPIs)."""
    table = Table("hub", "stops", "transfers/day", "wait before (min)", "wait after (min)",
                  "at the cap before / after", title=f"transfers at hubs: {transfers.get('measured_by', '')}, "
                  f"demand from {transfers.get('demand', '?')}")
    for row in transfers.get("hubs", []):
        table.add_row(row["hub"], " ".join(row["stops"]), f"{row['riders']:,.0f}",
                      *(_number(None if row[k] is None else row[k] / 60, "{:.2f}", k)
                        for k in ("wait_before_s", "wait_after_s")),
                      f"{row['capped_before']:,.0f} / {row['capped_after']:,.0f}")
    return table


def directions_table(kpis: Mapping[str, Any]) -> Table:
    table = Table("line", "dir", "trips", "first", "last", "peak veh.", "wait (min)", "max load", "p95 load",
                  "over cap.", title="rebuilt directions: draft / live")
    live = {(d["route_id"], d["direction_id"]): d for d in kpis.get("live", {}).get("directions", [])}
    for row in kpis.get("draft", {}).get("directions", []):
        old = live.get((row["route_id"], row["direction_id"]))  # None: a line the live version lacks
        table.add_row(row["route_id"], str(row["direction_id"]), *(
            f"{_direction_figure(row, f)} / {_direction_figure(old, f) if old else '-'}"
            for f in ("trips", "first_departure_s", "last_departure_s", "peak_vehicles", "expected_wait_s",
                      "max_load_factor", "p95_load_factor", "trips_over_capacity")))
    return table


def _direction_figure(row: Mapping[str, Any], name: str) -> str:
    value = row["supply"].get(name) if name in row["supply"] else (row.get("crowding") or {}).get(name)
    if value is None:
        return "-"
    if name.endswith("departure_s"):
        return format_gtfs_time(value)[:5]
    return _number(value, "{:.2f}" if isinstance(value, float) else "{:,}", name)


def _changes_table(diff: Mapping[str, Any]) -> Table:
    counts = diff.get("counts", {})
    table = Table("line", "dir", "unchanged", "moved", "added", "removed",
                  title=f"trips against the live version, matched by departure within "
                        f"{diff.get('tolerance_s', 0) // 60} min: {counts.get('added', 0)} added, "
                        f"{counts.get('removed', 0)} removed, {counts.get('moved', 0)} moved")
    for d in diff.get("directions", []):
        table.add_row(d["route_id"], str(d["direction_id"]),
                      *(str(d[k]) for k in ("unchanged", "moved", "added", "removed")))
    return table


def _headways_table(diff: Mapping[str, Any]) -> Table:
    table = Table("line", "dir", "period", "from", "to", "departures", "mean headway (min)", "longest (min)",
                  title="headways by period: live -> draft")
    for h in diff.get("headways", []):
        old, new = h["old"], h["new"]
        table.add_row(h["route_id"], str(h["direction_id"]), h["period"], format_gtfs_time(h["start_s"])[:5],
                      format_gtfs_time(h["end_s"])[:5], f"{old['departures']} -> {new['departures']}",
                      f"{_minutes(old['mean_s'])} -> {_minutes(new['mean_s'])}",
                      f"{_minutes(old['max_s'])} -> {_minutes(new['max_s'])}")
    return table


def _with_delta(values: Mapping[str, Any] | None, fmt: str, name: str) -> str:
    if not values or values.get("draft") is None:
        return "-"
    text = _number(values["draft"], fmt, name)
    delta = values.get("delta")
    return text if delta is None else f"{text} ({'+' if delta >= 0 else ''}{_number(delta, fmt, name)})"


def _number(value: Any, fmt: str, name: str) -> str:
    if value is None:
        return "-"
    return fmt.format(value / 60.0 if name == "expected_wait_s" else value)


def _minutes(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60.0:.1f}"
