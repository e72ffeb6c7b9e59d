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

This module is the WebSocket side (clients, their outboxes, requests, closing);
sessions, subscriptions and views are ``transit.api.push_sessions``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import orjson
from aiohttp import WSMsgType, web

from transit.api.push_sessions import (
    Message,
    PushLimits,
    PushStats,
    Sent,
    Session,
    Subscriptions,
    error_message,
    parse_ids,
)
from transit.arrivals import StopTimetable
from transit.boards.board import StopBoards
from transit.boards.cache import BoardCache
from transit.live.tracking import LiveSnapshot
from transit.model.network import Network

_log = logging.getLogger(__name__)

CLOSE_SLOW = 4008  # application close codes (4000-4999)
CLOSE_ABUSE = 4009
CLOSE_TAKEN = 4010
CLOSE_FULL = 4013


@dataclass(eq=False)
class _Client:
    ws: web.WebSocketResponse
    transport: asyncio.BaseTransport | None
    limits: PushLimits
    session: Session | None = None
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


class PushHub:
    """The clients of ``GET /live`` and their sessions. ``run`` is the one
    task that computes and fans out changes; handlers only queue replies."""

    def __init__(self, network: Network, boards: BoardCache, snapshot: Callable[[], LiveSnapshot],
                 clock: Callable[[], float], limits: PushLimits,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._snapshot = snapshot
        self._clock = clock
        self.limits = limits
        self._subscriptions = Subscriptions(network, boards, limits, monotonic)
        self._clients: dict[Session, _Client] = {}
        self._closers: set[asyncio.Task[None]] = set()

    def stats(self) -> PushStats:
        return self._subscriptions.tally()

    async def run(self) -> None:
        """Every ``interval_s``, send each session the views of its
        subscriptions that changed. Runs until cancelled."""
        while True:
            started = time.perf_counter()
            self.tick()
            elapsed = time.perf_counter() - started
            self._subscriptions.stats.last_tick_s = elapsed
            await asyncio.sleep(max(0.0, self.limits.interval_s - elapsed))

    def tick(self) -> None:
        """One round: expire sessions, recompute watched views, queue changes."""
        for session, data in self._subscriptions.round(self._snapshot(), self._clock()):
            client = self._clients.get(session)
            if client is not None:
                self._send(client, [(Sent.UPDATE, data)])

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """``GET /live``: the WebSocket of one client."""
        ws = web.WebSocketResponse(heartbeat=self.limits.heartbeat_s,
                                   max_msg_size=self.limits.max_message_bytes,
                                   compress=self.limits.compress)
        await ws.prepare(request)
        session = self._subscriptions.open()
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
                    self._error(client, "bad_request", "send JSON text frames")
                if client.errors >= self.limits.max_errors:
                    self._subscriptions.stats.abusers += 1
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
        for client in list(self._clients.values()):
            self._kick(client, 1001, "server shutting down")
        if self._closers:
            await asyncio.gather(*self._closers, return_exceptions=True)

    # requests

    def _on_request(self, client: _Client, text: str) -> None:
        session = client.session
        assert session is not None
        try:
            request = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            self._error(client, "malformed_json", f"not JSON: {exc}")
            return
        if not isinstance(request, dict) or len(request) != 1:
            self._error(client, "bad_request",
                        'send one of {"subscribe": ...}, {"unsubscribe": ...}, {"resume": ...}')
            return
        ((verb, argument),) = request.items()
        if verb in ("subscribe", "unsubscribe"):
            ids = parse_ids(argument)
            if isinstance(ids, str):
                self._error(client, "bad_request", ids)
            elif verb == "subscribe":
                self._send(client, self._subscriptions.subscribe(session, *ids, self._snapshot(), self._clock()))
            else:
                self._send(client, self._subscriptions.unsubscribe(session, *ids))
        elif verb == "resume":
            if not isinstance(argument, dict) or not isinstance(argument.get("session"), str) \
                    or type(argument.get("after")) is not int:
                self._error(client, "bad_request", 'resume needs {"session": str, "after": int}')
            else:
                self._resume(client, argument["session"], argument["after"])
        else:
            self._error(client, "bad_request", f"unknown request {verb!r}")

    def _resume(self, client: _Client, session_id: str, after: int) -> None:
        old = self._subscriptions.sessions.get(session_id)
        if old is None:
            self._send(client, [error_message("unknown_session",
                                              f"session {session_id[:40]!r} is unknown or expired; subscribe again")])
            return
        fresh = client.session
        if old is not fresh:
            taken = self._clients.get(old)
            if taken is not None:
                self._kick(taken, CLOSE_TAKEN, "session resumed on another connection")
            assert fresh is not None
            self._detach(client)
            self._subscriptions.drop(fresh)
            self._attach(old, client)
        self._send(client, self._subscriptions.resume(old, after, self._snapshot().at))

    def _error(self, client: _Client, code: str, message: str) -> None:
        """Answer a bad request; too many of them disconnect the client."""
        client.errors += 1
        self._send(client, [error_message(code, message)])

    def _send(self, client: _Client, messages: Iterable[Message]) -> None:
        for kind, data in messages:
            if client.offer(data) or kind is Sent.REPLY:
                continue
            if kind is Sent.UPDATE:
                self._subscriptions.stats.slow_readers += 1
                self._kick(client, CLOSE_SLOW, "slow reader: messages were not read in time")
            else:
                self._kick(client, CLOSE_SLOW, "slow reader")

    # clients

    def _attach(self, session: Session, client: _Client) -> None:
        self._clients[session], client.session = client, session
        self._subscriptions.attach(session)

    def _detach(self, client: _Client) -> None:
        session = client.session
        if session is not None and self._clients.get(session) is client:
            del self._clients[session]
            self._subscriptions.detach(session)

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
                         limits: PushLimits = PushLimits(), boards: BoardCache | None = None) -> PushHub:
    """Serve ``GET /live`` on ``app``; the caller runs ``hub.run()`` as a task.
    Connections are closed when the app shuts down. Stop views come from
    ``boards``, the service's one board cache, or a cache of their own."""
    hub = PushHub(network, boards or BoardCache(StopBoards(network, timetable)), snapshot, clock, limits)
    app[LIVE_PUSH] = hub
    app.router.add_get("/live", hub.handle)
    app.on_shutdown.append(hub.close_all)
    return hub


async def _stop(task: asyncio.Task[None] | None) -> None:
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError, RuntimeError):
            await task
