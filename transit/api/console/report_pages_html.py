"""The four reports' pages: prediction accuracy (a heat map of lines by
horizon and its table), schedule adherence (early / on time / late per line,
and a heat map of stops by hour per line direction), headway regularity
(bunched / within ±50% / gapped per line direction) and ridership
(boardings per line, a heat map of lines by hour, loads and peak-load
points). Charts are drawn by ``transit.console.charts``; tables escape
every text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from transit.api.console.live_payloads import duration_text
from transit.api.console.reports_html import ReportView, chart_box, picker, report_url, share, table
from transit.console.adherence import DelayCell, DelayCount
from transit.console.charts import (DELAY_SCALE, Bar, BarChart, ColourScale, HeatCell, HeatMap, bar_chart_svg,
                                    heat_map_svg, hour_columns, hour_label)
from transit.console.ladder import list_rails
from transit.console.line_accuracy import ALL_LINES, HORIZONS, LineHorizon
from transit.console.regularity import LineRegularity
from transit.console.ridership import LineRidership
from transit.model.network import Network

# Stacked parts of an adherence or regularity bar: early / on time / late (bunched / within / gapped).
THREE_PARTS = ("#2563eb", "#16a34a", "#ea580c")
MAE_SCALE = ColourScale(((0.0, "#16a34a"), (60.0, "#a3e635"), (120.0, "#facc15"), (240.0, "#ea580c"),
                         (480.0, "#7f1d1d")))
RIDERS_SCALE = ColourScale(((0.0, "#f0fdf4"), (1.0, "#bbf7d0"), (100.0, "#16a34a"), (400.0, "#064e3b")))


def _message(text: str) -> str:
    return f'<p class="message">{text}</p>'


def accuracy_page(v: ReportView, rows: Sequence[LineHorizon], lines: Sequence[str]) -> str:
    """``lines``: the user's lines in order (the pooled row last)."""
    if not rows:
        return v.page("accuracy", _message(v.t("no_accuracy")))
    order = {r: i for i, r in enumerate([*lines, ALL_LINES])}
    rows = sorted((r for r in rows if r.route_id in order),
                  key=lambda r: (order[r.route_id], HORIZONS.index(r.horizon)))
    shown = [r for r in order if any(row.route_id == r for row in rows)]

    def name(route_id: str) -> str:
        return v.words("pooled_lines") if route_id == ALL_LINES else v.line(route_id)

    cells = tuple(HeatCell(shown.index(r.route_id), HORIZONS.index(r.horizon), r.mae_s,
                           f"{name(r.route_id)} {r.horizon}: {duration_text(r.mae_s)} (n={r.scored})") for r in rows)
    chart = HeatMap(v.words("accuracy_chart"), tuple(name(r) for r in shown), HORIZONS, cells, MAE_SCALE,
                    ((30.0, "0:30"), (120.0, "2:00"), (240.0, "4:00"), (480.0, "8:00")))
    heads = (("col_line", False), ("col_horizon", False), ("col_scored", True), ("col_mae", True), ("col_bias", True),
             ("col_within", True), ("col_timetable_mae", True))
    body = table(v, "accuracy", heads, (
        [escape(name(r.route_id)), escape(r.horizon), str(r.scored), duration_text(r.mae_s), duration_text(r.bias_s),
         share(r.within_band), "—" if r.timetable_mae_s is None else duration_text(r.timetable_mae_s)] for r in rows))
    csv = f'<p><a href="{escape(report_url("accuracy", csv=True))}" id="csv" download>{v.t("download_csv")}</a></p>'
    return v.page("accuracy", f'<p>{v.t("report_accuracy_about")}</p>{csv}'
                  + chart_box(heat_map_svg(chart, cell_w=64.0), "accuracy-chart") + body)


def _count_cells(v: ReportView, count: DelayCount) -> list[str]:
    return [str(count.calls), share(count.early / count.calls), share(count.on_time_share),
            share(count.late / count.calls), duration_text(count.median_s), duration_text(count.p90_s)]


def adherence_overview(v: ReportView, day: date, counts: dict[str, DelayCount], lines: Sequence[str]) -> str:
    shown = [r for r in lines if r in counts]
    bars = tuple(Bar(v.line(r), (counts[r].early / counts[r].calls, counts[r].on_time_share,
                                 counts[r].late / counts[r].calls), share(counts[r].on_time_share)) for r in shown)
    chart = bar_chart_svg(BarChart(v.words("adherence_chart"), bars, THREE_PARTS,
                                   (v.words("col_early"), v.words("col_on_time"), v.words("col_late")), 1.0))
    heads = (("col_line", False), ("col_calls", True), ("col_early", True), ("col_on_time_share", True),
             ("col_late", True), ("col_median_delay", True), ("col_p90_delay", True))
    rows = ([f'<a href="{escape(report_url("adherence", day=day.isoformat(), line=r))}">{escape(v.line(r))}</a>',
             *_count_cells(v, counts[r])] for r in shown)
    return chart_box(chart, "adherence-chart") + table(v, "adherence", heads, rows)


