"""HTTP JSON push of GPS reports: ``POST /api/push/reports``.

For terminals and partner systems that can only speak HTTP. Every request
carries its source's key (``X-Push-Key``; keys configured like the app's, with
a rate per source) and the source's name is stored with each report. The
answer comes after the sink (the durable ingest path) has committed the
accepted reports (DESIGN.md "Durability"):

- 200: every accepted report is stored; every refused item is listed with its
  index, reason and field, and sending it again will not help;
- 400: the body as a whole is not a list of reports (nothing stored);
- 401 / 429: no or unknown key / over the source's rate (nothing read);
- 503: the database could not take them now: send them again.

Body: a JSON array of reports, or ``{"reports": [...]}``; a report is
``{"vehicle_id": str, "timestamp": Unix s, "lat": deg, "lon": deg,
"speed_mps"?: m/s, "bearing"?: deg}``, and optionally the trip the source says
the bus runs (GTFS-Realtime's TripDescriptor): ``"trip_id"?: str,
"route_id"?: str, "direction_id"?: 0 | 1, "start_date"?: "YYYYMMDD" or
"YYYY-MM-DD"``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import orjson
from aiohttp import web

from transit.api.ratelimit import KeyPolicy, TokenBuckets, retry_after_header
from transit.records import VehicleReport
from transit.validation import Refusal, check_report, check_text

_log = logging.getLogger(__name__)

# Stores ``reports`` and returns once they are durable, with the refused ones by
# index (e.g. ``Ingest.submit_reports``); raises when nothing could be stored.
Sink = Callable[[Sequence[VehicleReport]], Awaitable[Mapping[int, Refusal]]]

MAX_BODY_BYTES = 1024 * 1024
MAX_ITEMS = 10_000
SOURCE = "http"
KEY_HEADER = "X-Push-Key"


@dataclass(frozen=True, slots=True)
class Rejected:
    index: int
    reason: str  # a code: "missing_field", "not_a_number", "out_of_range", ...
    field: str | None
    message: str


class BadBody(ValueError):
    """The body as a whole is refused: HTTP status, code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass
class PushTally:
    """What the push endpoint did; mutated only on the event loop."""

    requests: int = 0
    reports_stored: int = 0
    refused: dict[str, int] = field(default_factory=dict)  # by reason
    unauthorised: int = 0
    rate_limited: int = 0
    not_stored: int = 0  # requests answered 503


@dataclass(frozen=True, slots=True)
class PushConfig:
    sink: Sink
    clock: Callable[[], float]
    sources: TokenBuckets  # push key -> source policy
    tally: PushTally


PUSH = web.AppKey("push", PushConfig)


def error_response(status: int, code: str, message: str,
           headers: Mapping[str, str] | None = None) -> web.Response:
    return web.Response(
        body=orjson.dumps({"error": {"code": code, "message": message}}),
        status=status,
        content_type="application/json",
        headers=headers,
    )


class _Invalid(ValueError):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


def _number(item: dict[str, object], name: str, required: bool) -> float | None:
    value = item.get(name)
    if value is None:
        if required:
            raise _Invalid(Refusal("missing_field", name, f"{name} is required"))
        return None
    # bool is an int in Python, but `true` is not a coordinate.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Invalid(Refusal("not_a_number", name, f"{name} must be a number"))
    return float(value)


def parse_report(item: object, received_at: float, source: str = SOURCE) -> VehicleReport | Refusal:
    """One pushed item as a report, or the refusal saying which field is wrong."""
    if not isinstance(item, dict):
        return Refusal("not_an_object", None, "each report must be a JSON object")
    vehicle_id = item.get("vehicle_id")
    if vehicle_id is None:
        return Refusal("missing_field", "vehicle_id", "vehicle_id is required")
    refusal = check_text("vehicle_id", vehicle_id)
    if refusal is not None:
        return refusal
    assert isinstance(vehicle_id, str)
    try:
        timestamp = _number(item, "timestamp", True)
        lat = _number(item, "lat", True)
        lon = _number(item, "lon", True)
        speed = _number(item, "speed_mps", False)
        bearing = _number(item, "bearing", False)
    except _Invalid as exc:
        return exc.refusal
    assert timestamp is not None and lat is not None and lon is not None
    descriptor = _trip_descriptor(item)
    if isinstance(descriptor, Refusal):
        return descriptor
    trip_id, route_id, direction_id, start_date = descriptor
    report = VehicleReport(vehicle_id.strip(), timestamp, lat, lon, speed, bearing, source,
                           received_at, trip_id, route_id, direction_id, start_date)
    return check_report(report) or report


Descriptor = tuple[str | None, str | None, int | None, date | None]


def _trip_descriptor(item: dict[str, object]) -> Descriptor | Refusal:
    """The optional trip fields of a pushed item; ids are checked with the
    whole report (``check_report``), types and dates here."""
    ids: list[str | None] = []
    for name in ("trip_id", "route_id"):
        value = item.get(name)
        if value is not None and not isinstance(value, str):
            return Refusal("not_a_string", name, f"{name} must be a string")
        # Blanks around an id are dropped; a blank id stays blank, to be refused as empty.
        ids.append(None if value is None else value.strip() or value)
    direction = item.get("direction_id")
    if direction is not None and (isinstance(direction, bool) or direction not in (0, 1)):
        return Refusal("out_of_range", "direction_id", "direction_id must be 0 or 1")
    start = item.get("start_date")
    start_date = _iso_date(start)
    if start is not None and start_date is None:
        return Refusal("not_a_date", "start_date",
                       "start_date must be a date as YYYYMMDD or YYYY-MM-DD")
    return ids[0], ids[1], None if direction is None else int(direction == 1), start_date


