"""What a live-push client sees of a stop or a line, and which of those views
changed between two moments.

A view holds only what a client shows, rounded so that a prediction moving by
a few seconds does not count as a change: a stop's view is its next arrivals
(line, headsign, trip, time rounded to ``ROUND_S``, predicted or timetable,
the bus's crowding status: a new percentage within it is no change);
a line's view is its live vehicles (trip, direction, next stop, delay rounded
to ``ROUND_S``); a stop's messages view is the sign operators' messages
showing there (a new one, and one expired or withdrawn, is a change).
Views are plain tuples, so "changed" is ``!=``.
Pure: the stop's board (``transit.boards``) and the vehicles come in as arguments.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from transit.arrivals import Source
from transit.boards.board import StopBoard
from transit.tracking.state import VehicleState

ROUND_S = 30  # times and delays are shown to the half minute
ROWS_PER_STOP = 12  # a stop view lists at most this many arrivals


class ViewKind(enum.StrEnum):
    STOP = "stop"
    LINE = "line"
    MESSAGES = "messages"  # a stop's messages: watched with the stop


ViewKey = tuple[ViewKind, str]  # (kind, stop id or route id)


@dataclass(frozen=True, slots=True)
class ArrivalRow:
    route_id: str
    headsign: str
    trip_id: str
    time: int  # Unix seconds, rounded to ROUND_S
    source: Source
    crowding: str | None = None  # the bus's occupancy status, lower case; None: no estimate


@dataclass(frozen=True, slots=True)
class VehicleRow:
    vehicle_id: str
    trip_id: str
    direction_id: int
    next_stop_id: str | None
    delay_s: int | None  # rounded to ROUND_S; positive: late


@dataclass(frozen=True, slots=True)
class MessageRow:
    message_id: int
    text: str  # user input: escaped for JSON where it is rendered
    expires_at: int  # Unix seconds


StopView = tuple[ArrivalRow, ...]
LineView = tuple[VehicleRow, ...]
MessagesView = tuple[MessageRow, ...]
View = StopView | LineView | MessagesView


def round_s(seconds: float) -> int:
    return int(round(seconds / ROUND_S)) * ROUND_S


def stop_view(board: StopBoard, rows: int = ROWS_PER_STOP) -> StopView:
    """The next ``rows`` arrivals of a stop's board as a client shows them."""
    return tuple(ArrivalRow(a.route_id, a.headsign, a.trip_id, round_s(a.time), a.source,
                            None if a.crowding is None else a.crowding.status.name.lower())
                 for a in board.arrivals[:rows])


def messages_view(board: StopBoard) -> MessagesView:
    """The messages showing at a stop, newest first, as the app shows them
    (those sent to one of its signs too)."""
    return tuple(MessageRow(m.message_id, m.text, round(m.expires_at)) for m in board.messages)


def line_views(vehicles: Iterable[VehicleState], route_ids: Collection[str]) -> dict[str, LineView]:
    """The view of each line in ``route_ids`` (empty when no bus runs it), from
    the live vehicles (already filtered for age), in one pass over them."""
    found: dict[str, list[VehicleRow]] = {route_id: [] for route_id in route_ids}
    for v in vehicles:
        if v.trip is None or v.trip.route_id not in found:
            continue
        delay = None if v.delay_s is None else round_s(v.delay_s)
        found[v.trip.route_id].append(
            VehicleRow(v.vehicle_id, v.trip.trip_id, v.trip.direction_id, v.stop_id, delay))
    return {route_id: tuple(sorted(rows, key=lambda r: r.vehicle_id)) for route_id, rows in found.items()}


def list_changed(previous: Mapping[ViewKey, View], current: Mapping[ViewKey, View]) -> list[ViewKey]:
    """Keys of ``current`` whose view differs from ``previous`` (or is new there)."""
    return [key for key, view in current.items() if previous.get(key) != view]
