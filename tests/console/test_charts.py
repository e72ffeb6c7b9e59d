"""The reports' SVG charts: colours from a scale, cells and bars where their
figures put them, and every label escaped with no style attribute (the
console's Content-Security-Policy refuses inline styles)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from transit.console.charts import (DELAY_SCALE, Bar, BarChart, ColourScale, HeatCell, HeatMap, bar_chart_svg,
                                    heat_map_svg, hour_columns, hour_label)

EVIL = '<script>alert("x")</script>&'
SVG = "{http://www.w3.org/2000/svg}"


def test_a_scale_mixes_between_its_stops_and_holds_beyond_them() -> None:
    scale = ColourScale(((0.0, "#000000"), (100.0, "#ff0080")))
    assert scale.colour(-5) == "#000000" and scale.colour(500) == "#ff0080"
    assert scale.colour(50) == "#800040"
    assert DELAY_SCALE.colour(0) == "#16a34a" and DELAY_SCALE.colour(300) == "#facc15"


def _heat_map() -> str:
    return heat_map_svg(HeatMap(EVIL, (EVIL, "红旗街十字"), ("07", "08", "09"),
                                (HeatCell(0, 2, 600.0, EVIL), HeatCell(1, 0, 0.0, "红旗街十字 07:00")),
                                DELAY_SCALE, ((0.0, EVIL),)), cell_w=30.0, cell_h=16.0)


def test_the_heat_map_escapes_every_label_and_has_no_style() -> None:
    svg = _heat_map()
    assert "<script" not in svg and "style=" not in svg
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;" in svg
    root = ET.fromstring(svg)  # well-formed: the escaping held
    assert root.tag == f"{SVG}svg" and root.get("aria-label") == EVIL


def test_each_cell_sits_at_its_row_and_column_in_its_colour() -> None:
    root = ET.fromstring(_heat_map())
    cells = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    (late, on_time) = cells
    assert late.find(f"{SVG}title").text == EVIL and late.get("fill") == "#ea580c"
    assert float(late.get("x")) - float(on_time.get("x")) == 60.0  # two columns to the right
    assert float(on_time.get("y")) - float(late.get("y")) == 16.0  # one row down
    assert on_time.get("fill") == "#16a34a"


def test_bars_stack_their_parts_in_proportion_to_the_full_length() -> None:
    svg = bar_chart_svg(BarChart("shares", (Bar("1路", (0.25, 0.5, 0.25), "50%"), Bar(EVIL, (1.0, 0.0, 0.0), "x")),
                                 ("#111111", "#222222", "#333333"), ("a", "b", "c"), max_value=1.0))
    assert "<script" not in svg and "style=" not in svg
    rects = ET.fromstring(svg).findall(f"{SVG}rect")
    widths = [float(r.get("width")) for r in rects[:3]]
    assert widths[1] == 2 * widths[0] == 2 * widths[2]
    assert float(rects[3].get("width")) == sum(widths)
    assert re.search(r">50%</text>", svg)


def test_hours_past_midnight_read_as_clock_hours() -> None:
    assert [hour_label(h) for h in hour_columns([23, 25])] == ["23", "00", "01"]
    assert hour_columns([]) == ()