def _iso_date(value: object) -> date | None:
    """``value`` as a date written YYYYMMDD or YYYY-MM-DD; None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def parse_reports(
    items: Sequence[object], received_at: float, source: str = SOURCE
) -> tuple[list[VehicleReport], list[Rejected]]:
    """The valid reports, and every invalid item with its index and reason."""
    reports: list[VehicleReport] = []
    rejected: list[Rejected] = []
    for index, item in enumerate(items):
        parsed = parse_report(item, received_at, source)
        if isinstance(parsed, Refusal):
            rejected.append(Rejected(index, parsed.reason, parsed.field, parsed.message))
        else:
            reports.append(parsed)
    return reports, rejected


def parse_body(
    body: bytes, received_at: float, source: str = SOURCE
) -> tuple[list[VehicleReport], list[Rejected]]:
    """A push body's valid reports and refused items; raises ``BadBody`` when
    the body as a whole is not a list of reports."""
    if len(body) > MAX_BODY_BYTES:
        raise BadBody(413, "body_too_large", f"the body is over {MAX_BODY_BYTES} bytes")
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadBody(400, "invalid_json", f"the body is not JSON: {exc}") from None
    items = payload.get("reports") if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        raise BadBody(400, "not_a_list",
                      'the body must be a JSON array of reports or {"reports": [...]}')
    if len(items) > MAX_ITEMS:
        raise BadBody(413, "too_many_reports", f"{len(items)} reports; send at most {MAX_ITEMS}")
    return parse_reports(items, received_at, source)


async def read_body(request: web.Request, limit: int = MAX_BODY_BYTES) -> bytes | None:
    """The body, or None when it is over ``limit`` bytes (read no further)."""
    if (request.content_length or 0) > limit:
        return None
    body = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _authorise(request: web.Request, config: PushConfig) -> KeyPolicy | web.Response:
    """The source behind the request's key, or the 401/429 answer."""
    key = request.headers.get(KEY_HEADER)
    policy = None if not key else config.sources.find_policy(key)
    if key is None or policy is None:
        config.tally.unauthorised += 1
        _log.warning("push_unauthorised peer=%s key_given=%s", request.remote, key is not None,
                     extra={"event": "push_unauthorised", "peer": request.remote})
        return error_response(401, "unknown_key" if key else "missing_key",
                      f"a known push key is required in the {KEY_HEADER} header")
    wait = config.sources.take(key, config.clock())
    if wait > 0:
        config.tally.rate_limited += 1
        return error_response(429, "rate_limited", f"over this source's rate; retry in {wait:.1f} s",
                      {"Retry-After": retry_after_header(wait)})
    return policy


async def push_reports(request: web.Request) -> web.Response:
    config = request.app[PUSH]
    config.tally.requests += 1
    source = _authorise(request, config)
    if isinstance(source, web.Response):
        return source
    body = await read_body(request)
    try:
        if body is None:
            raise BadBody(413, "body_too_large", f"the body is over {MAX_BODY_BYTES} bytes")
        reports, rejected = parse_body(body, config.clock(), f"{SOURCE}:{source.name}")
    except BadBody as exc:
        return error_response(exc.status, exc.code, str(exc))
    stored = 0
    if reports:
        try:
            refused = await config.sink(reports)
        except Exception as exc:  # noqa: BLE001 - whatever failed, nothing is acknowledged
            config.tally.not_stored += 1
            _log.warning("push_not_stored reports=%d error=%s: %s", len(reports),
                         type(exc).__name__, exc,
                         extra={"event": "push_not_stored", "reports": len(reports)})
            return error_response(503, "not_stored", "the reports could not be stored now; send them again",
                          {"Retry-After": "1"})
        stored = len(reports) - len(refused)
        if refused:
            # The sink numbers the reports; the answer numbers the body's items.
            bad = {r.index for r in rejected}
            positions = [i for i in range(len(reports) + len(rejected)) if i not in bad]
            rejected += [Rejected(positions[i], r.reason, r.field, r.message)
                         for i, r in refused.items()]
            rejected.sort(key=lambda r: r.index)
    config.tally.reports_stored += stored
    for r in rejected:
        config.tally.refused[r.reason] = config.tally.refused.get(r.reason, 0) + 1
    # Nothing stored and something refused: the push as a whole is refused (400),
    # and sending it again will not help; a partly stored push is a 200.
    return web.Response(
        status=400 if rejected and not stored else 200,
        body=orjson.dumps({
            "accepted": stored,
            "rejected": [
                {"index": r.index, "reason": r.reason, "field": r.field, "message": r.message}
                for r in rejected
            ],
        }),
        content_type="application/json",
    )


def add_push_routes(
    app: web.Application, sink: Sink, clock: Callable[[], float],
    sources: Mapping[str, KeyPolicy],
) -> PushTally:
    """Adds ``POST /api/push/reports``. ``sink`` must return only once the
    reports are durable; ``sources`` maps each push key to its source's policy.
    Returns the endpoint's tally, for metrics."""
    tally = PushTally()
    app[PUSH] = PushConfig(sink, clock, TokenBuckets(sources), tally)
    app.router.add_post("/api/push/reports", push_reports)
    return tally
