"""The Marey chart's geometry: time across, distance down, a dwell as a flat
step, a short turn drawn at the axis stops it serves, the window clipping
trips out, old and new told apart; and its SVG: escaped, no style attribute."""

from __future__ import annotations

import re

import pytest

from transit.console.marey import NEW, OLD, Frame, choose_axis, clock_text, marey_chart, marey_svg, trip_path
from transit.model.network import Pattern, Trip

# Four stops 0, 1000, 3000 and 4000 m along the line; a short turn serves the first three.
FULL = Pattern("P", "R1", 0, "S", ("A", "B", "C", "D"), (0.0, 1000.0, 3000.0, 4000.0))
SHORT = Pattern("Q", "R1", 0, "S", ("A", "B", "C"), (0.0, 1000.0, 3000.0))
PATTERNS = {"P": FULL, "Q": SHORT}
NAMES = {"A": "南站", "B": "中心<站>", "C": "北站", "D": "终点站很长很长很长的名字"}
FRAME = Frame(width=1000.0, left=100.0, right=0.0, top=0.0, bottom=40.0, px_per_stop=100.0)


def trip(trip_id: str, start: int, pattern: Pattern = FULL, dwell: int = 0) -> Trip:
    arrivals = tuple(start + 60 * i for i in range(len(pattern.stop_ids)))
    departures = tuple(a + (dwell if 0 < i < len(arrivals) - 1 else 0) for i, a in enumerate(arrivals))
    return Trip(trip_id, "R1", "WK", pattern.pattern_id, 0, None, "", arrivals, departures)


def test_the_axis_is_the_pattern_most_trips_run() -> None:
    axis = choose_axis([trip("a", 0, SHORT), trip("b", 600), trip("c", 1200)], PATTERNS, NAMES)
    assert axis.pattern_id == "P" and axis.dists_m == (0.0, 1000.0, 3000.0, 4000.0) and axis.length_m == 4000.0
    assert axis.names[1] == "中心<站>"
    # A tie goes to the pattern with more stops.
    assert choose_axis([trip("a", 0, SHORT), trip("b", 600)], PATTERNS, NAMES).pattern_id == "P"
    with pytest.raises(ValueError, match="at least one trip"):
        choose_axis([], PATTERNS, NAMES)


def test_a_path_runs_through_arrivals_and_departures() -> None:
    axis = choose_axis([trip("b", 0)], PATTERNS, NAMES)
    assert trip_path(trip("b", 3600), FULL, axis) == ((3600, 0.0), (3660, 1000.0), (3720, 3000.0), (3780, 4000.0))
    dwelling = trip_path(trip("d", 3600, dwell=30), FULL, axis)
    assert dwelling[1:3] == ((3660, 1000.0), (3690, 1000.0))  # a flat step while it dwells
    assert trip_path(trip("s", 0, SHORT), SHORT, axis)[-1] == (120, 3000.0)


def test_geometry_scales_time_across_and_distance_down() -> None:
    old, new = [trip("o1", 3600)], [trip("n1", 3600 + 900), trip("s", 3600 + 1200, SHORT)]
    axis = choose_axis(old + new, PATTERNS, NAMES)
    chart = marey_chart(axis, old, new, PATTERNS, (3600, 7200), FRAME)
    assert chart.plot == (100.0, 0.0, 1000.0, 300.0) and chart.height == 340.0  # 3 gaps of 100 px
    by_id = {line.trip_id: line for line in chart.lines}
    assert [line.side for line in chart.lines] == [OLD, NEW, NEW]
    assert by_id["o1"].points == ((100.0, 0.0), (115.0, 75.0), (130.0, 225.0), (145.0, 300.0))
    assert by_id["n1"].points[0] == (325.0, 0.0)  # 15 minutes later: a quarter of 900 px further right
    assert by_id["s"].points[-1] == (430.0, 225.0)  # the short turn ends at C
    assert [t.label for t in chart.x_ticks] == [f"01:{m:02d}" for m in range(0, 60, 5)] + ["02:00"]
    assert chart.x_ticks[0].at == 100.0 and chart.x_ticks[1].at == 175.0 and chart.x_ticks[-1].at == 1000.0
    assert [t.label for t in chart.y_ticks] == ["南站", "中心<站>", "北站", "终点站很长很长很长…"]


def test_the_window_leaves_out_trips_outside_it_and_counts_off_axis_ones() -> None:
    elsewhere = Pattern("X", "R1", 0, "S", ("Y", "Z"), (0.0, 500.0))
    patterns = {**PATTERNS, "X": elsewhere}
    old = [trip("early", 0), trip("in", 3600), trip("late", 20000)]
    new = [trip("off", 3700, elsewhere)]
    axis = choose_axis(old, patterns, NAMES)
    chart = marey_chart(axis, old, new, patterns, (3000, 7200), FRAME)
    assert [line.trip_id for line in chart.lines] == ["in"] and chart.off_axis == 1
    whole = marey_chart(axis, old, [], patterns, None, FRAME)
    assert (whole.start_s, whole.end_s) == (0, 21600)  # the trips' span, to whole hours
    with pytest.raises(ValueError, match="must end after it starts"):
        marey_chart(axis, old, new, patterns, (7200, 7200), FRAME)


def test_stop_labels_never_overlap_and_keep_the_terminal() -> None:
    crowded = Pattern("C", "R1", 0, "S", tuple("ABCDEFG"), (0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 4000.0))
    axis = choose_axis([trip("t", 0, crowded)], {"C": crowded}, {})
    ticks = marey_chart(axis, [], [trip("t", 0, crowded)], {"C": crowded}, (0, 3600), FRAME).y_ticks
    assert ticks[0].label == "A" and ticks[-1].label == "G"
    assert all(b.at - a.at >= 14.0 for a, b in zip(ticks, ticks[1:]))


def test_the_svg_is_escaped_and_has_no_style_attribute() -> None:
    old, new = [trip("o<1>", 3600)], [trip("n1", 4500)]
    axis = choose_axis(old + new, PATTERNS, NAMES)
    svg = marey_svg(marey_chart(axis, old, new, PATTERNS, (3600, 7200)), "1路 <上行>", "现行", "草案")
    assert svg.startswith("<svg ") and svg.endswith("</svg>")
    assert "style=" not in svg and "<script" not in svg
    assert "中心&lt;站&gt;" in svg and "1路 &lt;上行&gt;" in svg and 'data-trip="o&lt;1&gt;"' in svg
    assert len(re.findall(r"<polyline ", svg)) == 2
    assert svg.index('class="marey-old"') < svg.index('data-trip="o&lt;1&gt;"') < svg.index('class="marey-new"')


def test_clock_text_runs_past_midnight() -> None:
    assert clock_text(90600) == "25:10" and clock_text(0) == "00:00"
