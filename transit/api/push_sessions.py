"""Live-push sessions, apart from their sockets: what each session subscribed
to, the views the sessions watch and were last sent, the numbered updates a
session was sent (kept for ``resume``), and each hub round's changes.

Every operation returns the messages to send, each with what a full outbox
means for it (``Sent``); ``transit.api.live_push`` delivers them over the
WebSocket. Views come from the stop boards (``transit.boards``) and the live
vehicles (``transit.live.changes``).
"""

from __future__ import annotations

import enum
import secrets
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import orjson

from transit.arrivals import Source
from transit.boards.cache import BoardCache, Reuse
from transit.boards.messages import json_safe
from transit.freshness import LIVE_MAX_AGE_S
from transit.live.changes import (ArrivalRow, MessageRow, VehicleRow, View, ViewKey, ViewKind, line_views,
                                  list_changed, messages_view, stop_view)
from transit.live.tracking import LiveSnapshot
from transit.model.network import Network

MAX_ID_CHARS = 64
# Where an update carries each kind of view.
_SECTION = {ViewKind.STOP: "stops", ViewKind.LINE: "lines", ViewKind.MESSAGES: "messages"}
MAX_IDS_IN_ERROR = 20
# A view shows the current predictions; a board of them made within the
# second (for a stop page, say) is as current as one made now.
PUSH_REUSE = Reuse(1.0)


@dataclass(frozen=True)
class PushLimits:
    interval_s: float = 1.0
    max_subscriptions: int = 200  # stops + lines per session
    outbox_messages: int = 64  # queued for one client before it is a slow reader
    outbox_bytes: int = 256 * 1024
    resume_messages: int = 32  # recent updates a session keeps for ``resume``
    resume_bytes: int = 32 * 1024
    session_ttl_s: float = 120.0  # a disconnected session is resumable this long
    max_sessions: int = 20_000
    max_errors: int = 5  # bad requests before a client is disconnected
    heartbeat_s: float = 20.0  # WebSocket ping interval; a missing pong closes
    max_message_bytes: int = 4 * 1024 * 1024  # from a client: a too long list is refused politely
    close_timeout_s: float = 2.0
    # permessage-deflate keeps a zlib context per connection (~300 kB each with
    # 5,000 clients, measured); updates are a few kB, so it is off by default.
    compress: bool = False


@dataclass
class PushStats:
    clients: int = 0
    sessions: int = 0
    watched_views: int = 0
    updates: int = 0  # update messages queued
    slow_readers: int = 0  # disconnected for not reading
    abusers: int = 0  # disconnected for repeated bad requests
    expired: int = 0  # sessions dropped after their time to live
    last_tick_s: float = 0.0


class Sent(enum.Enum):
    """What a message is, so the sender knows what a full outbox means."""

    REPLY = "reply"  # an answer: dropped if the outbox is full
    ERROR = "error"  # an error answer: a full outbox disconnects the client
    UPDATE = "update"  # a numbered update: a full outbox disconnects a slow reader


Message = tuple[Sent, bytes]


@dataclass(eq=False)
class Session:
    session_id: str
    stops: set[str] = field(default_factory=set)
    lines: set[str] = field(default_factory=set)
    seq: int = 0
    recent: deque[tuple[int, bytes]] = field(default_factory=deque)
    recent_bytes: int = 0
    attached: bool = False  # a client is connected to it
    detached_at: float = 0.0  # monotonic

    def keys(self) -> list[ViewKey]:
        return stop_keys(self.stops) + [(ViewKind.LINE, r) for r in self.lines]

    def remember(self, seq: int, data: bytes, limits: PushLimits) -> None:
        self.recent.append((seq, data))
        self.recent_bytes += len(data)
        while self.recent and (len(self.recent) > limits.resume_messages
                               or self.recent_bytes > limits.resume_bytes):
            self.recent_bytes -= len(self.recent.popleft()[1])


