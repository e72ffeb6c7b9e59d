"""Printable stop posters for the ordinary signs: stop name, the lines boarding
there with their direction and first/last bus, and a QR code to the stop page.

SVG is written by hand (the QR as segno's path); PDF is written by hand too, so
that printing needs no extra library: text uses the PDF viewer's built-in
Simplified Chinese font (STSong-Light, one of the fonts every conforming CJK
viewer provides), so nothing is embedded and the file stays a few kB.
Sizes are in millimetres; the layout is drawn for A4 and scaled for A3.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import segno

from transit.arrivals import StopTimetable
from transit.boards.lines import StopLines
from transit.model.network import Network

A4_MM = (210.0, 297.0)
SIZES = {"A4": A4_MM, "A3": (297.0, 420.0)}
GREEN = "#0a5c36"
QR_MM = 70.0
MM_TO_PT = 72 / 25.4


@dataclass(frozen=True, slots=True)
class PosterLine:
    short_name: str  # the route's, or its id where the feed gives none
    headsign: str
    first: str | None  # HH:MM of the first boarding call on the poster's day; None: no service that day
    last: str | None


@dataclass(frozen=True, slots=True)
class Poster:
    stop_id: str
    name: str
    lines: tuple[PosterLine, ...]
    url: str
    qr: tuple[bytearray, ...]  # segno's matrix, dark modules truthy, no border


def stop_url(base_url: str, stop_id: str) -> str:
    return f"{base_url.rstrip('/')}/s/{quote(stop_id, safe='')}"


def qr_code(url: str) -> segno.QRCode:
    """The poster's QR: error level M at least (segno raises it when that costs nothing)."""
    return segno.make(url, error="m", micro=False)


def build_poster(lines: StopLines, network: Network, stop_id: str, day: date, base_url: str) -> Poster:
    """The poster of ``stop_id`` for service day ``day``: the lines boarding
    there (as on the stop's board) with that day's first and last boarding call."""
    zone = ZoneInfo(network.timezone)
    spans = lines.service_day(stop_id, day).by_line

    def hhmm(t: float) -> str:
        return datetime.fromtimestamp(t, zone).strftime("%H:%M")

    poster_lines = []
    for line in lines.list_lines(stop_id):
        span = spans.get((line.route_id, line.headsign))
        poster_lines.append(PosterLine(line.short_name or line.route_id, line.headsign,
                                       hhmm(span.first) if span else None, hhmm(span.last) if span else None))
    url = stop_url(base_url, stop_id)
    return Poster(stop_id, network.stops[stop_id].name, tuple(poster_lines), url, qr_code(url).matrix)


@dataclass(frozen=True, slots=True)
class _Text:
    x: float
    y: float  # baseline, mm from the top
    size: float  # mm
    text: str
    color: str = "#111"
    bold: bool = False


@dataclass(frozen=True, slots=True)
class _Layout:
    """What to draw on an A4 page, in mm from the top-left: shared by SVG and PDF."""

    texts: tuple[_Text, ...]
    band: tuple[float, float, float, float]  # green header: x, y, w, h
    rules: tuple[float, ...]  # y of thin separators
    qr_at: tuple[float, float, float]  # x, y, module size


def _layout(poster: Poster) -> _Layout:
    width, _ = A4_MM
    texts = [
        _Text(15, 32, 16 if len(poster.name) <= 10 else 160 / len(poster.name), poster.name, "#fff", True),
        _Text(15, 45, 6, f"站点编号 {poster.stop_id}", "#fff"),
        _Text(15, 68, 8, "途经线路", GREEN, True),
    ]
    rows = poster.lines
    row = min(14.0, 120.0 / max(len(rows), 1))
    rules = []
    y = 72.0
    for item in rows:
        size = row * 0.45
        texts.append(_Text(15, y + row * 0.62, size * 1.15, item.short_name, bold=True))
        texts.append(_Text(50, y + row * 0.62, size, f"开往 {item.headsign}"))
        hours = f"首班 {item.first}  末班 {item.last}" if item.first else "当日无班次"
        texts.append(_Text(135, y + row * 0.62, size * 0.85, hours, "#333"))
        y += row
        rules.append(y)
    if not rows:
        texts.append(_Text(15, 84, 6, "本站暂无上客线路"))
    modules = len(poster.qr)
    module = QR_MM / modules
    qr_x, qr_y = 15.0, 205.0
    texts += [
        _Text(95, 222, 9, "扫码查看", GREEN, True),
        _Text(95, 236, 9, "实时到站信息", GREEN, True),
        _Text(95, 250, 5, "手机扫一扫，免下载，免登录"),
        _Text(15, 287, 3.2, poster.url, "#555"),
    ]
    return _Layout(tuple(texts), (0, 0, width, 55), tuple(rules), (qr_x, qr_y, module))


_FONTS = 'system-ui,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC",sans-serif'


