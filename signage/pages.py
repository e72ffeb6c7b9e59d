"""The stop page behind each ordinary sign's QR code: ``GET /s/{stop_id}``.

One plain HTML page per stop, in Chinese, for low-end phones: system fonts, no
framework, nothing fetched from elsewhere. The server renders it with data (the
first paint needs no script); a few lines of vanilla JS then fetch
``/s/{stop_id}.json`` every 15 s and redraw; without JS a meta refresh reloads
the page. Every text that came from the feed or the URL is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from urllib.parse import quote
from zoneinfo import ZoneInfo

import orjson
from aiohttp import web

from transit.arrivals import Arrival, Source, StopTimetable, list_arrivals
from transit.live.tracking import LiveSnapshot
from transit.model.line_names import line_order_key
from transit.model.network import Network
from transit.model.service_days import service_day_of

REFRESH_S = 15.0
NO_SCRIPT_REFRESH_S = 30
HORIZON_S = 3600.0
ARRIVALS_PER_LINE = 3


@dataclass(frozen=True, slots=True)
class LineDirection:
    """One line in one direction at a stop, as the stop page and poster show it."""

    route_id: str
    short_name: str
    headsign: str


@dataclass(frozen=True, slots=True)
class NextBus:
    minutes: int  # whole minutes to go, 0 = arriving now
    predicted: bool  # else the timetable's time ("计划")
    clock: str  # HH:MM local


@dataclass(frozen=True, slots=True)
class LineBoard:
    line: LineDirection
    first: str | None  # HH:MM of today's first and last call here; None: no service today
    last: str | None
    next: tuple[NextBus, ...]


@dataclass(frozen=True, slots=True)
class StopBoard:
    stop_id: str
    name: str
    updated: str  # HH:MM:SS local, of the clock when the board was made
    at: float
    lines: tuple[LineBoard, ...]


def list_stop_lines(network: Network) -> dict[str, tuple[LineDirection, ...]]:
    """stop_id -> the lines and directions boarding there (a pattern's last stop
    boards nobody), in line-number order."""
    found: dict[str, set[LineDirection]] = {}
    for trip in network.trips.values():
        pattern = network.patterns[trip.pattern_id]
        route = network.routes[trip.route_id]
        line = LineDirection(route.route_id, route.short_name or route.route_id, trip.headsign)
        for stop_id in pattern.stop_ids[:-1]:
            found.setdefault(stop_id, set()).add(line)
    return {stop: tuple(sorted(lines, key=lambda ln: (line_order_key(ln.short_name), ln.headsign)))
            for stop, lines in found.items()}


def build_stop_board(
    network: Network,
    timetable: StopTimetable,
    lines: tuple[LineDirection, ...],
    snapshot: LiveSnapshot,
    stop_id: str,
    now: float,
) -> StopBoard:
    """What the stop page shows at ``now``: per line and direction, the next
    buses (live where tracked, else the timetable) and today's first and last."""
    zone = ZoneInfo(network.timezone)

    def hhmm(t: float) -> str:
        return datetime.fromtimestamp(t, zone).strftime("%H:%M")

    upcoming: dict[tuple[str, str], list[Arrival]] = {}
    for arrival in list_arrivals(network, timetable, snapshot.predictions, stop_id, now, HORIZON_S):
        if arrival.time >= now - 30 and not _terminates_here(network, arrival):
            upcoming.setdefault((arrival.route_id, arrival.headsign), []).append(arrival)
    spans = timetable.first_and_last(stop_id, service_day_of(now, network.timezone))
    boards = []
    for line in lines:
        span = spans.get(line.route_id)
        buses = tuple(
            NextBus(max(0, math.floor((a.time - now) / 60)), a.source is Source.PREDICTED, hhmm(a.time))
            for a in upcoming.get((line.route_id, line.headsign), [])[:ARRIVALS_PER_LINE]
        )
        boards.append(LineBoard(line, hhmm(span[0]) if span else None, hhmm(span[1]) if span else None, buses))
    updated = datetime.fromtimestamp(now, zone).strftime("%H:%M:%S")
    return StopBoard(stop_id, network.stops[stop_id].name, updated, now, tuple(boards))


def _terminates_here(network: Network, arrival: Arrival) -> bool:
    pattern = network.patterns[network.trips[arrival.trip_id].pattern_id]
    return pattern.sequence_at(len(pattern.stop_ids) - 1) == arrival.stop_sequence


def board_json(board: StopBoard) -> bytes:
    return orjson.dumps({
        "stop_id": board.stop_id,
        "name": board.name,
        "updated": board.updated,
        "at": board.at,
        "lines": [
            {"route_id": b.line.route_id, "line": b.line.short_name, "headsign": b.line.headsign,
             "first": b.first, "last": b.last,
             "next": [{"minutes": n.minutes, "predicted": n.predicted, "clock": n.clock} for n in b.next]}
            for b in board.lines
        ],
    })


# The page's styles and script are inline: one request, nothing to fetch from a CDN.
_STYLE = """
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;
font-size:20px;line-height:1.4;color:#111;background:#fff}
header{background:#0a5c36;color:#fff;padding:12px 16px}
h1{font-size:30px;margin:0}
.updated{font-size:16px;opacity:.9}
.stale{background:#fde68a;color:#111;padding:8px 16px;font-size:18px}
ul{list-style:none;margin:0;padding:0}
.line{border-bottom:1px solid #ccc;padding:10px 16px}
.name{font-size:26px;font-weight:bold}
.to{font-size:18px;color:#333}
.next{margin:4px 0;font-size:24px}
.bus{display:inline-block;margin-right:18px}
.min{font-weight:bold}
.plan{font-size:15px;border:1px solid #888;border-radius:3px;padding:0 3px;margin-left:4px;color:#555}
.none{color:#666;font-size:20px}
.span{font-size:16px;color:#444}
footer{padding:12px 16px;font-size:15px;color:#555}
"""