class Subscriptions:
    """The sessions, which views each watches, and the views last sent."""

    def __init__(self, network: Network, boards: BoardCache, limits: PushLimits,
                 monotonic: Callable[[], float]) -> None:
        self._network = network
        self._boards = boards
        self._monotonic = monotonic
        self.limits = limits
        self.sessions: dict[str, Session] = {}
        self._watchers: dict[ViewKey, set[Session]] = {}
        self._views: dict[ViewKey, View] = {}
        self._last_at: float | None = None
        self.stats = PushStats()

    def tally(self) -> PushStats:
        """The counters, with the current numbers of clients, sessions and views."""
        s = self.stats
        s.clients = sum(1 for x in self.sessions.values() if x.attached)
        s.sessions = len(self.sessions)
        s.watched_views = len(self._watchers)
        return s

    def round(self, snapshot: LiveSnapshot, now: float) -> list[tuple[Session, bytes]]:
        """Expire sessions, recompute the watched views: the update each
        session is due, holding its views that changed since the last round."""
        self._expire()
        current = self._compute(self._watchers, snapshot, now)
        changed = list_changed(self._views, current)
        self._views = current
        since, self._last_at = self._last_at, snapshot.at
        if not changed:
            return []
        rendered = {key: _fragment(current[key]) for key in changed}
        by_session: dict[Session, list[ViewKey]] = {}
        for key in changed:
            for session in self._watchers[key]:
                by_session.setdefault(session, []).append(key)
        return [(session, self._update(session, keys, rendered, snapshot.at, since, "change"))
                for session, keys in by_session.items()]

    def subscribe(self, session: Session, stops: list[str], lines: list[str],
                  snapshot: LiveSnapshot, now: float) -> list[Message]:
        cap = self.limits.max_subscriptions
        # Checked before any look-up: a huge request costs nothing but this answer.
        if len(stops) + len(lines) > cap:
            return [error_message("too_many_subscriptions",
                                  f"asked for {len(stops)} stops and {len(lines)} lines; at most {cap} "
                                  "subscriptions per session; nothing was subscribed")]
        network = self._network
        new_stops = {s for s in stops if s in network.stops} - session.stops
        new_lines = {r for r in lines if r in network.routes} - session.lines
        total = len(session.stops) + len(session.lines) + len(new_stops) + len(new_lines)
        if total > cap:
            return [error_message("too_many_subscriptions",
                                  f"this would make {total} subscriptions; at most {cap} per session; "
                                  "nothing was subscribed")]
        sent = []
        unknown_stops = [s for s in stops if s not in network.stops]
        unknown_lines = [r for r in lines if r not in network.routes]
        if unknown_stops:
            sent.append(error_message("unknown_stop", "no such stop ids (ignored)", ids=unknown_stops))
        if unknown_lines:
            sent.append(error_message("unknown_line", "no such line (route) ids (ignored)", ids=unknown_lines))
        session.stops |= new_stops
        session.lines |= new_lines
        added = stop_keys(sorted(new_stops)) + [(ViewKind.LINE, r) for r in sorted(new_lines)]
        self._views.update(self._compute([key for key in added if key not in self._views], snapshot, now))
        for key in added:
            self._watchers.setdefault(key, set()).add(session)
        sent.append((Sent.REPLY, _subscriptions("subscribed", session)))
        if added:
            rendered = {key: _fragment(self._views[key]) for key in added}
            sent.append((Sent.UPDATE, self._update(session, added, rendered, snapshot.at, None, "subscribe")))
        return sent

    def unsubscribe(self, session: Session, stops: list[str], lines: list[str]) -> list[Message]:
        gone = stop_keys(set(stops) & session.stops)
        gone += [(ViewKind.LINE, r) for r in set(lines) & session.lines]
        session.stops -= set(stops)
        session.lines -= set(lines)
        self._unwatch(session, gone)
        return [(Sent.REPLY, _subscriptions("unsubscribed", session))]

    def resume(self, session: Session, after: int, snapshot_at: float) -> list[Message]:
        """What a client resuming ``session`` after update ``after`` is sent:
        the updates it missed, or its full views when they are no longer kept."""
        covered = after >= session.seq or (bool(session.recent) and session.recent[0][0] <= after + 1)
        mode = "replay" if 0 <= after <= session.seq and covered else "full"
        sent = [(Sent.REPLY, orjson.dumps({"type": "resumed", "session": session.session_id, "mode": mode,
                                           "after": after, "last_seq": session.seq}))]
        if mode == "replay":
            return sent + [(Sent.REPLY, data) for seq, data in session.recent if seq > after]
        keys = session.keys()
        rendered = {key: _fragment(self._views[key]) for key in keys}
        at = self._last_at if self._last_at is not None else snapshot_at
        return sent + [(Sent.UPDATE, self._update(session, keys, rendered, at, None, "resume"))]

    def open(self) -> Session | None:
        """A new session; None when there are ``max_sessions`` and every one
        has a client (else the one detached longest is dropped for it)."""
        if len(self.sessions) >= self.limits.max_sessions:
            detached = [s for s in self.sessions.values() if not s.attached]
            if not detached:
                return None
            self.drop(min(detached, key=lambda s: s.detached_at))
        session = Session(secrets.token_urlsafe(16))
        self.sessions[session.session_id] = session
        return session

    def attach(self, session: Session) -> None:
        session.attached = True

    def detach(self, session: Session) -> None:
        session.attached = False
        session.detached_at = self._monotonic()

    def drop(self, session: Session) -> None:
        self._unwatch(session, session.keys())
        self.sessions.pop(session.session_id, None)

    def _update(self, session: Session, keys: Iterable[ViewKey], rendered: Mapping[ViewKey, orjson.Fragment],
                at: float, since: float | None, reason: str) -> bytes:
        session.seq += 1
        body = {"type": "update", "seq": session.seq, "at": at, "since": since, "reason": reason,
                "stops": {}, "lines": {}, "messages": {}}
        for kind, ident in keys:
            body[_SECTION[kind]][ident] = rendered[(kind, ident)]  # type: ignore[index]
        data = orjson.dumps(body)
        session.remember(session.seq, data, self.limits)
        self.stats.updates += 1
        return data

    def _compute(self, keys: Iterable[ViewKey], snapshot: LiveSnapshot, now: float) -> dict[ViewKey, View]:
        views: dict[ViewKey, View] = {}
        lines = []
        for kind, ident in keys:
            if kind is not ViewKind.LINE:
                # The stop's arrivals and its messages come from one board (cached: one build).
                board = self._boards.get(ident, snapshot.predictions, now, PUSH_REUSE, snapshot.crowding)
                views[(kind, ident)] = stop_view(board) if kind is ViewKind.STOP else messages_view(board)
            else:
                lines.append(ident)
        if lines:
            for route_id, view in line_views(snapshot.list_live(now, LIVE_MAX_AGE_S), lines).items():
                views[(ViewKind.LINE, route_id)] = view
        return views

    def _unwatch(self, session: Session, keys: Iterable[ViewKey]) -> None:
        for key in keys:
            watchers = self._watchers.get(key)
            if watchers is None:
                continue
            watchers.discard(session)
            if not watchers:
                del self._watchers[key]
                self._views.pop(key, None)

    def _expire(self) -> None:
        limit = self._monotonic() - self.limits.session_ttl_s
        for session in [s for s in self.sessions.values() if not s.attached and s.detached_at < limit]:
            self.drop(session)
            self.stats.expired += 1


