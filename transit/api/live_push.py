"""Live push over WebSocket: ``GET /live``.

A client subscribes to stops and lines and is sent what changed in their
views (``transit.live.changes``), never the same state twice. One hub task
wakes every ``interval_s``, reads the newest live snapshot, recomputes only
the views someone watches and queues, for each session, one ``update``
holding the views of its subscriptions that changed: a view that changed
several times within an interval is sent once, in its latest state.

Protocol (JSON text frames; the whole of it is in docs/live-push.md):

- server -> client: ``hello`` (session id, limits) on connect; ``update``
  ``{"type": "update", "seq": n, "at": t, "since": t0, "reason": ...,
  "stops": {id: [...]}, "lines": {id: [...]}}``, ``seq`` numbering a session's
  updates 1, 2, 3... without gaps (``at``: the snapshot's clock; the changes
  happened after ``since``); replies ``subscribed``, ``unsubscribed``,
  ``resumed``, ``error`` (not numbered: they answer a request).
- client -> server: ``{"subscribe": {"stops": [...], "lines": [...]}}``,
  ``{"unsubscribe": {...}}``, ``{"resume": {"session": id, "after": seq}}``.

Memory stays bounded: each client has a bounded outbox (a reader that falls
behind it is disconnected, the hub never waits for a socket), each session a
bounded buffer of recent updates kept ``session_ttl_s`` after a disconnect
for ``resume``, and there are at most ``max_sessions`` sessions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import orjson
from aiohttp import WSMsgType, web

from transit.arrivals import Source, StopTimetable
from transit.live.changes import (
    ArrivalRow,
    View,
    ViewKey,
    ViewKind,
    VehicleRow,
    line_views,
    list_changed,
    stop_view,
)
from transit.freshness import LIVE_MAX_AGE_S
from transit.live.tracking import LiveSnapshot
from transit.model.network import Network

_log = logging.getLogger(__name__)

MAX_ID_CHARS = 64
MAX_IDS_IN_ERROR = 20
CLOSE_SLOW = 4008  # application close codes (4000-4999)
CLOSE_ABUSE = 4009
CLOSE_TAKEN = 4010
CLOSE_FULL = 4013


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


@dataclass(eq=False)
class _Client:
    ws: web.WebSocketResponse
    transport: asyncio.BaseTransport | None
    limits: PushLimits
    session: _Session | None = None
    outbox: deque[bytes] = field(default_factory=deque)
    queued_bytes: int = 0
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    writer: asyncio.Task[None] | None = None
    errors: int = 0
    closing: bool = False

    def offer(self, data: bytes) -> bool:
        """Queue ``data``; False when the outbox is over its bound (a slow reader)."""
        if self.closing:
            return True
        if len(self.outbox) >= self.limits.outbox_messages or \
                self.queued_bytes + len(data) > self.limits.outbox_bytes:
            return False
        self.outbox.append(data)
        self.queued_bytes += len(data)
        self.wake.set()
        return True

    async def write(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self.outbox:
                data = self.outbox.popleft()
                self.queued_bytes -= len(data)
                await self.ws.send_frame(data, WSMsgType.TEXT)


@dataclass(eq=False)
class _Session:
    session_id: str
    stops: set[str] = field(default_factory=set)
    lines: set[str] = field(default_factory=set)
    seq: int = 0
    recent: deque[tuple[int, bytes]] = field(default_factory=deque)
    recent_bytes: int = 0
    client: _Client | None = None
    detached_at: float = 0.0  # monotonic

    def keys(self) -> list[ViewKey]:
        return [(ViewKind.STOP, s) for s in self.stops] + [(ViewKind.LINE, r) for r in self.lines]

    def remember(self, seq: int, data: bytes, limits: PushLimits) -> None:
        self.recent.append((seq, data))
        self.recent_bytes += len(data)
        while self.recent and (len(self.recent) > limits.resume_messages
                               or self.recent_bytes > limits.resume_bytes):
            self.recent_bytes -= len(self.recent.popleft()[1])


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


class PushHub:
    """Sessions, their subscriptions and the views they watch. ``run`` is the
    one task that computes and fans out changes; handlers only queue replies."""

    def __init__(self, network: Network, timetable: StopTimetable, snapshot: Callable[[], LiveSnapshot],
                 clock: Callable[[], float], limits: PushLimits,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._network = network
        self._timetable = timetable
        self._snapshot = snapshot
        self._clock = clock
        self._monotonic = monotonic
        self.limits = limits
        self._sessions: dict[str, _Session] = {}
        self._watchers: dict[ViewKey, set[_Session]] = {}
        self._views: dict[ViewKey, View] = {}
        self._last_at: float | None = None
        self._closers: set[asyncio.Task[None]] = set()
        self._stats = PushStats()

    def stats(self) -> PushStats:
        s = self._stats
        s.clients = sum(1 for x in self._sessions.values() if x.client is not None)
        s.sessions = len(self._sessions)
        s.watched_views = len(self._watchers)
        return s

    async def run(self) -> None:
        """Every ``interval_s``, send each session the views of its
        subscriptions that changed. Runs until cancelled."""
        while True:
            started = time.perf_counter()
            self.tick()
            elapsed = time.perf_counter() - started
            self._stats.last_tick_s = elapsed
            await asyncio.sleep(max(0.0, self.limits.interval_s - elapsed))

    def tick(self) -> None:
        """One round: expire sessions, recompute watched views, queue changes."""
        self._expire()
        snapshot, now = self._snapshot(), self._clock()
        current = self._compute(self._watchers, snapshot, now)
        changed = list_changed(self._views, current)
        self._views = current
        since, self._last_at = self._last_at, snapshot.at
        if not changed:
            return
        rendered = {key: _fragment(current[key]) for key in changed}
        by_session: dict[_Session, list[ViewKey]] = {}
        for key in changed:
            for session in self._watchers[key]:
                by_session.setdefault(session, []).append(key)
        for session, keys in by_session.items():
            self._publish(session, keys, rendered, snapshot.at, since, "change")

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """``GET /live``: the WebSocket of one client."""
        ws = web.WebSocketResponse(heartbeat=self.limits.heartbeat_s,
                                   max_msg_size=self.limits.max_message_bytes,
                                   compress=self.limits.compress)
        await ws.prepare(request)
        session = self._new_session()
        if session is None:
            await ws.close(code=CLOSE_FULL, message=b"too many sessions, try again later")
            return ws
        client = _Client(ws, request.transport, self.limits)
        client.writer = asyncio.create_task(client.write())
        self._attach(session, client)
        client.offer(orjson.dumps({
            "type": "hello", "session": session.session_id,
            "interval_s": self.limits.interval_s, "heartbeat_s": self.limits.heartbeat_s,
            "max_subscriptions": self.limits.max_subscriptions,
        }))
        try:
            async for message in ws:
                if client.closing:
                    break
                if message.type is WSMsgType.TEXT:
                    self._on_request(client, message.data)
                else:
                    self._error(client, "bad_request", "send JSON text frames", abuse=True)
                if client.errors >= self.limits.max_errors:
                    self._stats.abusers += 1
                    closing = self._kick(client, CLOSE_ABUSE, "too many bad requests")
                    if closing is not None:
                        await asyncio.gather(closing, return_exceptions=True)
                    break
        finally:
            if not client.closing:
                client.closing = True
                self._detach(client)
                await _stop(client.writer)
        return ws

    async def close_all(self, _app: web.Application | None = None) -> None:
        """Close every connection (the service is shutting down)."""
        for session in list(self._sessions.values()):
            if session.client is not None:
                self._kick(session.client, 1001, "server shutting down")
        if self._closers:
            await asyncio.gather(*self._closers, return_exceptions=True)

    # requests

    def _on_request(self, client: _Client, text: str) -> None:
        try:
            request = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            self._error(client, "malformed_json", f"not JSON: {exc}", abuse=True)
            return
        if not isinstance(request, dict) or len(request) != 1:
            self._error(client, "bad_request",
                        'send one of {"subscribe": ...}, {"unsubscribe": ...}, {"resume": ...}', abuse=True)
            return
        ((verb, argument),) = request.items()
        if verb in ("subscribe", "unsubscribe"):
            ids = _parse_ids(argument)
            if isinstance(ids, str):
                self._error(client, "bad_request", ids, abuse=True)
            elif verb == "subscribe":
                self._subscribe(client, *ids)
            else:
                self._unsubscribe(client, *ids)
        elif verb == "resume":
            if not isinstance(argument, dict) or not isinstance(argument.get("session"), str) \
                    or type(argument.get("after")) is not int:
                self._error(client, "bad_request", 'resume needs {"session": str, "after": int}', abuse=True)
            else:
                self._resume(client, argument["session"], argument["after"])
        else:
            self._error(client, "bad_request", f"unknown request {verb!r}", abuse=True)

    def _subscribe(self, client: _Client, stops: list[str], lines: list[str]) -> None:
        session = client.session
        assert session is not None
        cap = self.limits.max_subscriptions
        # Checked before any look-up: a huge request costs nothing but this answer.
        if len(stops) + len(lines) > cap:
            self._error(client, "too_many_subscriptions",
                        f"asked for {len(stops)} stops and {len(lines)} lines; at most {cap} "
                        "subscriptions per session; nothing was subscribed")
            return
        unknown_stops = [s for s in stops if s not in self._network.stops]
        unknown_lines = [r for r in lines if r not in self._network.routes]
        new_stops = {s for s in stops if s in self._network.stops} - session.stops
        new_lines = {r for r in lines if r in self._network.routes} - session.lines
        total = len(session.stops) + len(session.lines) + len(new_stops) + len(new_lines)
        if total > cap:
            self._error(client, "too_many_subscriptions",
                        f"this would make {total} subscriptions; at most {cap} per session; "
                        "nothing was subscribed")
            return
        if unknown_stops:
            self._error(client, "unknown_stop", "no such stop ids (ignored)", ids=unknown_stops)
        if unknown_lines:
            self._error(client, "unknown_line", "no such line (route) ids (ignored)", ids=unknown_lines)
        session.stops |= new_stops
        session.lines |= new_lines
        added = [(ViewKind.STOP, s) for s in sorted(new_stops)] + [(ViewKind.LINE, r) for r in sorted(new_lines)]
        missing = [key for key in added if key not in self._views]
        snapshot = self._snapshot()
        self._views.update(self._compute(missing, snapshot, self._clock()))
        for key in added:
            self._watchers.setdefault(key, set()).add(session)
        client.offer(_subscriptions("subscribed", session))
        if added:
            rendered = {key: _fragment(self._views[key]) for key in added}
            self._publish(session, added, rendered, snapshot.at, None, "subscribe")

    def _unsubscribe(self, client: _Client, stops: list[str], lines: list[str]) -> None:
        session = client.session
        assert session is not None
        gone = [(ViewKind.STOP, s) for s in set(stops) & session.stops]
        gone += [(ViewKind.LINE, r) for r in set(lines) & session.lines]
        session.stops -= set(stops)
        session.lines -= set(lines)
        self._unwatch(session, gone)
        client.offer(_subscriptions("unsubscribed", session))

    def _resume(self, client: _Client, session_id: str, after: int) -> None:
        old = self._sessions.get(session_id)
        if old is None:
            self._error(client, "unknown_session",
                        f"session {session_id[:40]!r} is unknown or expired; subscribe again")
            return
        fresh = client.session
        if old is not fresh:
            if old.client is not None:
                self._kick(old.client, CLOSE_TAKEN, "session resumed on another connection")
            assert fresh is not None
            self._detach(client)
            self._drop(fresh)
            self._attach(old, client)
        covered = after >= old.seq or (bool(old.recent) and old.recent[0][0] <= after + 1)
        mode = "replay" if 0 <= after <= old.seq and covered else "full"
        client.offer(orjson.dumps({"type": "resumed", "session": old.session_id, "mode": mode,
                                   "after": after, "last_seq": old.seq}))
        if mode == "replay":
            for seq, data in old.recent:
                if seq > after:
                    client.offer(data)
        else:
            keys = old.keys()
            rendered = {key: _fragment(self._views[key]) for key in keys}
            at = self._last_at if self._last_at is not None else self._snapshot().at
            self._publish(old, keys, rendered, at, None, "resume")

    def _error(self, client: _Client, code: str, message: str, *, abuse: bool = False,
               ids: list[str] | None = None) -> None:
        body: dict[str, object] = {"type": "error", "code": code, "message": message}
        if ids is not None:
            body["ids"] = ids[:MAX_IDS_IN_ERROR]
            body["count"] = len(ids)
        client.errors += abuse
        if not client.offer(orjson.dumps(body)):
            self._kick(client, CLOSE_SLOW, "slow reader")

    # sessions and fan-out

    def _publish(self, session: _Session, keys: Iterable[ViewKey], rendered: Mapping[ViewKey, orjson.Fragment],
                 at: float, since: float | None, reason: str) -> None:
        session.seq += 1
        body = {"type": "update", "seq": session.seq, "at": at, "since": since, "reason": reason,
                "stops": {}, "lines": {}}
        for kind, ident in keys:
            body["stops" if kind is ViewKind.STOP else "lines"][ident] = rendered[(kind, ident)]  # type: ignore[index]
        data = orjson.dumps(body)
        session.remember(session.seq, data, self.limits)
        self._stats.updates += 1
        client = session.client
        if client is not None and not client.offer(data):
            self._stats.slow_readers += 1
            self._kick(client, CLOSE_SLOW, "slow reader: messages were not read in time")

    def _compute(self, keys: Iterable[ViewKey], snapshot: LiveSnapshot, now: float) -> dict[ViewKey, View]:
        views: dict[ViewKey, View] = {}
        lines = []
        for kind, ident in keys:
            if kind is ViewKind.STOP:
                views[(kind, ident)] = stop_view(self._network, self._timetable, snapshot.predictions, ident, now)
            else:
                lines.append(ident)
        if lines:
            for route_id, view in line_views(snapshot.list_live(now, LIVE_MAX_AGE_S), lines).items():
                views[(ViewKind.LINE, route_id)] = view
        return views

    def _new_session(self) -> _Session | None:
        if len(self._sessions) >= self.limits.max_sessions:
            detached = [s for s in self._sessions.values() if s.client is None]
            if not detached:
                return None
            self._drop(min(detached, key=lambda s: s.detached_at))
        session = _Session(secrets.token_urlsafe(16))
        self._sessions[session.session_id] = session
        return session

    def _attach(self, session: _Session, client: _Client) -> None:
        session.client, client.session = client, session

    def _detach(self, client: _Client) -> None:
        session = client.session
        if session is not None and session.client is client:
            session.client = None
            session.detached_at = self._monotonic()

    def _unwatch(self, session: _Session, keys: Iterable[ViewKey]) -> None:
        for key in keys:
            watchers = self._watchers.get(key)
            if watchers is None:
                continue
            watchers.discard(session)
            if not watchers:
                del self._watchers[key]
                self._views.pop(key, None)

    def _drop(self, session: _Session) -> None:
        self._unwatch(session, session.keys())
        self._sessions.pop(session.session_id, None)

    def _expire(self) -> None:
        limit = self._monotonic() - self.limits.session_ttl_s
        for session in [s for s in self._sessions.values() if s.client is None and s.detached_at < limit]:
            self._drop(session)
            self._stats.expired += 1

    def _kick(self, client: _Client, code: int, reason: str) -> asyncio.Task[None] | None:
        """Disconnect ``client`` without waiting for it (the task closing it is
        returned); its session stays resumable."""
        if client.closing:
            return None
        client.closing = True
        self._detach(client)
        _log.info("live_push_disconnect code=%d reason=%s", code, reason)
        task = asyncio.create_task(self._close(client, code, reason))
        self._closers.add(task)
        task.add_done_callback(self._closers.discard)
        return task

    async def _close(self, client: _Client, code: int, reason: str) -> None:
        await _stop(client.writer)
        try:
            await asyncio.wait_for(client.ws.close(code=code, message=reason.encode()),
                                   self.limits.close_timeout_s)
        except (TimeoutError, ConnectionError, RuntimeError):
            # A reader that does not read cannot take a close frame either.
            if client.transport is not None:
                client.transport.abort()  # type: ignore[attr-defined]


LIVE_PUSH = web.AppKey("live_push", PushHub)


def add_live_push_routes(app: web.Application, *, network: Network, timetable: StopTimetable,
                         snapshot: Callable[[], LiveSnapshot], clock: Callable[[], float],
                         limits: PushLimits = PushLimits()) -> PushHub:
    """Serve ``GET /live`` on ``app``; the caller runs ``hub.run()`` as a task.
    Connections are closed when the app shuts down."""
    hub = PushHub(network, timetable, snapshot, clock, limits)
    app[LIVE_PUSH] = hub
    app.router.add_get("/live", hub.handle)
    app.on_shutdown.append(hub.close_all)
    return hub


def _parse_ids(argument: object) -> tuple[list[str], list[str]] | str:
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


def _subscriptions(kind: str, session: _Session) -> bytes:
    return orjson.dumps({"type": kind, "stops": sorted(session.stops), "lines": sorted(session.lines)})


def _fragment(view: View) -> orjson.Fragment:
    """A view as JSON, rendered once per change whoever receives it."""
    return orjson.Fragment(orjson.dumps([_row(r) for r in view]))


def _row(row: ArrivalRow | VehicleRow) -> dict[str, object]:
    if isinstance(row, ArrivalRow):
        return {"line": row.route_id, "headsign": row.headsign, "trip": row.trip_id, "time": row.time,
                "predicted": row.source is Source.PREDICTED}
    return {"vehicle": row.vehicle_id, "trip": row.trip_id, "direction": row.direction_id,
            "next_stop": row.next_stop_id, "delay_s": row.delay_s}


async def _stop(task: asyncio.Task[None] | None) -> None:
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError, RuntimeError):
            await task
