"""The live view's pages: the map of every live bus over the lines' own
shapes with the table of lines, and a line's ladder. Rendered with the data
of the moment (the first paint needs no script); ``console.js`` then moves
the buses as the console's socket says. Every text from the feed, the
store or the URL goes through ``escape``.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from transit.api.console.html import PREFIX, csrf_field, page
from transit.api.console.live_payloads import (
    LADDER_TOP,
    STOP_SPACING,
    bus_class,
    clock_text,
    direction_label,
    freshness_text,
    headway_cells,
    line_summaries,
    list_ladder_buses,
)
from transit.api.console.live_view import Frame, LiveView
from transit.api.console.texts import TEXTS
from transit.console.alarms import Thresholds
from transit.console.users import User
from transit.model.line_names import line_order_key

LIVE_STYLE = """
header nav{display:flex;gap:14px}
.badge{display:inline-block;min-width:20px;padding:0 6px;border-radius:10px;background:#b91c1c;color:#fff;
font-size:13px;text-align:center}
.updated{color:#444;font-size:14px}
.livegrid{display:grid;grid-template-columns:minmax(0,3fr) minmax(300px,2fr);gap:16px;align-items:start}
main:has(.livegrid){max-width:1500px}
svg{display:block;width:100%;height:auto;background:#fff}
.shape{fill:none;stroke:#9aa5b1;stroke-width:1.5}
.bus{fill:#15803d;stroke:#fff;stroke-width:1}
.bus.late{fill:#d97706}.bus.early{fill:#2563eb}.bus.idle{fill:#6b7280}.bus.off{fill:#b91c1c}
#lines tr.stale td.state,.freshness.stale{color:#b91c1c;font-weight:bold}
.freshness{padding:8px 12px;border-radius:4px;background:#ecfdf5}
.freshness.stale{background:#fde2e1;border:2px solid #b91c1c}
.freshness.idle{background:#f3f4f6}
.rail{stroke:#0a5c36;stroke-width:4}
.stop{fill:#fff;stroke:#0a5c36;stroke-width:2}
.stopname{font-size:12px;fill:#222}
.railhead{font-size:13px;font-weight:bold;fill:#0a5c36}
.buslabel{font-size:11px;fill:#111;stroke:none}
tr.bunching td,tr.gapping td{background:#fde2e1}
.note{font-size:13px;color:#555}
form.inline{display:flex;gap:6px;margin:0}
form.inline input[type=text]{flex:1;padding:4px;font-size:14px}
input[type=number]{width:90px;padding:4px;font-size:15px}
td.ack{font-size:13px;color:#333}
tr.triggered td:first-child{color:#b91c1c;font-weight:bold}
"""

RAIL_X = (250.0, 560.0)  # the two directions' rails
LADDER_WIDTH = 810.0


def live_page(lang: str, user: User, csrf_token: str, view: LiveView, frame: Frame,
              open_alarms: dict[str, int], alarm_count: int) -> str:
    words = TEXTS[lang]
    projection = view.projection
    shapes = "".join(f'<path class="shape" data-route="{escape(route_id)}" d="{d}"/>' for route_id, d in view.shapes)
    buses = []
    for v in frame.live:
        x, y = projection.xy(v.lat, v.lon)
        route = v.trip.route_id if v.trip else ""
        buses.append(f'<circle class="{bus_class(v)}" r="4" cx="{x}" cy="{y}" data-vehicle="{escape(v.vehicle_id)}">'
                     f"<title>{escape(v.vehicle_id)} {escape(route)}</title></circle>")
    head = "".join(f"<th>{escape(words[k])}</th>" for k in ("line", "data", "buses"))
    head += "".join(f"<th>{escape(words['headway_dir'].format(direction=d))}</th>" for d in (0, 1))
    head += f"<th>{escape(words['open_alarms'])}</th>"
    summaries = line_summaries(lang, frame)
    rows = []
    for route in sorted((view.network.routes[r] for r in frame.freshness), key=lambda r: line_order_key(r.short_name)):
        state, word, count, h0, h1 = summaries[route.route_id]
        rows.append(
            f'<tr data-route="{escape(route.route_id)}" class="{state}">'
            f'<td><a href="{PREFIX}/lines/{quote(route.route_id, safe="")}">{escape(route.short_name)}</a></td>'
            f'<td class="state">{escape(word)}</td><td class="buses">{count}</td><td class="h0">{h0}</td>'
            f'<td class="h1">{h1}</td><td class="alarms">{open_alarms.get(route.route_id, 0)}</td></tr>')
    body = (
        f'<h1>{escape(words["live_title"])}</h1>'
        f'<p class="updated"><span id="updated">{escape(words["updated"].format(time=clock_text(frame.now, view.network.timezone)))}</span>'
        f' · <span id="summary">{escape(words["vehicles_live"].format(count=len(frame.live)))}</span></p>'
        f'<div class="livegrid" id="live-root" data-view="map" data-json="{PREFIX}/live.json">'
        f'<div class="card"><svg id="map" viewBox="0 0 {projection.width:g} {projection.height:g}" role="img"'
        f' aria-label="{escape(words["live_title"])}"><g>{shapes}</g><g id="vehicles">{"".join(buses)}</g></svg>'
        f'<p class="note">{escape(words["map_note"])}</p></div>'
        f'<table id="lines" data-keys-list><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
    )
    return page(lang, words["live_title"], body, path=f"{PREFIX}/live", user=user,
                csrf_token=csrf_token, alarm_count=alarm_count, script=True)


def ladder_page(lang: str, user: User, csrf_token: str, view: LiveView, frame: Frame, route_id: str,
                limits: tuple[Thresholds, bool], may_change: bool, alarm_count: int) -> str:
    words = TEXTS[lang]
    route = view.network.routes[route_id]
    freshness = frame.freshness[route_id]
    title = words["ladder_title"].format(line=route.short_name)
    body = (
        f'<h1>{escape(title)} <small>{escape(route.long_name)}</small></h1>'
        f'<p id="freshness" class="freshness {freshness.state.value}" role="status">'
        f'{escape(freshness_text(lang, freshness, frame.now))}</p>'
        f'<p class="updated" id="updated">'
        f'{escape(words["updated"].format(time=clock_text(frame.now, view.network.timezone)))}</p>'
        f'<div class="card" id="live-root" data-view="line" data-route="{escape(route_id)}"'
        f' data-json="{PREFIX}/lines/{quote(route_id, safe="")}.json">{_ladder_svg(lang, view, frame, route_id)}</div>'
        f'{_headway_table(lang, view, frame, route_id, limits[0])}'
        f'{_thresholds_card(lang, route_id, limits, may_change, csrf_token)}'
    )
    return page(lang, title, body, path=f"{PREFIX}/lines/{quote(route_id, safe='')}", user=user,
                csrf_token=csrf_token, alarm_count=alarm_count, script=True)


def _ladder_svg(lang: str, view: LiveView, frame: Frame, route_id: str) -> str:
    rails = view.rails(route_id)
    longest = max((len(r.stop_ids) for r in rails), default=1)
    height = LADDER_TOP + (longest - 1) * STOP_SPACING + 24
    parts = []
    for number, rail in enumerate(rails[:2]):
        x = RAIL_X[number]
        first, last = (LADDER_TOP, LADDER_TOP + (len(rail.stop_ids) - 1) * STOP_SPACING)
        side, anchor = (-14, "end") if number == 0 else (14, "start")
        arrow = "↓" if rail.direction_id == 0 else "↑"
        head_y = 16 if rail.direction_id == 0 else last + 22
        parts.append(f'<text class="railhead" x="{x}" y="{head_y}" text-anchor="middle">'
                     f'{escape(direction_label(lang, view, route_id, rail.direction_id))} {arrow}</text>'
                     f'<line class="rail" x1="{x}" y1="{first}" x2="{x}" y2="{last}"/>')
        for i, stop_id in enumerate(rail.stop_ids):
            y = LADDER_TOP + (i if rail.direction_id == 0 else len(rail.stop_ids) - 1 - i) * STOP_SPACING
            stop = view.network.stops.get(stop_id)
            parts.append(f'<circle class="stop" cx="{x}" cy="{y}" r="4"/><text class="stopname" x="{x + side}"'
                         f' y="{y + 4}" text-anchor="{anchor}">{escape(stop.name if stop else stop_id)}</text>')
    buses = "".join(_bus_marker(v.vehicle_id, number, y, bus_class(v))
                    for v, number, y in list_ladder_buses(view, frame, route_id) if number < 2)
    rail_x = ",".join(f"{x:g}" for x in RAIL_X)
    return (f'<svg id="ladder" viewBox="0 0 {LADDER_WIDTH:g} {height:g}" data-rail-x="{rail_x}" role="img"'
            f' aria-label="{escape(route_id)}">{"".join(parts)}<g id="buses">{buses}</g></svg>')


def _bus_marker(vehicle_id: str, number: int, y: float, classes: str) -> str:
    x = RAIL_X[number]
    label_x, anchor = (12, "start") if number == 0 else (-12, "end")
    return (f'<g class="{classes}" data-vehicle="{escape(vehicle_id)}" data-rail="{number}"'
            f' transform="translate({x:g},{y:g})"><circle r="8"/>'
            f'<text class="buslabel" x="{label_x}" y="4" text-anchor="{anchor}">{escape(vehicle_id)}</text></g>')


def _headway_table(lang: str, view: LiveView, frame: Frame, route_id: str, limits: Thresholds) -> str:
    words = TEXTS[lang]
    head = "".join(f"<th>{escape(words[k])}</th>" for k in
                   ("direction", "bus", "ahead", "at_stop", "actual", "scheduled", "ratio"))
    rows = []
    for h in frame.headways:
        if h.route_id != route_id:
            continue
        *cells, flag = headway_cells(view, h, limits)
        rows.append(f'<tr class="{flag}"><td>{escape(direction_label(lang, view, route_id, h.direction_id))}</td>'
                    + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    empty = "" if rows else f'<p class="note" id="no-headways">{escape(words["no_headways"])}</p>'
    return (f'<h2>{escape(words["headway"])}</h2><table id="headways"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>{empty}')


def _thresholds_card(lang: str, route_id: str, limits: tuple[Thresholds, bool], may_change: bool,
                     csrf_token: str) -> str:
    words = TEXTS[lang]
    thresholds, default = limits
    bunching, gapping = round(thresholds.bunching * 100), round(thresholds.gapping * 100)
    now = words["thresholds_now"].format(bunching=bunching, gapping=gapping,
                                         default=words["default_mark"] if default else "")
    form = ""
    if may_change:
        form = (f'<form method="post" action="{PREFIX}/lines/{quote(route_id, safe="")}/thresholds">'
                f'{csrf_field(csrf_token)}'
                f'<label for="bunching">{escape(words["bunching_pct"])}</label>'
                f'<input type="number" id="bunching" name="bunching" min="1" max="99" value="{bunching}" required>'
                f'<label for="gapping">{escape(words["gapping_pct"])}</label>'
                f'<input type="number" id="gapping" name="gapping" min="101" max="1000" value="{gapping}" required>'
                f'<label for="reason">{escape(words["reason"])}</label>'
                f'<input type="text" id="reason" name="reason" maxlength="200">'
                f'<p><button type="submit">{escape(words["save"])}</button></p></form>')
    return (f'<div class="card" id="thresholds"><h2>{escape(words["thresholds"])}</h2>'
            f'<p id="thresholds-now">{escape(now)}</p>{form}</div>')
