"""What a stop sign shows of a stop board, and its three renderings: compact
JSON, fixed-width GB2312 LED text, and a Chinese voice text for the sign's speaker.

Pure: ``sign_board`` turns the board (``transit.boards``: what a stop shows)
into a sign's rows; ``render_*`` turn those into bytes. A time from the
timetable is always marked (``scheduled_only``, "计划") and shown as a clock
time, never as a countdown that would freeze. A sign operator's message
(user input) goes into the JSON with ``<>&`` escaped, and onto the LED's
bottom rows and into the voice as plain text (no markup is read there;
control characters never get in, ``transit.boards.messages``).
"""

from __future__ import annotations

import enum
import hashlib
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import orjson

from transit.arrivals import Arrival, Source
from transit.boards.board import StopBoard, StopMessage
from transit.boards.lines import ServiceSpan
from transit.boards.messages import json_safe
from transit.flow.crowding import LABELS, Crowding, crowding_json, is_crowded
from transit.model.network import Network

ARRIVING_S = 60.0  # at most this far away: "arriving"
JUST_LEFT_S = 60.0  # predicted at this stop within this long ago: "just left"
PER_LINE = 3  # arrivals shown per line
LAST_BUS_NOTICE_S = 3600.0  # announce the last bus when it is this close


class ArrivalState(enum.StrEnum):
    COMING = "coming"
    ARRIVING = "arriving"
    JUST_LEFT = "just_left"


class Notice(enum.StrEnum):
    FIRST_BUS = "first_bus"  # before service: when the first bus comes
    LAST_BUS = "last_bus"  # the last bus is within the hour
    SERVICE_OVER = "service_over"  # the last bus has gone


@dataclass(frozen=True, slots=True)
class SignArrival:
    minutes: int  # whole minutes to go (0 when arriving or just left)
    time: float  # Unix s, predicted or, when ``scheduled_only``, scheduled
    state: ArrivalState
    scheduled_only: bool  # no live bus: the timetable's time ("计划")
    vehicle_id: str | None
    crowding: Crowding | None = None  # the bus's load now; None: no estimate


@dataclass(frozen=True, slots=True)
class LineNotice:
    kind: Notice
    time: float | None  # the first or last bus, Unix s
    text: str  # "首班车 06:00", "末班车 22:30", "末班车已过"


@dataclass(frozen=True, slots=True)
class SignLine:
    route_id: str
    line: str  # short name, "1路"
    headsign: str
    arrivals: tuple[SignArrival, ...]
    notice: LineNotice | None


@dataclass(frozen=True, slots=True)
class SignBoard:
    stop_id: str
    stop_name: str
    at: float
    lines: tuple[SignLine, ...]
    messages: tuple[StopMessage, ...] = ()  # newest first


@dataclass(frozen=True, slots=True)
class Rendered:
    body: bytes
    etag: str  # a strong HTTP entity tag: the hash of ``body``, quoted
    content_type: str


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def sign_board(board: StopBoard, network: Network) -> SignBoard:
    """A sign's rows: one per route boarding here, under its usual headsign,
    with the next ``PER_LINE`` arrivals of all its trips (and a bus that just
    left) and a first/last-bus notice; then one per route that only ends or
    detours here, by route id."""
    by_route: dict[str, list[Arrival]] = defaultdict(list)
    for a in board.arrivals:
        by_route[a.route_id].append(a)
    spans = _service_spans(board)
    timezone = network.timezone
    rows: list[SignLine] = []
    for line in (lb.line for lb in board.lines if lb.line.usual):
        rows.append(_sign_line(line.route_id, line.short_name, line.headsign, by_route.pop(line.route_id, []),
                               spans.get(line.route_id), board.at, timezone))
    for route_id in sorted(by_route):
        found = by_route[route_id]
        rows.append(_sign_line(route_id, network.routes[route_id].short_name, found[0].headsign, found,
                               spans.get(route_id), board.at, timezone))
    return SignBoard(board.stop_id, board.stop_name, board.at, tuple(rows), board.messages)


def _sign_line(route_id: str, short_name: str, headsign: str, arrivals: list[Arrival],
               span: ServiceSpan | None, now: float, timezone: str) -> SignLine:
    shown = []
    just_left = [a for a in arrivals if a.time < now]
    if just_left:  # only the latest bus that left is worth a line
        shown.append(_sign_arrival(just_left[-1], now))
    shown.extend(_sign_arrival(a, now) for a in arrivals if a.time >= now)
    return SignLine(route_id, short_name, headsign, tuple(shown[:PER_LINE]), _notice(span, now, timezone))


