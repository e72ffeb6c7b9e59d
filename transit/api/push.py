"""HTTP JSON push of GPS reports: ``POST /api/push/reports``.

For terminals and partner systems that can only speak HTTP. The answer comes
after the sink (the durable ingest path) has committed the accepted reports,
so a 200 means "stored"; anything else means "send it again" (DESIGN.md
"Durability"). Each item is checked on its own: bad items are listed with
their index and reason, good ones are stored.

Body: a JSON array of reports, or ``{"reports": [...]}``; a report is
``{"vehicle_id": str, "timestamp": Unix s, "lat": deg, "lon": deg,
"speed_mps"?: m/s, "bearing"?: deg}``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import orjson
from aiohttp import web

from transit.records import VehicleReport

_log = logging.getLogger(__name__)

Sink = Callable[[Sequence[VehicleReport]], Awaitable[object]]

MAX_BODY_BYTES = 1024 * 1024
MAX_ITEMS = 10_000
MAX_VEHICLE_ID_CHARS = 64
# A terminal's clock may run a little ahead; beyond this a fix is a clock fault.
MAX_FUTURE_S = 300.0
SOURCE = "http"


@dataclass(frozen=True, slots=True)
class PushConfig:
    sink: Sink
    clock: Callable[[], float]


PUSH = web.AppKey("push", PushConfig)


@dataclass(frozen=True, slots=True)
class Rejected:
    index: int
    reason: str  # a code: "missing_field", "not_a_number", "out_of_range", ...
    field: str | None
    message: str


class InvalidItem(ValueError):
    def __init__(self, reason: str, field: str | None, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.field = field


def _error(status: int, code: str, message: str) -> web.Response:
    return web.Response(
        body=orjson.dumps({"error": {"code": code, "message": message}}),
        status=status,
        content_type="application/json",
    )


def _required(item: dict[str, object], name: str) -> float:
    number = _optional(item, name)
    if number is None:
        raise InvalidItem("missing_field", name, f"{name} is required")
    return number


def _optional(item: dict[str, object], name: str) -> float | None:
    value = item.get(name)
    if value is None:
        return None
    # bool is an int in Python, but `true` is not a coordinate.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidItem("not_a_number", name, f"{name} must be a number")
    number = float(value)
    if not math.isfinite(number):
        raise InvalidItem("not_finite", name, f"{name} must be finite")
    return number


def _in_range(name: str, value: float | None, low: float, high: float) -> None:
    if value is not None and not low <= value <= high:
        raise InvalidItem("out_of_range", name, f"{name} must be within [{low}, {high}]")


def parse_report(item: object, received_at: float) -> VehicleReport:
    """One pushed item as a report; raises ``InvalidItem`` saying which field is wrong."""
    if not isinstance(item, dict):
        raise InvalidItem("not_an_object", None, "each report must be a JSON object")
    vehicle_id = item.get("vehicle_id")
    if vehicle_id is None:
        raise InvalidItem("missing_field", "vehicle_id", "vehicle_id is required")
    if not isinstance(vehicle_id, str) or not vehicle_id.strip():
        raise InvalidItem("not_a_string", "vehicle_id", "vehicle_id must be a non-empty string")
    if len(vehicle_id) > MAX_VEHICLE_ID_CHARS:
        raise InvalidItem("too_long", "vehicle_id",
                          f"vehicle_id is over {MAX_VEHICLE_ID_CHARS} characters")
    timestamp = _required(item, "timestamp")
    lat = _required(item, "lat")
    lon = _required(item, "lon")
    speed = _optional(item, "speed_mps")
    bearing = _optional(item, "bearing")
    _in_range("lat", lat, -90.0, 90.0)
    _in_range("lon", lon, -180.0, 180.0)
    _in_range("speed_mps", speed, 0.0, 100.0)
    _in_range("bearing", bearing, 0.0, 360.0)
    if timestamp <= 0:
        raise InvalidItem("out_of_range", "timestamp", "timestamp must be Unix seconds")
    if timestamp > received_at + MAX_FUTURE_S:
        raise InvalidItem("in_future", "timestamp",
                          f"timestamp is more than {MAX_FUTURE_S:.0f} s ahead of the server")
    return VehicleReport(vehicle_id.strip(), timestamp, lat, lon, speed, bearing, SOURCE,
                         received_at)


def parse_reports(
    items: Sequence[object], received_at: float
) -> tuple[list[VehicleReport], list[Rejected]]:
    """The valid reports, and every invalid item with its index and reason."""
    reports: list[VehicleReport] = []
    rejected: list[Rejected] = []
    for index, item in enumerate(items):
        try:
            reports.append(parse_report(item, received_at))
        except InvalidItem as exc:
            rejected.append(Rejected(index, exc.reason, exc.field, str(exc)))
    return reports, rejected


async def _read_body(request: web.Request) -> bytes | None:
    """The body, or None when it is over ``MAX_BODY_BYTES`` (read no further)."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return None
    body = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return None
    return bytes(body)


async def push_reports(request: web.Request) -> web.Response:
    config = request.app[PUSH]
    body = await _read_body(request)
    if body is None:
        return _error(413, "body_too_large", f"the body is over {MAX_BODY_BYTES} bytes")
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        return _error(400, "invalid_json", f"the body is not JSON: {exc}")
    items = payload.get("reports") if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        return _error(400, "not_a_list",
                      'the body must be a JSON array of reports or {"reports": [...]}')
    if len(items) > MAX_ITEMS:
        return _error(413, "too_many_reports", f"{len(items)} reports; send at most {MAX_ITEMS}")
    reports, rejected = parse_reports(items, config.clock())
    if reports:
        try:
            await config.sink(reports)
        except Exception as exc:  # noqa: BLE001 - whatever failed, nothing is stored
            _log.warning("push.sink_failed",
                         extra={"reports": len(reports), "error": f"{type(exc).__name__}: {exc}"})
            return _error(503, "not_stored", "the reports could not be stored; send them again")
    return web.Response(
        body=orjson.dumps({
            "accepted": len(reports),
            "rejected": [
                {"index": r.index, "reason": r.reason, "field": r.field, "message": r.message}
                for r in rejected
            ],
        }),
        content_type="application/json",
    )


def add_push_routes(app: web.Application, sink: Sink, clock: Callable[[], float]) -> None:
    """Adds ``POST /api/push/reports``; ``sink`` (e.g. ``Ingest.submit_reports``)
    must return only once the reports are durable."""
    app[PUSH] = PushConfig(sink, clock)
    app.router.add_post("/api/push/reports", push_reports)
