"""A Marey (time-distance) chart of one line direction, old timetable and new
overlaid, as inline SVG: time runs across, the stops down the page at their
distance along the line, and each trip is a line through its arrivals and
departures (a dwell is a short flat step). Bunching shows as lines that
crowd together, a gap as white space, a slower running time as a flatter slope.

The distance axis is one pattern of the direction, the one most trips run
(ties: more stops); a trip on another pattern (a short turn) is drawn at the
axis stops it serves, in order. Pure: trips and patterns in, geometry and
SVG text out. The SVG carries presentation attributes only (no ``style``),
so the console's Content-Security-Policy lets it render.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape

from transit.model.network import Pattern, Trip

OLD, NEW = "old", "new"
_TIME_STEPS_S = (300, 600, 900, 1800, 3600, 7200, 10800)
_MAX_TIME_TICKS = 12
_LABEL_GAP_PX = 14.0
_NAME_CHARS = 10


@dataclass(frozen=True, slots=True)
class MareyAxis:
    """The stops down the chart and their distance from the first (metres)."""

    pattern_id: str
    stop_ids: tuple[str, ...]
    names: tuple[str, ...]
    dists_m: tuple[float, ...]

    @property
    def length_m(self) -> float:
        return self.dists_m[-1] if self.dists_m else 0.0


@dataclass(frozen=True, slots=True)
class Frame:
    """The chart's size and its plot area, in SVG units."""

    width: float = 1000.0
    left: float = 150.0
    right: float = 16.0
    top: float = 28.0
    bottom: float = 40.0
    px_per_stop: float = 18.0
    min_plot_height: float = 240.0
    max_plot_height: float = 720.0


@dataclass(frozen=True, slots=True)
class Tick:
    at: float  # x (times) or y (stops), in SVG units
    label: str


@dataclass(frozen=True, slots=True)
class MareyLine:
    side: str  # OLD or NEW
    trip_id: str
    departure_s: int
    points: tuple[tuple[float, float], ...]  # (x, y), in SVG units


@dataclass(frozen=True, slots=True)
class MareyChart:
    width: float
    height: float
    plot: tuple[float, float, float, float]  # left, top, right, bottom
    start_s: int
    end_s: int
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    lines: tuple[MareyLine, ...]  # old ones first, each side by departure
    off_axis: int  # trips in the window that share fewer than two stops with the axis


def choose_axis(trips: Sequence[Trip], patterns: Mapping[str, Pattern], names: Mapping[str, str]) -> MareyAxis:
    """The pattern most of ``trips`` run (ties: more stops, then its id), as the distance axis."""
    if not trips:
        raise ValueError("a Marey chart needs at least one trip")
    counts = Counter(t.pattern_id for t in trips)
    chosen = min(counts, key=lambda p: (-counts[p], -len(patterns[p].stop_ids), p))
    pattern = patterns[chosen]
    first = pattern.stop_dists[0]
    return MareyAxis(chosen, pattern.stop_ids, tuple(names.get(s, s) for s in pattern.stop_ids),
                     tuple(d - first for d in pattern.stop_dists))


def trip_path(trip: Trip, pattern: Pattern, axis: MareyAxis) -> tuple[tuple[int, float], ...]:
    """(time, distance) through the trip's stops that lie on the axis, in
    order: its arrival, then its departure when it dwells."""
    path: list[tuple[int, float]] = []
    at = 0
    for stop_id, arrival, departure in zip(pattern.stop_ids, trip.arrivals, trip.departures, strict=True):
        found = _index_from(axis.stop_ids, stop_id, at)
        if found is None:
            continue
        at = found + 1
        dist = axis.dists_m[found]
        path.append((arrival, dist))
        if departure != arrival:
            path.append((departure, dist))
    return tuple(path)


def _index_from(stop_ids: tuple[str, ...], stop_id: str, start: int) -> int | None:
    for index in range(start, len(stop_ids)):
        if stop_ids[index] == stop_id:
            return index
    return None


def marey_chart(axis: MareyAxis, old: Sequence[Trip], new: Sequence[Trip], patterns: Mapping[str, Pattern],
                window: tuple[int, int] | None = None, frame: Frame = Frame(),
                new_patterns: Mapping[str, Pattern] | None = None) -> MareyChart:
    """The chart of ``old`` and ``new`` trips over ``window`` (service-day
    seconds; default: every trip's span, to whole hours). ``new_patterns``:
    the new trips' patterns when they come from another version (default ``patterns``)."""
    sides = ((OLD, old, patterns), (NEW, new, patterns if new_patterns is None else new_patterns))
    paths = [(side, trip, trip_path(trip, by_id[trip.pattern_id], axis))
             for side, trips, by_id in sides for trip in sorted(trips, key=lambda t: (t.start, t.trip_id))]
    start_s, end_s = window if window is not None else _whole_hours(old, new)
    if end_s <= start_s:
        raise ValueError(f"time window {start_s}..{end_s} s: it must end after it starts")
    plot_h = min(frame.max_plot_height, max(frame.min_plot_height, frame.px_per_stop * (len(axis.stop_ids) - 1)))
    left, top = frame.left, frame.top
    right, bottom = frame.width - frame.right, frame.top + plot_h

    def x_of(seconds: float) -> float:
        return left + (seconds - start_s) / (end_s - start_s) * (right - left)

    def y_of(dist_m: float) -> float:
        return top + (dist_m / axis.length_m if axis.length_m > 0 else 0.0) * plot_h

    lines, off_axis = [], 0
    for side, trip, path in paths:
        if trip.end < start_s or trip.start > end_s:
            continue  # wholly outside the window
        if len(path) < 2:
            off_axis += 1
            continue
        lines.append(MareyLine(side, trip.trip_id, trip.start,
                               tuple((round(x_of(t), 1), round(y_of(d), 1)) for t, d in path)))
    return MareyChart(frame.width, bottom + frame.bottom, (left, top, right, bottom), start_s, end_s,
                      _time_ticks(start_s, end_s, x_of), _stop_ticks(axis, y_of), tuple(lines), off_axis)


