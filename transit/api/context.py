"""What every handler of the service's HTTP API reads: the service context
(network, live state, clock, database ping), and the JSON answers they share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import orjson
from aiohttp import web

from transit.live.tracking import LiveTracking
from transit.model.network import Network


@dataclass(frozen=True)
class ServiceContext:
    network: Network
    schedule_version: int
    live: LiveTracking
    database_ping: Callable[[], Awaitable[object]]  # raises when the database is down
    clock: Callable[[], float]


CONTEXT = web.AppKey("context", ServiceContext)


def json_response(payload: object, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(payload), status=status, content_type="application/json")


def json_error(status: int, code: str, message: str) -> web.HTTPException:
    error_class = web.HTTPNotFound if status == 404 else web.HTTPBadRequest
    return error_class(
        text=orjson.dumps({"error": {"code": code, "message": message}}).decode(),
        content_type="application/json",
    )