def parse_ids(argument: object) -> tuple[list[str], list[str]] | str:
    """(stops, lines) without duplicates, or what is wrong with the request."""
    if not isinstance(argument, dict) or not set(argument) <= {"stops", "lines"}:
        return 'expected {"stops": [stop ids], "lines": [route ids]}'
    found = []
    for name in ("stops", "lines"):
        ids = argument.get(name, [])
        if not isinstance(ids, list) or not all(isinstance(i, str) and 0 < len(i) <= MAX_ID_CHARS for i in ids):
            return f'"{name}" must be a list of ids (strings of 1 to {MAX_ID_CHARS} characters)'
        found.append(list(dict.fromkeys(ids)))
    return found[0], found[1]


def stop_keys(stops: Iterable[str]) -> list[ViewKey]:
    """A stop's views: its arrivals and its messages."""
    return [(kind, s) for s in stops for kind in (ViewKind.STOP, ViewKind.MESSAGES)]


def error_message(code: str, message: str, ids: list[str] | None = None) -> Message:
    body: dict[str, object] = {"type": "error", "code": code, "message": message}
    if ids is not None:
        body["ids"] = ids[:MAX_IDS_IN_ERROR]
        body["count"] = len(ids)
    return Sent.ERROR, orjson.dumps(body)


def _subscriptions(kind: str, session: Session) -> bytes:
    return orjson.dumps({"type": kind, "stops": sorted(session.stops), "lines": sorted(session.lines)})


def _fragment(view: View) -> orjson.Fragment:
    """A view as JSON, rendered once per change whoever receives it
    (``<>&`` escaped: a message is user input)."""
    return orjson.Fragment(json_safe(orjson.dumps([_row(r) for r in view])))


def _row(row: ArrivalRow | VehicleRow | MessageRow) -> dict[str, object]:
    if isinstance(row, MessageRow):
        return {"message_id": row.message_id, "text": row.text, "expires_at": row.expires_at}
    if isinstance(row, ArrivalRow):
        return {"line": row.route_id, "headsign": row.headsign, "trip": row.trip_id, "time": row.time,
                "predicted": row.source is Source.PREDICTED, "crowding": row.crowding}
    return {"vehicle": row.vehicle_id, "trip": row.trip_id, "direction": row.direction_id,
            "next_stop": row.next_stop_id, "delay_s": row.delay_s}
