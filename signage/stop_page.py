"""What the stop page behind a QR code shows of a stop board, and its JSON.

Pure: the board (``transit.boards``: what a stop shows) comes in; the page's
rows come out, one per line and direction boarding at the stop, under the
sign operators' messages showing there (user input: escaped in the JSON too).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import orjson

from transit.arrivals import Source
from transit.boards.board import StopBoard
from transit.boards.messages import json_safe
from transit.flow.crowding import Crowding, crowding_json

ARRIVALS_PER_LINE = 3
# A bus predicted this long ago is still shown, as arriving: it may be at the stop.
STILL_HERE_S = 30.0


@dataclass(frozen=True, slots=True)
class NextBus:
    minutes: int  # whole minutes to go, 0 = arriving now
    predicted: bool  # else the timetable's time ("计划")
    clock: str  # HH:MM local
    crowding: Crowding | None = None  # the bus's load now; None: no estimate


@dataclass(frozen=True, slots=True)
class PageLine:
    route_id: str
    short_name: str  # the route's, or its id where the feed gives none
    headsign: str
    first: str | None  # HH:MM of the service day's first and last call here; None: no service that day
    last: str | None
    next: tuple[NextBus, ...]


@dataclass(frozen=True, slots=True)
class PageMessage:
    message_id: int
    text: str
    until: str  # HH:MM local: when it expires


@dataclass(frozen=True, slots=True)
class StopPage:
    stop_id: str
    name: str
    updated: str  # HH:MM:SS local, of the board's instant
    at: float
    lines: tuple[PageLine, ...]
    messages: tuple[PageMessage, ...] = ()  # newest first


def stop_page(board: StopBoard, timezone: str) -> StopPage:
    """Per line and direction boarding here: the next buses (live where
    tracked, else the timetable) and the first and last of the service day
    the board's instant is in."""
    zone = ZoneInfo(timezone)

    def hhmm(t: float) -> str:
        return datetime.fromtimestamp(t, zone).strftime("%H:%M")

    now = board.at
    spans = next(d for d in board.service_days if d.day == board.service_day).by_route
    lines: list[PageLine] = []
    for line_board in board.lines:
        line = line_board.line
        span = spans.get(line.route_id)
        shown = [a for a in line_board.arrivals if a.time >= now - STILL_HERE_S][:ARRIVALS_PER_LINE]
        buses = tuple(NextBus(max(0, math.floor((a.time - now) / 60)), a.source is Source.PREDICTED, hhmm(a.time),
                              a.crowding)
                      for a in shown)
        lines.append(PageLine(line.route_id, line.short_name or line.route_id, line.headsign,
                              hhmm(span.first) if span else None, hhmm(span.last) if span else None, buses))
    updated = datetime.fromtimestamp(now, zone).strftime("%H:%M:%S")
    messages = tuple(PageMessage(m.message_id, m.text, hhmm(m.expires_at)) for m in board.messages)
    return StopPage(board.stop_id, board.stop_name, updated, now, tuple(lines), messages)


def page_json(page: StopPage) -> bytes:
    body = orjson.dumps({
        "stop_id": page.stop_id,
        "name": page.name,
        "updated": page.updated,
        "at": page.at,
        "lines": [
            {"route_id": line.route_id, "line": line.short_name, "headsign": line.headsign,
             "first": line.first, "last": line.last,
             "next": [{"minutes": n.minutes, "predicted": n.predicted, "clock": n.clock,
                       "crowding": crowding_json(n.crowding)} for n in line.next]}
            for line in page.lines
        ],
        "messages": [{"message_id": m.message_id, "text": m.text, "until": m.until} for m in page.messages],
    })
    return json_safe(body) if page.messages else body
