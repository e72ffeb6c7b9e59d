"""Live push of fare taps from POS readers: ``POST /api/push/taps``.

Each request comes from one registered reader (``transit.api.reader_auth``:
``X-Reader-Id`` and ``X-Reader-Key``) and carries taps of the bus it is
mounted on. Every item is checked at the edge, its card or account id
pseudonymised on arrival (``transit.ingest.to_tap``: the clear id is never
stored, logged or echoed), and the answer comes after the commit:

- 200: one result per item, in order: ``stored``, ``duplicate`` (the payment
  was already stored: nothing changed; the reader may drop it) or ``refused``
  (reason, field, message: sending it again will not help);
- 400: every item refused, or the body is not a list of taps (nothing stored);
- 401: no, unknown or disabled reader, or a wrong key; 413: body over 1 MiB or
  over 5,000 taps; 429: over the reader's rate (``Retry-After``);
- 503: the database could not take them now: send them all again.

Body: a JSON array of taps, or ``{"taps": [...]}``; a tap is ``{"txn_id": str,
"card_id": str, "time": Unix s or ISO 8601 with offset (the reader's clock),
"medium": "card" | "wechat" | "alipay", "amount_fen"?: int, "transfer"?: bool,
"line_id"?: str, "lat"?: deg, "lon"?: deg, "vehicle_id"?: str}``; a
``vehicle_id``, if given, must be the reader's own bus.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import orjson
from aiohttp import web

from transit.api.push import BadBody, error_response, read_body
from transit.api.ratelimit import KeyPolicy, TokenBuckets, retry_after_header
from transit.api.reader_auth import (
    KEY_HEADER,
    READER_HEADER,
    ReaderDirectory,
    RegistryUnavailable,
    judge_credentials,
)
from transit.api.tap_items import PushedTap, parse_tap, readable_txn_id
from transit.ingest import RawTap, TapOutcome
from transit.readers import Reader
from transit.validation import Refusal

_log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
MAX_ITEMS = 5_000  # a reader's backlog of a day off the network, in a few pushes

# Stores the taps and returns, once the new ones are committed, what became of
# each (``Ingest.submit_taps``); raises when the database could not take them.
TapSink = Callable[[Sequence[RawTap]], Awaitable[Sequence[TapOutcome | Refusal]]]


@dataclass
class ReaderSeen:
    vehicle_id: str
    last_seen: float  # service clock, Unix s, of its last accepted request
    taps_stored: int = 0


@dataclass
class TapPushTally:
    """What the endpoint did, for /metrics; mutated only on the event loop."""

    requests: int = 0
    taps_stored: int = 0
    duplicates: int = 0
    refused: dict[str, int] = field(default_factory=dict)  # by reason
    unauthorised: dict[str, int] = field(default_factory=dict)  # by code
    rate_limited: int = 0
    not_stored: int = 0  # requests answered 503
    readers: dict[str, ReaderSeen] = field(default_factory=dict)  # registered readers only


@dataclass(frozen=True, slots=True)
class TapPushConfig:
    sink: TapSink
    clock: Callable[[], float]
    readers: ReaderDirectory
    policy: KeyPolicy  # every reader's rate and burst
    buckets: TokenBuckets
    tally: TapPushTally


TAP_PUSH = web.AppKey("tap_push", TapPushConfig)


@dataclass(frozen=True)
class ReaderPush:
    """What the endpoint needs from the service: where taps go, who may push
    (the registry), and each reader's rate."""

    sink: TapSink
    readers: ReaderDirectory
    policy: KeyPolicy


def _unauthorised(config: TapPushConfig, code: str, reader_id: str | None) -> web.Response:
    config.tally.unauthorised[code] = config.tally.unauthorised.get(code, 0) + 1
    # %r: the id is whatever the client sent (it may hold control characters).
    _log.warning("tap_push_unauthorised code=%s reader_id=%r", code, reader_id,
                 extra={"event": "tap_push_unauthorised", "code": code})
    return error_response(401, code, f"a registered, active reader is required: its id in "
                          f"{READER_HEADER} and its key in {KEY_HEADER}")


async def _authorise(request: web.Request, config: TapPushConfig) -> Reader | web.Response:
    """The reader behind the request, or the 401/429/503 answer."""
    reader_id, key = request.headers.get(READER_HEADER), request.headers.get(KEY_HEADER)
    if not reader_id or not key:
        return _unauthorised(config, "missing_credentials", reader_id)
    try:
        reader = await config.readers.find(reader_id)
    except RegistryUnavailable as exc:
        return error_response(503, "registry_unavailable", str(exc), {"Retry-After": "5"})
    code = judge_credentials(reader, key)
    if code is not None or reader is None:
        return _unauthorised(config, code or "unknown_reader", reader_id)
    config.buckets.admit(reader.reader_id, config.policy)
    wait = config.buckets.take(reader.reader_id, config.clock())
    if wait > 0:
        config.tally.rate_limited += 1
        return error_response(429, "rate_limited", f"over this reader's rate; retry in {wait:.1f} s",
                              {"Retry-After": retry_after_header(wait)})
    return reader