def _whole_hours(old: Sequence[Trip], new: Sequence[Trip]) -> tuple[int, int]:
    trips = [*old, *new]
    if not trips:
        return 0, 3600
    first, last = min(t.start for t in trips), max(t.end for t in trips)
    return first // 3600 * 3600, -(-max(last, first + 1) // 3600) * 3600


def _time_ticks(start_s: int, end_s: int, x_of: Callable[[float], float]) -> tuple[Tick, ...]:
    step = next((s for s in _TIME_STEPS_S if (end_s - start_s) / s <= _MAX_TIME_TICKS), _TIME_STEPS_S[-1])
    first = -(-start_s // step) * step
    return tuple(Tick(round(x_of(at), 1), clock_text(at)) for at in range(first, end_s + 1, step))


def _stop_ticks(axis: MareyAxis, y_of: Callable[[float], float]) -> tuple[Tick, ...]:
    """Stop names down the axis, thinned so labels never overlap (the last stop always shown)."""
    ticks: list[Tick] = []
    for index, (name, dist) in enumerate(zip(axis.names, axis.dists_m, strict=True)):
        y = round(y_of(dist), 1)
        last = index == len(axis.names) - 1
        if ticks and y - ticks[-1].at < _LABEL_GAP_PX:
            if not last:
                continue
            if len(ticks) > 1:
                ticks.pop()  # make room for the terminal
        ticks.append(Tick(y, name if len(name) <= _NAME_CHARS else name[:_NAME_CHARS - 1] + "…"))
    return tuple(ticks)


def clock_text(seconds: int) -> str:
    """Service-day seconds as HH:MM (past 24:00 for trips after midnight)."""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def marey_svg(chart: MareyChart, title: str, old_label: str, new_label: str) -> str:
    """The chart as an inline ``<svg>`` element (every text escaped)."""
    left, top, right, bottom = chart.plot
    grid = "".join(f'<line x1="{t.at}" y1="{top}" x2="{t.at}" y2="{bottom}" stroke="#e3e6ea"/>'
                   f'<text x="{t.at}" y="{bottom + 16}" text-anchor="middle">{escape(t.label)}</text>'
                   for t in chart.x_ticks)
    grid += "".join(f'<line x1="{left}" y1="{t.at}" x2="{right}" y2="{t.at}" stroke="#eef0f2"/>'
                    f'<text x="{left - 6}" y="{t.at + 4}" text-anchor="end">{escape(t.label)}</text>'
                    for t in chart.y_ticks)
    sides = "".join(_side(chart, side) for side in (OLD, NEW))
    legend_y = bottom + 32
    legend = (f'<line x1="{left}" y1="{legend_y}" x2="{left + 28}" y2="{legend_y}" stroke="#8a94a3" '
              f'stroke-width="2" stroke-dasharray="5 3"/><text x="{left + 34}" y="{legend_y + 4}">'
              f'{escape(old_label)}</text><line x1="{left + 200}" y1="{legend_y}" x2="{left + 228}" '
              f'y2="{legend_y}" stroke="#0a5c36" stroke-width="2"/><text x="{left + 234}" y="{legend_y + 4}">'
              f'{escape(new_label)}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="marey" viewBox="0 0 {chart.width} {chart.height}" '
            f'width="100%" role="img" aria-label="{escape(title)}" font-size="11" '
            f'font-family="system-ui, sans-serif"><title>{escape(title)}</title>'
            f'<defs><clipPath id="marey-plot"><rect x="{left}" y="{top - 4}" width="{right - left}" '
            f'height="{bottom - top + 8}"/></clipPath></defs>'
            f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" fill="#fff" '
            f'stroke="#c4c9d0"/>{grid}<g clip-path="url(#marey-plot)" fill="none">{sides}</g>{legend}</svg>')


def _side(chart: MareyChart, side: str) -> str:
    stroke = ('stroke="#8a94a3" stroke-width="1.6" stroke-dasharray="5 3"' if side == OLD
              else 'stroke="#0a5c36" stroke-width="1.6"')
    lines = "".join(
        f'<polyline data-trip="{escape(line.trip_id)}" points="{" ".join(f"{x},{y}" for x, y in line.points)}">'
        f'<title>{escape(line.trip_id)} {clock_text(line.departure_s)}</title></polyline>'
        for line in chart.lines if line.side == side)
    return f'<g class="marey-{side}" {stroke}>{lines}</g>'
