"""The reports' charts as inline SVG: a heat map (rows by columns of
coloured cells, each with its figures as a tooltip) and a horizontal bar
chart (one bar a row, split into stacked parts). Drawn on the server with
presentation attributes only (no ``style``, no script), so the console's
Content-Security-Policy lets them show; every label is escaped. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

_FONT = 'font-family="system-ui,sans-serif"'
_LABEL_CHARS = 22  # longer labels are cut (the tooltip has the figures)


@dataclass(frozen=True, slots=True)
class ColourScale:
    """Colours at increasing values; between two, mixed; beyond the ends, the end's."""

    stops: tuple[tuple[float, str], ...]  # (value, "#rrggbb")

    def colour(self, value: float) -> str:
        stops = self.stops
        if value <= stops[0][0]:
            return stops[0][1]
        for (low, a), (high, b) in zip(stops, stops[1:]):
            if value <= high:
                return _mix(a, b, (value - low) / (high - low))
        return stops[-1][1]


def _mix(a: str, b: str, share: float) -> str:
    ca, cb = (tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in (a, b))
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(ca, cb))


# Median delay (s): blue early, green on time, yellow to dark red later and later.
DELAY_SCALE = ColourScale(((-120.0, "#2563eb"), (-60.0, "#93c5fd"), (0.0, "#16a34a"), (300.0, "#facc15"),
                           (600.0, "#ea580c"), (1200.0, "#7f1d1d")))


@dataclass(frozen=True, slots=True)
class HeatCell:
    row: int
    column: int
    value: float  # coloured by the scale
    title: str  # the tooltip: the cell's figures in words


@dataclass(frozen=True, slots=True)
class HeatMap:
    title: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[HeatCell, ...]
    scale: ColourScale
    legend: tuple[tuple[float, str], ...]  # (value, label) swatches under the map


def _cut(label: str) -> str:
    return label if len(label) <= _LABEL_CHARS else label[:_LABEL_CHARS - 1] + "…"


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = 11, fill: str = "#222",
          bold: bool = False) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}"{weight}>'
            f"{escape(text)}</text>")


def _svg(width: float, height: float, title: str, parts: Iterable[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{escape(title)}" {_FONT}>'
            f"<title>{escape(title)}</title>" + "".join(parts) + "</svg>")


def heat_map_svg(chart: HeatMap, *, cell_w: float = 30.0, cell_h: float = 16.0) -> str:
    """The map with row labels on the left, column labels on top, the legend below."""
    left = 12.0 + 7.0 * max((len(_cut(r)) for r in chart.rows), default=4)
    top = 22.0
    width = left + cell_w * max(len(chart.columns), 1) + 8
    height = top + cell_h * len(chart.rows) + 44
    parts = [_text(left + cell_w * (i + 0.5), top - 6, label, anchor="middle", size=10)
             for i, label in enumerate(chart.columns)]
    parts += [_text(left - 6, top + cell_h * (i + 0.75), _cut(label), anchor="end")
              for i, label in enumerate(chart.rows)]
    parts += [f'<rect x="{left + cell_w * c.column:.1f}" y="{top + cell_h * c.row:.1f}" width="{cell_w - 1:.1f}" '
              f'height="{cell_h - 1:.1f}" fill="{chart.scale.colour(c.value)}"><title>{escape(c.title)}</title></rect>'
              for c in chart.cells]
    y = top + cell_h * len(chart.rows) + 14
    for i, (value, label) in enumerate(chart.legend):
        x = left + i * 110.0
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="14" height="12" fill="{chart.scale.colour(value)}"/>')
        parts.append(_text(x + 18, y + 10, label, size=10))
    return _svg(max(width, left + 110.0 * len(chart.legend)), height, chart.title, parts)


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    parts: tuple[float, ...]  # stacked left to right, in the chart's unit
    text: str  # written after the bar


@dataclass(frozen=True, slots=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]
    colours: tuple[str, ...]  # one per part
    legend: tuple[str, ...] = ()  # one per part, or none
    max_value: float | None = None  # the full length; None: the longest bar


def bar_chart_svg(chart: BarChart, *, width: float = 760.0, bar_h: float = 16.0) -> str:
    left = 12.0 + 7.0 * max((len(_cut(b.label)) for b in chart.bars), default=4)
    text_w = 150.0
    plot = max(width - left - text_w, 100.0)
    full = chart.max_value if chart.max_value is not None else max((sum(b.parts) for b in chart.bars), default=0.0)
    scale = plot / full if full > 0 else 0.0
    top = 8.0
    parts: list[str] = []
    for i, bar in enumerate(chart.bars):
        y = top + i * (bar_h + 6)
        parts.append(_text(left - 6, y + bar_h * 0.8, _cut(bar.label), anchor="end"))
        x = left
        for value, colour in zip(bar.parts, chart.colours):
            w = max(value, 0.0) * scale
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{bar_h:.1f}" fill="{colour}"/>')
            x += w
        parts.append(_text(x + 6, y + bar_h * 0.8, bar.text, size=10, fill="#444"))
    y = top + len(chart.bars) * (bar_h + 6) + 6
    for i, (label, colour) in enumerate(zip(chart.legend, chart.colours)):
        x = left + i * 150.0
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="14" height="12" fill="{colour}"/>')
        parts.append(_text(x + 18, y + 10, label, size=10))
    height = y + (22 if chart.legend else 0) + 4
    return _svg(width, height, chart.title, parts)


def hour_label(hour: int) -> str:
    """Hours of the service day as riders read them: 25 is 01."""
    return f"{hour % 24:02d}"


def hour_columns(hours: Sequence[int]) -> tuple[int, ...]:
    """Every hour from the first to the last given (a gap stays a blank column)."""
    return tuple(range(min(hours), max(hours) + 1)) if hours else ()