def render_svg(poster: Poster, size: str = "A4") -> str:
    """A standalone SVG document of the poster; the QR is segno's path."""
    width, height = SIZES[size]
    layout = _layout(poster)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}mm" height="{height:g}mm" '
        f'viewBox="0 0 {A4_MM[0]:g} {A4_MM[1]:g}" font-family=\'{_FONTS}\'>',
        f"<title>{escape(poster.name)} 站牌</title>",
        f'<rect width="{A4_MM[0]:g}" height="{A4_MM[1]:g}" fill="#fff"/>',
        '<rect x="{:g}" y="{:g}" width="{:g}" height="{:g}" fill="{}"/>'.format(*layout.band, GREEN),
    ]
    parts += [f'<line x1="15" x2="195" y1="{y:.2f}" y2="{y:.2f}" stroke="#bbb" stroke-width="0.3"/>'
              for y in layout.rules]
    for t in layout.texts:
        weight = ' font-weight="bold"' if t.bold else ""
        parts.append(f'<text x="{t.x:g}" y="{t.y:.2f}" font-size="{t.size:.2f}" fill="{t.color}"{weight}>'
                     f"{escape(t.text)}</text>")
    x, y, module = layout.qr_at
    path = re.search(r' d="([^"]+)"', qr_code(poster.url).svg_inline(scale=1, border=0))
    assert path is not None, "segno's SVG has one path"
    parts.append(f'<g id="qr" transform="translate({x:g} {y:g}) scale({module:.5f})">'
                 f'<path d="{path.group(1)}" stroke="#000" fill="none" shape-rendering="crispEdges"/></g>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _pdf_text(text: str) -> str:
    return "<" + text.encode("utf-16-be").hex().upper() + ">"


def _pdf_color(color: str) -> str:
    value = color.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return " ".join(f"{int(value[i:i + 2], 16) / 255:.3f}" for i in (0, 2, 4))


def render_pdf(poster: Poster, size: str = "A4") -> bytes:
    """A one-page PDF of the poster (vector QR, built-in Chinese font)."""
    width, height = SIZES[size]
    scale = width / A4_MM[0] * MM_TO_PT  # A4 millimetres -> PDF points of the page size
    layout = _layout(poster)
    ops = [f"{scale:.5f} 0 0 {-scale:.5f} 0 {height * MM_TO_PT:.3f} cm"]  # mm, y down, like SVG
    ops.append("{} rg {:g} {:g} {:g} {:g} re f".format(_pdf_color(GREEN), *layout.band))
    ops += [f"0.73 0.73 0.73 RG 0.3 w 15 {y:.2f} m 195 {y:.2f} l S" for y in layout.rules]
    x, y, module = layout.qr_at
    ops.append("0 0 0 rg")
    for r, row in enumerate(poster.qr):
        for c, dark in enumerate(row):
            if dark:
                ops.append(f"{x + c * module:.3f} {y + r * module:.3f} {module:.3f} {module:.3f} re")
    ops.append("f")
    for t in layout.texts:
        # Text is drawn upright again inside the y-down page (the font's own y is up).
        render = " 2 Tr 0.03 w" if t.bold else " 0 Tr"
        ops.append(f"BT {_pdf_color(t.color)} rg {_pdf_color(t.color)} RG{render} /F1 {t.size:.2f} Tf "
                   f"1 0 0 -1 {t.x:g} {t.y:.2f} Tm {_pdf_text(t.text)} Tj ET")
    content = zlib.compress("\n".join(ops).encode("ascii"))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width * MM_TO_PT:.2f} {height * MM_TO_PT:.2f}] "
        f"/Resources << /Font << /F1 4 0 R >> >> /Contents 6 0 R >>".encode(),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UTF16-H "
        b"/DescendantFonts [5 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> "
        b"/FontDescriptor 7 0 R /DW 1000 >>",
        f"<< /Length {len(content)} /Filter /FlateDecode >>\nstream\n".encode() + content + b"\nendstream",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] "
        b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def poster_file_name(stop_id: str, fmt: str) -> str:
    """A file name for any stop id: the id percent-encoded, so no two collide."""
    return f"stop-{quote(stop_id, safe='')}.{fmt}"


def write_posters(
    network: Network,
    out: Path,
    *,
    base_url: str,
    day: date,
    size: str = "A4",
    fmt: str = "svg",
    stop_ids: Iterable[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Path]:
    """One poster per stop (every stop unless ``stop_ids``) into ``out``; unknown
    ids raise ``KeyError`` before anything is written."""
    wanted = sorted(network.stops) if stop_ids is None else list(stop_ids)
    unknown = [s for s in wanted if s not in network.stops]
    if unknown:
        raise KeyError(f"no such stop: {', '.join(unknown)}")
    out.mkdir(parents=True, exist_ok=True)
    lines = StopLines(network, StopTimetable(network))
    written = []
    for done, stop_id in enumerate(wanted, start=1):
        poster = build_poster(lines, network, stop_id, day, base_url)
        path = out / poster_file_name(stop_id, fmt)
        if fmt == "pdf":
            path.write_bytes(render_pdf(poster, size))
        else:
            path.write_text(render_svg(poster, size), encoding="utf-8")
        written.append(path)
        if progress is not None:
            progress(done, len(wanted))
    return written