_SCRIPT = """
(function(){
var root=document.getElementById('board');if(!root||!window.fetch)return;
var every=+root.getAttribute('data-refresh')*1000,url=root.getAttribute('data-json');
function el(tag,cls,text){var e=document.createElement(tag);if(cls)e.className=cls;
if(text!=null)e.textContent=text;return e}
function bus(n){var s=el('span','bus');
s.appendChild(el('span','min',n.minutes<1?'即将到站':n.minutes+' 分钟'));
if(!n.predicted)s.appendChild(el('span','plan','计划 '+n.clock));return s}
function draw(d){var list=document.getElementById('lines');list.textContent='';
d.lines.forEach(function(l){var li=el('li','line');li.setAttribute('data-route',l.route_id);
li.appendChild(el('span','name',l.line));li.appendChild(el('span','to',' 开往 '+l.headsign));
var next=el('div','next');
if(l.next.length)l.next.forEach(function(n){next.appendChild(bus(n))});
else next.appendChild(el('span','none',l.first?'1 小时内暂无车辆':'今日无班次'));
li.appendChild(next);
if(l.first)li.appendChild(el('div','span','首班 '+l.first+'　末班 '+l.last));
list.appendChild(li)});
document.getElementById('updated').textContent=d.updated;
document.getElementById('stale').hidden=true}
function refresh(){return fetch(url,{cache:'no-store'}).then(function(r){
if(!r.ok)throw new Error(r.status);return r.json()}).then(draw)
.catch(function(){document.getElementById('stale').hidden=false})}
window.stopPage={refresh:refresh};
setInterval(refresh,every)})();
"""


def _line_item(board: LineBoard) -> str:
    line = board.line
    if board.next:
        buses = "".join(
            '<span class="bus"><span class="min">'
            + ("即将到站" if n.minutes < 1 else f"{n.minutes} 分钟") + "</span>"
            + ("" if n.predicted else f'<span class="plan">计划 {n.clock}</span>') + "</span>"
            for n in board.next
        )
    else:
        buses = f'<span class="none">{"1 小时内暂无车辆" if board.first else "今日无班次"}</span>'
    span = f'<div class="span">首班 {board.first}　末班 {board.last}</div>' if board.first else ""
    return (f'<li class="line" data-route="{escape(line.route_id)}"><span class="name">{escape(line.short_name)}</span>'
            f'<span class="to"> 开往 {escape(line.headsign)}</span><div class="next">{buses}</div>{span}</li>')


def _page(title: str, body: str, head: str = "") -> str:
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{title}</title>{head}<style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def render_stop_page(board: StopBoard, refresh_s: float = REFRESH_S) -> str:
    """The whole page, with data, so the first paint needs no script."""
    name = escape(board.name)
    json_url = escape(quote(board.stop_id, safe="") + ".json")
    # Without script the browser reloads the page; with it the page redraws in place.
    head = f'<noscript><meta http-equiv="refresh" content="{NO_SCRIPT_REFRESH_S}"></noscript>'
    body = (
        f'<main id="board" data-json="{json_url}" data-refresh="{refresh_s:g}">'
        f'<header><h1>{name}</h1><div class="updated">更新于 <span id="updated">{board.updated}</span></div></header>'
        '<div id="stale" class="stale" hidden>网络连接中断，显示的是上次更新的信息</div>'
        f'<ul id="lines">{"".join(_line_item(b) for b in board.lines)}</ul>'
        '<footer>“计划”为时刻表时间，其余为实时预测。</footer></main>'
        f"<script>{_SCRIPT}</script>"
    )
    return _page(f"{name} · 实时公交", body, head)


def render_not_found(stop_id: str) -> str:
    body = (
        '<header><h1>找不到这个站点</h1></header>'
        f'<p class="line">站点编号“{escape(stop_id)}”不存在，请核对站牌上的二维码或编号。</p>'
    )
    return _page("找不到站点", body)


def add_stop_page_routes(
    app: web.Application,
    *,
    network: Network,
    timetable: StopTimetable,
    snapshot: Callable[[], LiveSnapshot],
    clock: Callable[[], float],
    refresh_s: float = REFRESH_S,
) -> None:
    """Serve ``GET /s/{stop_id}`` (HTML) and ``GET /s/{stop_id}.json`` from the
    live snapshot; ``snapshot`` and ``clock`` are read on every request."""
    lines_at = list_stop_lines(network)

    def board_for(request: web.Request) -> StopBoard:
        stop_id = request.match_info["stop_id"]
        if stop_id not in network.stops:
            raise web.HTTPNotFound(text=render_not_found(stop_id), content_type="text/html")
        return build_stop_board(network, timetable, lines_at.get(stop_id, ()), snapshot(), stop_id, clock())

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=render_stop_page(board_for(request), refresh_s), content_type="text/html",
                            charset="utf-8", headers={"Cache-Control": "no-cache"})

    async def data(request: web.Request) -> web.Response:
        return web.Response(body=board_json(board_for(request)), content_type="application/json",
                            headers={"Cache-Control": "no-cache"})

    # The JSON route first: "{stop_id}" alone would also match "S1.json".
    app.router.add_get("/s/{stop_id}.json", data)
    app.router.add_get("/s/{stop_id}", page)
