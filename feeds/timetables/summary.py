"""What ``transit optimize`` prints: per direction how it was timed and what
bound it, the refusals with their reasons, the rebuilt day against the live one."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group
from rich.table import Table

from feeds.drafts.render import directions_table, headline_table, transfers_table
from feeds.timetables.hub_run import HubReport, hub_kpis
from feeds.timetables.rebuild_run import OptimizeResult
from optimizer.timetable.kpis import Crowding
from optimizer.timetable.line_study import LineReport
from optimizer.timetable.short_turns import ShortTurnReport


def optimize_summary(result: OptimizeResult, draft_id: int | None, seconds: float, study: str | None = None) -> Group:
    rebuilt = result.rebuilt
    what = f"study {study!r}" if study else f"scenario {result.draft.scenario}"
    stored = (f"stored as draft {draft_id} (`transit drafts show {draft_id}` shows it again)"
              if draft_id is not None else "not stored (--save stores it as a draft)")
    parts: list[object] = [
        f"{what}: {len(rebuilt.directions)} directions rebuilt, {len(rebuilt.refused)} refused; "
        f"engine {result.engine_s:.1f} s, whole run {seconds:.1f} s; {stored}. "
        f"Fleet shared: {sum(result.vehicles.values())} vehicles.",
        _timing_table(result), *([lines_table(result.lines)] if result.lines else []),
        headline_table(result.draft.kpis.get("headline", {})),
        directions_table(result.draft.kpis),
    ]
    if result.hubs is not None:
        parts += hub_parts(result.hubs)
    if result.short_turns:
        parts += [short_turns_table(result.short_turns),
                  "the rebuilt day above counts full trips only (the draft's GTFS and blocks hold the short "
                  "ones too); short turns: the optimizer's estimate, riders boarding on the stretch taking any "
                  "trip there"]
        parts += [f"short turn: line {r.route_id} direction {r.direction_id}, {reason}"
                  for r in result.short_turns for reason in r.reasons]
    for refusal in rebuilt.refused:
        parts += [f"[red]line {refusal.route_id} direction {refusal.direction_id} kept as it was:[/red] {b.message}"
                  for b in refusal.bindings]
    parts += [f"[yellow]capacity:[/yellow] {b.message}" for b in result.capacity]
    parts += [f"note: {note}" for note in result.notes]
    parts.append(f"blocks: {result.draft.blocks.note}")
    return Group(*parts)


def short_turns_table(reports: Sequence[ShortTurnReport]) -> Table:
    """Per direction with short turns: trips, vehicle hours, waits and loads on the stretch
    and outside it, live -> draft."""
    table = Table("line", "dir", "periods", "stretch", "trips full + short", "veh. h", "wait stretch (min)",
                  "wait outside (min)", "max load stretch", "max load outside",
                  title="short turns (live -> draft, the optimizer's estimate)")
    for r in reports:
        table.add_row(r.route_id, str(r.direction_id), ", ".join(r.periods), f"{r.first_stop}-{r.last_stop}",
                      f"{r.full_trips} + {r.short_trips}", f"{r.live.vehicle_hours:.1f} -> {r.draft.vehicle_hours:.1f}",
                      _minutes(r.live.stretch, r.draft.stretch), _minutes(r.live.outside, r.draft.outside),
                      f"{r.live.stretch.max_load_factor:.2f} -> {r.draft.stretch.max_load_factor:.2f}",
                      f"{r.live.outside.max_load_factor:.2f} -> {r.draft.outside.max_load_factor:.2f}")
    return table


def _minutes(live: Crowding, draft: Crowding) -> str:
    a, b = live.expected_wait_s, draft.expected_wait_s
    return f"{'-' if a is None else f'{a / 60:.2f}'} -> {'-' if b is None else f'{b / 60:.2f}'}"


def _timing_table(result: OptimizeResult) -> Table:
    table = Table("line", "dir", "method", "trips", "timed by", "status", "gap", "fleet", "what bound it",
                  title="how each direction was timed")
    for r in result.rebuilt.directions:
        t, key = r.timetable, r.key
        plan = result.rebuilt.plans[key]
        gap = "-" if t.gap is None else f"{t.gap:.1%}"
        bound = "; ".join(b.message for b in t.bindings if b.constraint != "no_demand") or "-"
        table.add_row(t.route_id, str(t.direction_id), plan.method.value, str(len(t.departures_s)),
                      t.construction, t.status.value, gap, str(result.vehicles.get(t.route_id, "-")), bound)
    return table


def lines_table(reports: Sequence[LineReport]) -> Table:
    """Per line direction changed or added: km, stops, riders a day and trip time, before -> after."""
    table = Table("line", "dir", "stops", "added", "removed", "km", "straight legs", "trip min (mean)",
                  "riders/day", "moved", "lost", "gained", title="what the line changes did (before -> after)")
    for r in reports:
        table.add_row(r.route_id, str(r.direction_id), f"{r.stops_before} -> {r.stops_after}",
                      _few(r.added), _few(r.removed), f"{r.km_before:.2f} -> {r.km_after:.2f} ({r.km_after - r.km_before:+.2f})",
                      str(r.straight_legs), f"{r.trip_min_before:.1f} -> {r.trip_min_after:.1f}",
                      f"{r.riders_before:,.0f} -> {r.riders_after:,.0f}", f"{r.moved:,.0f}", f"{r.lost:,.0f}",
                      f"{r.gained:,.0f}")
    return table


def _few(stops: Sequence[str]) -> str:
    return ", ".join(stops) if len(stops) <= 4 else f"{', '.join(stops[:3])} ... ({len(stops)})"


def hub_parts(report: HubReport) -> list[object]:
    """The hubs' transfer waits before and after, and what bound the hub model."""
    timing = report.timing
    status = "nothing to time" if timing.status is None else timing.status.value
    parts: list[object] = [
        transfers_table(hub_kpis(report)),
        f"hub step ({report.seconds:.1f} s of its {report.budget_s:g} s budget): {status}, {timing.moved} "
        f"departures moved; transfer waits {timing.wait_change_min:+.1f} passenger-min, the lines' own cost "
        f"{sum(timing.cost_change.values()):+.1f} (passenger-minute equivalents)"]
    parts += [f"hub note: {note}" for note in report.demand.notes]
    parts += [f"hub bound by {b.constraint}: {b.message}" for b in timing.bindings]
    return parts
