"""HTTP routes for stop signs and for the dispatchers who watch them.

- ``GET /signs/{sign_id}/arrivals?format=json|led|voice``: the sign's payload,
  with its token in ``X-Sign-Token`` (or ``?token=``); ``If-None-Match`` gives
  a bodiless 304 when nothing changed.
- ``POST /signs/{sign_id}/health``: the sign reports its errors, JSON
  ``{"errors": ["..."]}``.
- ``GET /signs/health``, ``GET /signs/offline?threshold=600``: for dispatchers,
  with ``X-Admin-Token``.

A poll is a lookup: a payload is rendered at most once every 10 s per sign
and format, from the stop's board in the service's one board cache
(minutes-to-go change with time even when no new snapshot comes), and again
at once when the sign operators' messages change or one showing expires.
Errors are JSON ``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, replace

import orjson
from aiohttp import web

from signage.health import SignHealth
from signage.payloads import Rendered, SignBoard, render_json, render_led, render_voice, sign_board
from signage.registry import Sign, SignRegistry
from transit.arrivals import StopTimetable
from transit.boards.board import StopBoard, StopBoards
from transit.boards.cache import BoardCache, Reuse
from transit.boards.messages import MessageIndex, for_sign, shown_until
from transit.live.tracking import LiveSnapshot
from transit.model.network import Network

FORMATS = ("json", "led", "voice")
DEFAULT_OFFLINE_S = 600.0
MAX_OFFLINE_S = 7 * 86400.0
MAX_HEALTH_BODY = 16 * 1024
MIN_ADMIN_TOKEN_CHARS = 16


class SignPayloads:
    """Rendered payloads per sign and format, each reused for ``REFRESH_S``.

    Snapshots come several times a second under load and almost every one
    moves some bus's prediction at most stops: re-rendering all 526 boards on
    each would cost more than the polls. A sign polls every 10-30 s, so times
    up to ``REFRESH_S`` old are as fresh as it can show: the stop's board too
    may be that old and come from an older snapshot (``SIGN_REUSE``).
    """

    def __init__(self, boards: BoardCache) -> None:
        self._boards = boards
        self._network = boards.boards.network
        # (made at, with this message index, valid until, value): no snapshot kept, which
        # would pin hundreds of old snapshots (millions of objects) for the collector
        # to walk (docs/soak.md).
        self._rendered: dict[tuple[str, str], tuple[float, MessageIndex, float, Rendered]] = {}
        self._sign_boards: dict[str, tuple[StopBoard, SignBoard]] = {}
        self.renders = 0

    def get(self, sign: Sign, fmt: str, snapshot: LiveSnapshot, now: float) -> Rendered:
        key = (sign.sign_id, fmt)
        entry = self._rendered.get(key)
        index = self._boards.messages()
        if entry is not None and _fresh(entry[0], now) and entry[1] is index and now < entry[2]:
            return entry[3]
        board = self._sign_board(sign.stop_id, snapshot, now)
        shown = for_sign(board.messages, sign.sign_id)
        if shown is not board.messages:
            board = replace(board, messages=shown)
        timezone = self._network.timezone
        if fmt == "json":
            rendered = render_json(board, sign.sign_id)
        elif fmt == "led":
            rendered = render_led(board, sign.led_columns, sign.led_rows, timezone)
        else:
            rendered = render_voice(board, timezone)
        self._rendered[key] = (now, index, shown_until(shown), rendered)
        self.renders += 1
        return rendered

    def _sign_board(self, stop_id: str, snapshot: LiveSnapshot, now: float) -> SignBoard:
        """The sign rows of the stop's board, worked out once per board for
        the formats and signs of the stop."""
        board = self._boards.get(stop_id, snapshot.predictions, now, SIGN_REUSE, snapshot.crowding)
        entry = self._sign_boards.get(stop_id)
        if entry is None or entry[0] is not board:
            entry = self._sign_boards[stop_id] = (board, sign_board(board, self._network))
        return entry[1]


REFRESH_S = 10.0
SIGN_REUSE = Reuse(REFRESH_S, any_predictions=True)


def _fresh(made_at: float, now: float) -> bool:
    # Not keyed on the clock minute: all 526 boards would expire together at
    # each minute and re-render in one burst; a board at most 10 s old shows
    # minutes-to-go as well as a sign polling every 10-30 s can.
    return 0.0 <= now - made_at < REFRESH_S


@dataclass(frozen=True)
class SignService:
    registry: SignRegistry
    payloads: SignPayloads
    snapshot: Callable[[], LiveSnapshot]
    clock: Callable[[], float]
    health: SignHealth
    admin_token: bytes


SIGNS = web.AppKey("signs", SignService)


def error(status: int, code: str, message: str) -> web.Response:
    body = orjson.dumps({"error": {"code": code, "message": message}})
    return web.Response(body=body, status=status, content_type="application/json")


def json_response(payload: object) -> web.Response:
    return web.Response(body=orjson.dumps(payload), content_type="application/json")


def _authorised_sign(request: web.Request, service: SignService) -> Sign | web.Response:
    sign = service.registry.by_id.get(request.match_info["sign_id"])
    if sign is None:
        return error(404, "unknown_sign", "no sign with this id")
    token = request.headers.get("X-Sign-Token")
    if token is None:
        token = request.query.get("token")
    if not sign.check_token(token):
        return error(401, "bad_token", "missing or wrong sign token (X-Sign-Token)")
    return sign


def _etag_matches(header: str, etag: str) -> bool:
    if header == etag:
        return True
    return any(tag.strip().removeprefix("W/") in (etag, "*") for tag in header.split(","))


async def sign_arrivals(request: web.Request) -> web.Response:
    service = request.app[SIGNS]
    sign = _authorised_sign(request, service)
    if isinstance(sign, web.Response):
        return sign
    fmt = request.query.get("format", "json")
    if fmt not in FORMATS:
        return error(400, "bad_format", f"format must be one of {', '.join(FORMATS)}")
    if fmt == "led" and not sign.has_led:
        return error(400, "no_led", "this sign has no LED display")
    now = service.clock()
    service.health.record_poll(sign.sign_id, now, request.headers.get("X-Sign-Version"))
    rendered = service.payloads.get(sign, fmt, service.snapshot(), now)
    match = request.headers.get("If-None-Match")
    if match is not None and _etag_matches(match, rendered.etag):
        return web.Response(status=304, headers={"ETag": rendered.etag, "Cache-Control": "no-cache"})
    return web.Response(body=rendered.body, headers={
        "ETag": rendered.etag, "Cache-Control": "no-cache", "Content-Type": rendered.content_type,
    })


async def sign_reports_health(request: web.Request) -> web.Response:
    service = request.app[SIGNS]
    sign = _authorised_sign(request, service)
    if isinstance(sign, web.Response):
        return sign
    if request.content_length is not None and request.content_length > MAX_HEALTH_BODY:
        return error(413, "too_large", f"a health report is at most {MAX_HEALTH_BODY} bytes")
    try:
        body = orjson.loads(await request.read())
    except (orjson.JSONDecodeError, web.HTTPRequestEntityTooLarge):
        return error(400, "bad_json", 'expected JSON {"errors": ["..."]}')
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list) or not all(isinstance(e, str) for e in errors):
        return error(400, "bad_errors", '"errors" must be a list of strings')
    service.health.record_errors(sign.sign_id, service.clock(), errors, request.headers.get("X-Sign-Version"))
    return web.Response(status=204)


def _is_admin(request: web.Request, service: SignService) -> bool:
    token = request.headers.get("X-Admin-Token")
    return token is not None and hmac.compare_digest(token.encode(), service.admin_token)


async def list_sign_health(request: web.Request) -> web.Response:
    service = request.app[SIGNS]
    if not _is_admin(request, service):
        return error(401, "bad_admin_token", "missing or wrong X-Admin-Token")
    now = service.clock()
    signs = []
    for sign in service.registry:
        status = service.health.find_status(sign.sign_id)
        last = status.last_poll if status else None
        signs.append({
            "sign_id": sign.sign_id, "stop_id": sign.stop_id, "kind": sign.kind.value,
            "last_poll": last, "age_s": None if last is None else round(now - last, 1),
            "version": status.version if status else None,
            "errors": list(status.errors) if status else [],
            "errors_at": status.errors_at if status else None,
        })
    return json_response({"at": now, "signs": signs})


async def list_offline_signs(request: web.Request) -> web.Response:
    service = request.app[SIGNS]
    if not _is_admin(request, service):
        return error(401, "bad_admin_token", "missing or wrong X-Admin-Token")
    try:
        threshold = float(request.query.get("threshold", DEFAULT_OFFLINE_S))
        if not 0 < threshold <= MAX_OFFLINE_S:
            raise ValueError
    except ValueError:
        return error(400, "bad_threshold", f"threshold must be seconds in (0, {MAX_OFFLINE_S:.0f}]")
    now = service.clock()
    offline = []
    for sign in service.health.list_offline(service.registry, now, threshold):
        status = service.health.find_status(sign.sign_id)
        last = status.last_poll if status else None
        offline.append({"sign_id": sign.sign_id, "stop_id": sign.stop_id, "last_poll": last,
                        "age_s": None if last is None else round(now - last, 1)})
    return json_response({"at": now, "threshold_s": threshold, "signs": offline})


def add_sign_routes(
    app: web.Application,
    *,
    registry: SignRegistry,
    network: Network,
    timetable: StopTimetable,
    snapshot: Callable[[], LiveSnapshot],
    clock: Callable[[], float],
    health: SignHealth,
    admin_token: str,
    boards: BoardCache | None = None,
) -> SignService:
    """Add the sign and dispatcher routes to ``app``; returns what they share
    (its ``payloads.renders`` counts renders, for metrics and tests). Boards
    come from ``boards``, the service's one cache, or a cache of their own."""
    if len(admin_token) < MIN_ADMIN_TOKEN_CHARS:
        raise ValueError(f"the admin token needs at least {MIN_ADMIN_TOKEN_CHARS} characters")
    boards = boards or BoardCache(StopBoards(network, timetable))
    service = SignService(registry, SignPayloads(boards), snapshot, clock, health, admin_token.encode())
    app[SIGNS] = service
    app.router.add_get("/signs/health", list_sign_health)
    app.router.add_get("/signs/offline", list_offline_signs)
    app.router.add_get("/signs/{sign_id}/arrivals", sign_arrivals)
    app.router.add_post("/signs/{sign_id}/health", sign_reports_health)
    return service
