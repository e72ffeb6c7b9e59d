"""The stop page's HTML: one plain page per stop, in Chinese, for low-end
phones: system fonts, no framework, nothing fetched from elsewhere. It is
rendered with data (the first paint needs no script); a few lines of vanilla
JS then fetch ``{stop_id}.json`` every ``refresh_s`` and redraw; without JS a
meta refresh reloads the page. Every text that came from the feed or the URL
is escaped.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from signage.stop_page import PageLine, PageMessage, StopPage
from transit.flow.crowding import LABELS

NO_SCRIPT_REFRESH_S = 30


# The page's styles and script are inline: one request, nothing to fetch from a CDN.
_STYLE = """
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;
font-size:20px;line-height:1.4;color:#111;background:#fff}
header{background:#0a5c36;color:#fff;padding:12px 16px}
h1{font-size:30px;margin:0}
.updated{font-size:16px;opacity:.9}
.stale{background:#fde68a;color:#111;padding:8px 16px;font-size:18px}
.notice{background:#fef3c7;border-left:6px solid #b45309;margin:0;padding:10px 16px;font-size:20px}
.until{font-size:15px;color:#555;margin-left:6px}
ul{list-style:none;margin:0;padding:0}
.line{border-bottom:1px solid #ccc;padding:10px 16px}
.name{font-size:26px;font-weight:bold}
.to{font-size:18px;color:#333}
.next{margin:4px 0;font-size:24px}
.bus{display:inline-block;margin-right:18px}
.min{font-weight:bold}
.plan{font-size:15px;border:1px solid #888;border-radius:3px;padding:0 3px;margin-left:4px;color:#555}
.crowd{font-size:15px;margin-left:4px;color:#7c2d12}
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
if(!n.predicted)s.appendChild(el('span','plan','计划 '+n.clock));
if(n.crowding)s.appendChild(el('span','crowd',n.crowding.label));return s}
function notices(d){var box=document.getElementById('messages');box.textContent='';
(d.messages||[]).forEach(function(m){var p=el('p','notice',m.text);
p.appendChild(el('span','until','至 '+m.until));box.appendChild(p)})}
function draw(d){notices(d);var list=document.getElementById('lines');list.textContent='';
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


def _line_item(line: PageLine) -> str:
    if line.next:
        buses = "".join(
            '<span class="bus"><span class="min">'
            + ("即将到站" if n.minutes < 1 else f"{n.minutes} 分钟") + "</span>"
            + ("" if n.predicted else f'<span class="plan">计划 {n.clock}</span>')
            + ("" if n.crowding is None else f'<span class="crowd">{LABELS[n.crowding.status]}</span>') + "</span>"
            for n in line.next
        )
    else:
        buses = f'<span class="none">{"1 小时内暂无车辆" if line.first else "今日无班次"}</span>'
    span = f'<div class="span">首班 {line.first}　末班 {line.last}</div>' if line.first else ""
    return (f'<li class="line" data-route="{escape(line.route_id)}"><span class="name">{escape(line.short_name)}</span>'
            f'<span class="to"> 开往 {escape(line.headsign)}</span><div class="next">{buses}</div>{span}</li>')


def _notice(message: PageMessage) -> str:
    return f'<p class="notice">{escape(message.text)}<span class="until">至 {escape(message.until)}</span></p>'


def _page(title: str, body: str, head: str = "") -> str:
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{title}</title>{head}<style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def render_stop_page(page: StopPage, refresh_s: float) -> str:
    """The whole page, with data, so the first paint needs no script."""
    name = escape(page.name)
    json_url = escape(quote(page.stop_id, safe="") + ".json")
    # Without script the browser reloads the page; with it the page redraws in place.
    head = f'<noscript><meta http-equiv="refresh" content="{NO_SCRIPT_REFRESH_S}"></noscript>'
    body = (
        f'<main id="board" data-json="{json_url}" data-refresh="{refresh_s:g}">'
        f'<header><h1>{name}</h1><div class="updated">更新于 <span id="updated">{page.updated}</span></div></header>'
        '<div id="stale" class="stale" hidden>网络连接中断，显示的是上次更新的信息</div>'
        f'<div id="messages">{"".join(_notice(m) for m in page.messages)}</div>'
        f'<ul id="lines">{"".join(_line_item(line) for line in page.lines)}</ul>'
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
