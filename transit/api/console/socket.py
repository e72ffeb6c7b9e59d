"""The console's WebSocket, ``GET /console/socket?view=map|line|alarms[&route=R]``:
what an open console page redraws, pushed as it changes.

One task (``run``) wakes every ``every_s``, takes the live frame, and sends
each page the data of its view (``transit.api.console.live_payloads``) when
it differs from what that page was last sent, and the open alarms it may see
(a count and a signature) whenever the alarm watch's version moves on.
Latest wins: a page that has not taken its last message yet gets only the
newest of each kind, so a slow reader costs one message of each, never a queue.

The socket opens behind the console's guard (a live session, the same
site), and closes with code 4001 once that session lapses or ends: the page
then reloads into the log-in form. It does not keep the session alive: an
unattended screen logs out like any other page.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import orjson
from aiohttp import WSMsgType, web

from transit.api.console.alarm_watch import AlarmWatch
from transit.api.console.app import CONSOLE, language, permit, visit_of
from transit.api.console.live_payloads import line_payload, map_payload
from transit.api.console.live_view import LiveView, scoped, visible_lines
from transit.console.access import Action, Actor, decide
from transit.console.line_depots import LineDepots
from transit.console.sessions import SessionState
from transit.store.sessions import find_session

_log = logging.getLogger(__name__)

CLOSE_LOGGED_OUT = 4001
RECHECK_S = 30.0  # how often an open socket checks that its session still lives
VIEWS = ("map", "line", "alarms")


@dataclass(eq=False)
class _Page:
    ws: web.WebSocketResponse
    actor: Actor
    view: str
    route_id: str
    lang: str
    lines: frozenset[str]  # the lines the user may see
    sent: dict[str, bytes] = field(default_factory=dict)  # kind -> last sent
    pending: dict[str, bytes] = field(default_factory=dict)  # kind -> newest not yet sent
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    def offer(self, kind: str, data: bytes) -> None:
        if self.sent.get(kind) != data:
            self.pending[kind] = data
            self.wake.set()

    async def write(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self.pending:
                kind, data = self.pending.popitem()
                self.sent[kind] = data
                await self.ws.send_frame(data, WSMsgType.TEXT)


def alarm_signature(watch: AlarmWatch, actor: Actor, depots: LineDepots) -> tuple[int, str]:
    """How many open alarms ``actor`` may see, and a signature of them (id and
    state) that changes whenever one is triggered, acknowledged or resolved."""
    seen = [a for a in watch.list_open()
            if decide(actor, Action.VIEW, depots.touching("alarm", str(a.id), a.route_ids)).allowed]
    return len(seen), ",".join(f"{a.id}{a.state.value[0]}" for a in sorted(seen, key=lambda a: a.id))


class ConsoleSocket:
    def __init__(self, view: LiveView, watch: AlarmWatch, depots: LineDepots, every_s: float = 1.0) -> None:
        self._depots = depots
        self._view = view
        self._watch = watch
        self._every_s = every_s
        self._pages: set[_Page] = set()

    async def run(self) -> None:
        while True:
            self.tick()
            await asyncio.sleep(self._every_s)

    def tick(self) -> None:
        """Offer every open page its view's data and its alarms, as they are now."""
        if not self._pages:
            return
        frame = self._view.frame()
        counts = self._watch.count_by_line()
        made: dict[tuple[str, str, str, frozenset[str]], bytes] = {}
        for page in list(self._pages):
            key = (page.view, page.route_id, page.lang, page.lines if page.view == "map" else frozenset())
            if key not in made and page.view != "alarms":
                payload = map_payload(self._view, scoped(frame, page.lines), page.lang, counts) \
                    if page.view == "map" else line_payload(self._view, frame, page.route_id, page.lang,
                                                            self._watch.thresholds_of(page.route_id)[0])
                made[key] = orjson.dumps(payload)
            if key in made:
                page.offer("view", made[key])
            count, signature = alarm_signature(self._watch, page.actor, self._depots)
            page.offer("alarms", orjson.dumps({"type": "alarms", "count": count, "signature": signature}))

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        view = request.query.get("view", "")
        route_id = request.query.get("route", "")
        if view not in VIEWS or (view == "line") != bool(route_id) or (
                route_id and route_id not in self._view.network.routes):
            raise web.HTTPBadRequest(text="view=map|alarms, or view=line&route=a route id")
        origin = request.headers.get("Origin")
        if origin is not None and urlsplit(origin).netloc != request.host:
            raise web.HTTPForbidden(text="a console socket opens from the console's own pages only")
        visit = visit_of(request)
        actor = visit.session.user.actor
        if route_id:
            permit(request, Action.VIEW, self._depots.line(route_id))
        ws = web.WebSocketResponse(heartbeat=20.0, max_msg_size=4096)
        await ws.prepare(request)
        page = _Page(ws, actor, view, route_id, language(request), visible_lines(actor, self._view, self._depots))
        writer = asyncio.create_task(page.write())
        self._pages.add(page)
        try:
            self.tick()
            await self._until_closed(request, ws, visit.token_hash)
        finally:
            self._pages.discard(page)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError, RuntimeError):
                await writer
        return ws

    async def _until_closed(self, request: web.Request, ws: web.WebSocketResponse, token_hash: bytes) -> None:
        """Ignore what the page sends; every RECHECK_S, close if the session lapsed."""
        console = request.config_dict[CONSOLE]
        while not ws.closed:
            try:
                message = await ws.receive(timeout=RECHECK_S)
            except TimeoutError:
                session = await find_session(console.pool, token_hash)
                if session is None or session.state(console.clock(), console.settings.sessions) \
                        is not SessionState.LIVE:
                    await ws.close(code=CLOSE_LOGGED_OUT, message=b"session ended")
                continue
            if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                break

    async def close_all(self, _app: web.Application | None = None) -> None:
        for page in list(self._pages):
            await page.ws.close(code=1001, message=b"server shutting down")