def adherence_maps(v: ReportView, network: Network, cells: Sequence[DelayCell], route_id: str) -> list[str]:
    """A heat map per direction of the line: its stops down (the main
    pattern's order, others after), hours across, the median delay's colour."""
    legend = ((-120.0, v.words("legend_early")), (0.0, v.words("legend_on_time")), (300.0, v.words("legend_late5")),
              (600.0, v.words("legend_late10")), (1200.0, v.words("legend_late20")))
    rails = {rail.direction_id: rail.stop_ids for rail in list_rails(network, route_id)}
    maps = []
    for direction in sorted({c.direction_id for c in cells if c.route_id == route_id}):
        mine = [c for c in cells if c.route_id == route_id and c.direction_id == direction]
        rail = rails.get(direction, ())
        stops = list(dict.fromkeys([s for s in rail if any(c.stop_id == s for c in mine)]
                                   + sorted({c.stop_id for c in mine} - set(rail))))
        hours = hour_columns([c.hour for c in mine])

        def stop_name(stop_id: str) -> str:
            return network.stops[stop_id].name if stop_id in network.stops else stop_id

        heat = tuple(HeatCell(stops.index(c.stop_id), c.hour - hours[0], c.count.median_s, v.words(
            "adherence_cell", stop=stop_name(c.stop_id), hour=hour_label(c.hour), calls=c.count.calls,
            median=duration_text(c.count.median_s), share=share(c.count.on_time_share))) for c in mine)
        chart = HeatMap(v.words("adherence_map", line=v.line(route_id), direction=direction),
                        tuple(stop_name(s) for s in stops), tuple(hour_label(h) for h in hours), heat, DELAY_SCALE,
                        legend)
        maps.append(chart_box(heat_map_svg(chart), f"adherence-map-{direction}"))
    return maps


def adherence_page(v: ReportView, day: date, lines: Sequence[str], line: str | None, overview: str,
                   maps: Sequence[str], notes: str) -> str:
    body = picker(v, "adherence", day, lines, line) + notes
    if not overview and not maps:
        body += _message(v.t("no_events", day=day.isoformat()))
    return v.page("adherence", body + "".join(maps) + overview)


def regularity_page(v: ReportView, day: date, rows: Sequence[LineRegularity], notes: str) -> str:
    """``rows``: the lines shown, in line order."""
    bars = tuple(Bar(f"{v.line(r.route_id)} · {r.direction_id}", (r.bunched, r.within, r.gapped),
                     f"{share(r.within)} · cv_h {r.cv_h:.2f} ({r.level})") for r in rows)
    chart = bar_chart_svg(BarChart(v.words("regularity_chart"), bars, THREE_PARTS,
                                   (v.words("col_bunched"), v.words("col_within_half"), v.words("col_gapped")), 1.0))
    heads = (("col_line", False), ("col_direction", False), ("col_headways", True), ("col_mean_actual", True),
             ("col_mean_scheduled", True), ("col_cv_h", True), ("col_level", False), ("col_within_half", True),
             ("col_bunched", True), ("col_gapped", True))
    cells = ([escape(v.line(r.route_id)), str(r.direction_id), str(r.headways), duration_text(r.mean_actual_s),
              duration_text(r.mean_scheduled_s), f"{r.cv_h:.2f}", f'<span class="level-{r.level}">{r.level}</span>',
              share(r.within), share(r.bunched), share(r.gapped)] for r in rows)
    body = (picker(v, "regularity", day) + notes
            + (chart_box(chart, "regularity-chart") + table(v, "regularity", heads, cells) if rows
               else _message(v.t("no_events", day=day.isoformat()))))
    return v.page("regularity", body)


def _peaks(v: ReportView, network: Network, row: LineRidership) -> str:
    def stop(stop_id: str) -> str:
        return network.stops[stop_id].name if stop_id in network.stops else stop_id

    return "<br>".join(v.t("peak_point", direction=p.direction_id, hour=hour_label(p.hour),
                           from_stop=stop(p.from_stop_id), to_stop=stop(p.to_stop_id), riders=f"{p.load:.0f}")
                       for p in row.peaks)


def ridership_page(v: ReportView, day: date, rows: Sequence[LineRidership] | None, network: Network) -> str:
    """``rows``: the lines shown, in line order; None: no flow built that day."""
    if rows is None:
        return v.page("ridership", picker(v, "ridership", day) + _message(v.t("no_flow", day=day.isoformat())))
    bars = tuple(Bar(v.line(r.route_id), (r.boardings,), f"{r.boardings:,.0f}") for r in rows)
    chart = bar_chart_svg(BarChart(v.words("ridership_chart"), bars, ("#0a5c36",)))
    hours = hour_columns([h for r in rows for h, _ in r.by_hour])
    cells = tuple(HeatCell(i, hour - hours[0], riders, v.words("ridership_cell", line=v.line(r.route_id),
                                                                hour=hour_label(hour), riders=f"{riders:,.0f}"))
                  for i, r in enumerate(rows) for hour, riders in r.by_hour)
    heat = HeatMap(v.words("ridership_map"), tuple(v.line(r.route_id) for r in rows),
                   tuple(hour_label(h) for h in hours), cells, RIDERS_SCALE,
                   tuple((n, v.words("legend_riders", riders=int(n))) for n in (1.0, 100.0, 400.0)))
    heads = (("col_line", False), ("col_boardings", True), ("col_alightings", True), ("col_trips", True),
             ("col_per_trip", True), ("col_max_load", True), ("col_mean_peak", True), ("col_peak_point", False))
    table_rows = ([escape(v.line(r.route_id)), f"{r.boardings:,.0f}", f"{r.alightings:,.0f}", str(r.trips),
                   f"{r.boardings_per_trip:.1f}", f"{r.max_load:.0f}", f"{r.mean_trip_peak:.1f}", _peaks(v, network, r)]
                  for r in rows)
    body = (picker(v, "ridership", day) + chart_box(chart, "ridership-chart") + chart_box(heat_map_svg(heat),
                                                                                         "ridership-map")
            + table(v, "ridership", heads, table_rows))
    return v.page("ridership", body)