def _sign_arrival(arrival: Arrival, now: float) -> SignArrival:
    to_go = arrival.time - now
    if to_go < 0:
        state = ArrivalState.JUST_LEFT
    elif to_go <= ARRIVING_S:
        state = ArrivalState.ARRIVING
    else:
        state = ArrivalState.COMING
    minutes = int(to_go // 60) if state is ArrivalState.COMING else 0
    return SignArrival(minutes, arrival.time, state, arrival.source is Source.SCHEDULED, arrival.vehicle_id,
                       arrival.crowding)


def _service_spans(board: StopBoard) -> Mapping[str, ServiceSpan]:
    """route -> first and last call of the calendar day of the board: the
    day before's while its night trips (past 24:00) are still to come. A sign
    announces the next first bus from midnight on, where the service day (and
    the stop page) turns only at 03:00."""
    day_before, today = board.service_days
    spans = dict(today.by_route)
    for route_id, span in day_before.by_route.items():
        if span.last >= board.at - JUST_LEFT_S:
            spans[route_id] = span
    return spans


def _notice(span: ServiceSpan | None, now: float, timezone: str) -> LineNotice | None:
    if span is None:
        return None
    if now < span.first:
        return LineNotice(Notice.FIRST_BUS, span.first, f"首班车 {clock_text(span.first, timezone)}")
    if now <= span.last <= now + LAST_BUS_NOTICE_S:
        return LineNotice(Notice.LAST_BUS, span.last, f"末班车 {clock_text(span.last, timezone)}")
    if span.last < now:
        return LineNotice(Notice.SERVICE_OVER, span.last, "末班车已过")
    return None


def clock_text(instant: float, timezone: str) -> str:
    return datetime.fromtimestamp(instant, ZoneInfo(timezone)).strftime("%H:%M")


# JSON --------------------------------------------------------------------------------

def render_json(board: SignBoard, sign_id: str) -> Rendered:
    body = orjson.dumps({
        "sign_id": sign_id,
        "stop_id": board.stop_id,
        "stop_name": board.stop_name,
        "at": int(board.at // 60 * 60),  # the minute it holds: a poll within it may get a 304
        "lines": [
            {
                "route_id": line.route_id,
                "line": line.line,
                "headsign": line.headsign,
                "arrivals": [
                    {"minutes": a.minutes, "time": int(a.time), "state": a.state.value,
                     "scheduled": a.scheduled_only, "vehicle_id": a.vehicle_id,
                     "crowding": crowding_json(a.crowding)}
                    for a in line.arrivals
                ],
                "notice": None if line.notice is None else {
                    "kind": line.notice.kind.value,
                    "time": None if line.notice.time is None else int(line.notice.time),
                    "text": line.notice.text,
                },
            }
            for line in board.lines
        ],
        "messages": [{"message_id": m.message_id, "text": m.text, "expires_at": int(m.expires_at)}
                     for m in board.messages],
    })
    if board.messages:
        body = json_safe(body)
    return Rendered(body, etag_of(body), "application/json")


# LED ---------------------------------------------------------------------------------

LED_ENCODING = "gb2312"
LED_UNKNOWN = "?"  # stands for a character GB2312 lacks


def char_width(char: str) -> int:
    """Columns ``char`` takes on an LED controller: its GB2312 byte count (a
    Chinese character 2, ASCII 1); a character outside GB2312 is drawn as '?'."""
    try:
        return len(char.encode(LED_ENCODING))
    except UnicodeEncodeError:
        return 1


def led_safe(text: str) -> str:
    """``text`` with characters GB2312 cannot encode (or control characters)
    replaced by '?'."""
    return "".join(c if c.isprintable() and _encodable(c) else LED_UNKNOWN for c in text)


def _encodable(char: str) -> bool:
    try:
        char.encode(LED_ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def display_width(text: str) -> int:
    return sum(char_width(c) for c in text)


def fit(text: str, columns: int, align_right: bool = False) -> str:
    """``text`` cut to at most ``columns`` display columns without splitting a
    character, then padded with spaces to exactly ``columns``."""
    text = led_safe(text)
    kept, width = [], 0
    for char in text:
        w = char_width(char)
        if width + w > columns:
            break
        kept.append(char)
        width += w
    pad = " " * (columns - width)
    return pad + "".join(kept) if align_right else "".join(kept) + pad


def _led_status(line: SignLine, timezone: str) -> str:
    upcoming = [a for a in line.arrivals if a.state is not ArrivalState.JUST_LEFT]
    if upcoming:
        a = upcoming[0]
        if a.scheduled_only:
            return f"计划{clock_text(a.time, timezone)}"
        # A crowded bus gets its word after the time ("3分钟 拥挤"): riders may
        # wait for the next one. Fewer riders need no mark on a short row.
        mark = f" {LABELS[a.crowding.status]}" if a.crowding is not None and is_crowded(a.crowding) else ""
        if a.state is ArrivalState.ARRIVING:
            return "即将进站" + mark
        return f"{a.minutes}分钟" + mark
    if line.arrivals:
        return "刚离站"
    if line.notice is not None:
        return line.notice.text.replace(" ", "")
    return "暂无车辆"


ELLIPSIS = "…"  # in GB2312 (A1AD): two columns


def message_rows(text: str, columns: int, rows: int) -> list[str]:
    """``text`` wrapped into at most ``rows`` rows of ``columns`` display
    columns (never half a character); what does not fit is cut with '…'."""
    out: list[str] = []
    rest = led_safe(text)
    while rest and len(out) < rows:
        kept, width = 0, 0
        while kept < len(rest) and width + char_width(rest[kept]) <= columns:
            width += char_width(rest[kept])
            kept += 1
        if kept == 0:
            break
        row, rest = rest[:kept], rest[kept:]
        if rest and len(out) == rows - 1:
            while display_width(row) + char_width(ELLIPSIS) > columns and row:
                row = row[:-1]
            row += ELLIPSIS
        out.append(fit(row, columns))
    return out


def led_lines(board: SignBoard, columns: int, rows: int, timezone: str) -> list[str]:
    """``rows`` lines of exactly ``columns`` display columns each: one bus line
    a row ("1路 七一路口    3分钟"), the status right-aligned; lines beyond
    ``rows`` are left off, blank rows fill the rest. The newest message, if
    any, takes the bottom rows (all but the first; the only one on a
    one-row sign)."""
    notice = message_rows(board.messages[0].text, columns, max(1, rows - 1)) if board.messages and rows else []
    rows -= len(notice)
    out = []
    for line in board.lines[:rows]:
        status = _led_status(line, timezone)
        right = fit(status, min(display_width(led_safe(status)), columns))
        left_width = max(0, columns - display_width(right) - 1)
        left = fit(f"{line.line} {line.headsign}", left_width)
        out.append(fit(left + " " + right if left_width else right, columns))
    if not out and rows:
        out.append(fit(board.stop_name, columns))
    out.extend(" " * columns for _ in range(rows - len(out)))
    return out + notice


def render_led(board: SignBoard, columns: int, rows: int, timezone: str) -> Rendered:
    """LED text encoded in GB2312, rows separated by CR LF."""
    body = "\r\n".join(led_lines(board, columns, rows, timezone)).encode(LED_ENCODING)
    return Rendered(body, etag_of(body), f"text/plain; charset={LED_ENCODING}")


# Voice -------------------------------------------------------------------------------

def voice_text(board: SignBoard, timezone: str) -> str:
    """What the speaker says: the messages, then the next bus of every line, in Chinese."""
    phrases = [f"乘客请注意：{m.text.rstrip('。.！!')}" for m in board.messages]
    for line in board.lines:
        upcoming = [a for a in line.arrivals if a.state is not ArrivalState.JUST_LEFT]
        head = f"{line.line} 开往 {line.headsign}"
        if upcoming:
            a = upcoming[0]
            if a.scheduled_only:
                phrases.append(f"{head} 计划{clock_text(a.time, timezone)}到站")
            elif a.state is ArrivalState.ARRIVING:
                phrases.append(f"{head} 即将进站{_voice_crowding(a)}")
            else:
                phrases.append(f"{head} 还有{a.minutes}分钟到站{_voice_crowding(a)}")
        elif line.notice is not None:
            phrases.append(f"{head} {line.notice.text}")
    return "。".join(phrases) + ("。" if phrases else "")


def _voice_crowding(arrival: SignArrival) -> str:
    if arrival.crowding is None or not is_crowded(arrival.crowding):
        return ""
    return f"，车内{LABELS[arrival.crowding.status]}"


def render_voice(board: SignBoard, timezone: str) -> Rendered:
    body = voice_text(board, timezone).encode()
    return Rendered(body, etag_of(body), "text/plain; charset=utf-8")