def parse_body(body: bytes, reader: Reader, received_at: float) -> list[tuple[str | None, PushedTap | Refusal]]:
    """Each item of a push body: its transaction id (if readable) and the tap
    to store or why not; raises ``BadBody`` when the body as a whole is not a
    list of taps."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadBody(400, "invalid_json", f"the body is not JSON: {exc}") from None
    items = payload.get("taps") if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        raise BadBody(400, "not_a_list", 'the body must be a JSON array of taps or {"taps": [...]}')
    if len(items) > MAX_ITEMS:
        raise BadBody(413, "too_many_taps", f"{len(items)} taps; send at most {MAX_ITEMS}")
    return [(readable_txn_id(item), parse_tap(item, reader.reader_id, reader.vehicle_id, received_at))
            for item in items]


async def push_taps(request: web.Request) -> web.Response:
    config = request.app[TAP_PUSH]
    config.tally.requests += 1
    reader = await _authorise(request, config)
    if isinstance(reader, web.Response):
        return reader
    received_at = config.clock()
    seen = config.tally.readers.setdefault(reader.reader_id, ReaderSeen(reader.vehicle_id, received_at))
    seen.vehicle_id, seen.last_seen = reader.vehicle_id, received_at
    body = await read_body(request, MAX_BODY_BYTES)
    try:
        if body is None:
            raise BadBody(413, "body_too_large", f"the body is over {MAX_BODY_BYTES} bytes")
        parsed = parse_body(body, reader, received_at)
    except BadBody as exc:
        return error_response(exc.status, exc.code, str(exc))
    outcomes: list[TapOutcome | Refusal] = [p if isinstance(p, Refusal) else TapOutcome.DUPLICATE
                                            for _, p in parsed]  # the taps' are set below
    taps = [(i, p) for i, (_, p) in enumerate(parsed) if isinstance(p, PushedTap)]
    if taps:
        try:
            stored = await config.sink([tap for _, tap in taps])
        except Exception as exc:  # noqa: BLE001 - whatever failed, nothing is acknowledged
            config.tally.not_stored += 1
            _log.warning("tap_push_not_stored reader_id=%s taps=%d error=%s: %s", reader.reader_id,
                         len(taps), type(exc).__name__, exc, extra={"event": "tap_push_not_stored"})
            return error_response(503, "not_stored", "the taps could not be stored now; send them again",
                                  {"Retry-After": "1"})
        for (index, _), outcome in zip(taps, stored, strict=True):
            outcomes[index] = outcome
    return _answer(config, reader, [txn_id for txn_id, _ in parsed], outcomes, seen)


def _answer(config: TapPushConfig, reader: Reader, txn_ids: Sequence[str | None],
            outcomes: Sequence[TapOutcome | Refusal], seen: ReaderSeen) -> web.Response:
    """Count, log (counts only: no card id) and answer one result per item."""
    tally = config.tally
    results = []
    for index, (txn_id, outcome) in enumerate(zip(txn_ids, outcomes, strict=True)):
        result: dict[str, object] = {"index": index}
        if txn_id is not None:
            result["txn_id"] = txn_id
        if isinstance(outcome, Refusal):
            tally.refused[outcome.reason] = tally.refused.get(outcome.reason, 0) + 1
            result |= {"status": "refused", "reason": outcome.reason, "field": outcome.field,
                       "message": outcome.message}
        else:
            result["status"] = outcome.value
        results.append(result)
    stored = sum(o is TapOutcome.STORED for o in outcomes)
    duplicates = sum(o is TapOutcome.DUPLICATE for o in outcomes)
    tally.taps_stored += stored
    tally.duplicates += duplicates
    seen.taps_stored += stored
    refused = len(outcomes) - stored - duplicates
    _log.debug("tap_push reader_id=%s stored=%d duplicates=%d refused=%d", reader.reader_id, stored,
               duplicates, refused, extra={"event": "tap_push"})
    # Every item refused: the push as a whole is refused, and sending it again
    # will not help; anything stored or already there is a 200.
    return web.Response(
        status=400 if refused and refused == len(outcomes) else 200,
        body=orjson.dumps({"stored": stored, "duplicates": duplicates, "refused": refused,
                           "results": results}),
        content_type="application/json",
    )


def add_tap_push_routes(app: web.Application, push: ReaderPush, clock: Callable[[], float]) -> TapPushTally:
    """Adds ``POST /api/push/taps``. ``push.sink`` must return only once the
    new taps are durable. Returns the tally, for metrics."""
    tally = TapPushTally()
    app[TAP_PUSH] = TapPushConfig(push.sink, clock, push.readers, push.policy, TokenBuckets({}), tally)
    app.router.add_post("/api/push/taps", push_taps)
    return tally
