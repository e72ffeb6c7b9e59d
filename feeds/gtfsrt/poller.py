"""Polls another operator's GTFS-Realtime VehiclePositions feed into our ingest path.

A feed repeats each vehicle's latest fix on every fetch until the bus sends a
new one, so the poller remembers, per vehicle, the newest fix it delivered and
passes on only newer ones. A fix is remembered only once the sink has taken it:
if the sink fails, the next fetch offers the same fixes again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass, field

import aiohttp

from feeds.gtfsrt.decode import (
    DecodeResult,
    ObservedReport,
    UndecodableFeed,
    decode_vehicle_positions,
)
from transit.records import VehicleReport

__all__ = [
    "DecodeResult",
    "ObservedReport",
    "PollStats",
    "UndecodableFeed",
    "decode_vehicle_positions",
    "new_reports",
    "poll",
    "poll_once",
]

_log = logging.getLogger(__name__)

Sink = Callable[[Sequence[VehicleReport]], Awaitable[object]]

MAX_PAYLOAD_BYTES = 32 * 1024 * 1024  # a whole city's positions are a few MB at most


class FetchFailed(Exception):
    """The feed could not be fetched (network, HTTP status, size)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


@dataclass
class PollStats:
    """Counters of one poller, for health pages and tests (mutable on purpose:
    it is the poller's running tally, owned by its one task)."""

    fetches: int = 0
    fetch_errors: int = 0
    sink_errors: int = 0
    delivered: int = 0
    repeated: int = 0  # the same fix as already delivered
    stale: int = 0  # older than a fix already delivered
    skipped: dict[str, int] = field(default_factory=dict)  # entities, by reason
    descriptors_dropped: int = 0  # reports kept without their unfit trip descriptor fields
    last_error: str | None = None


def new_reports(
    reports: Sequence[VehicleReport], newest: MutableMapping[str, float], stats: PollStats
) -> list[VehicleReport]:
    """Reports newer than the newest delivered fix of their vehicle (``newest`` is
    read only: the caller records what the sink accepted)."""
    fresh: dict[str, VehicleReport] = {}
    for report in reports:
        last = newest.get(report.vehicle_id)
        if last is not None and report.timestamp <= last:
            if report.timestamp == last:
                stats.repeated += 1
            else:
                stats.stale += 1
            continue
        # A vehicle listed twice in one message (a feed glitch): keep its newest fix.
        kept = fresh.get(report.vehicle_id)
        if kept is None or report.timestamp > kept.timestamp:
            if kept is not None:
                stats.repeated += 1
            fresh[report.vehicle_id] = report
        else:
            stats.repeated += 1
    return list(fresh.values())


async def fetch_feed(
    url: str, session: aiohttp.ClientSession, timeout_s: float
) -> bytes:
    """The feed's bytes; raises ``FetchFailed`` for anything but a 200 within limits."""
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=timeout_s)) as response:
            if response.status != 200:
                raise FetchFailed(url, f"HTTP {response.status}")
            if (response.content_length or 0) > MAX_PAYLOAD_BYTES:
                raise FetchFailed(url, f"payload of {response.content_length} bytes")
            payload = bytearray()
            async for chunk in response.content.iter_chunked(64 * 1024):
                payload += chunk
                if len(payload) > MAX_PAYLOAD_BYTES:
                    raise FetchFailed(url, f"payload over {MAX_PAYLOAD_BYTES} bytes")
            return bytes(payload)
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        raise FetchFailed(url, f"{type(exc).__name__}: {exc}") from exc


async def poll_once(
    url: str,
    sink: Sink,
    *,
    session: aiohttp.ClientSession,
    clock: Callable[[], float],
    newest: MutableMapping[str, float],
    stats: PollStats,
    source: str = "gtfsrt",
    timeout_s: float = 10.0,
) -> int:
    """One fetch: decode, drop repeats, hand new reports to ``sink``. Returns how
    many were delivered; fetch, decode and sink failures are logged and counted."""
    stats.fetches += 1
    try:
        payload = await fetch_feed(url, session, timeout_s)
        result = decode_vehicle_positions(payload, clock(), source)
    except (FetchFailed, UndecodableFeed) as exc:
        stats.fetch_errors += 1
        stats.last_error = str(exc)
        _log.warning("gtfsrt.fetch_failed", extra={"url": url, "error": str(exc)})
        return 0
    for reason, count in result.skipped.items():
        stats.skipped[reason] = stats.skipped.get(reason, 0) + count
    stats.descriptors_dropped += result.descriptors_dropped
    fresh = new_reports(result.reports, newest, stats)
    if not fresh:
        return 0
    try:
        await sink(fresh)
    except Exception as exc:  # noqa: BLE001 - any sink failure: retry on the next fetch
        stats.sink_errors += 1
        stats.last_error = f"sink: {type(exc).__name__}: {exc}"
        _log.warning("gtfsrt.sink_failed", extra={"url": url, "error": stats.last_error})
        return 0
    for report in fresh:
        newest[report.vehicle_id] = report.timestamp
    stats.delivered += len(fresh)
    return len(fresh)


async def poll(
    url: str,
    sink: Sink,
    *,
    interval_s: float,
    session: aiohttp.ClientSession,
    clock: Callable[[], float],
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    source: str = "gtfsrt",
    timeout_s: float = 10.0,
    stats: PollStats | None = None,
    max_polls: int | None = None,
) -> PollStats:
    """Fetch ``url`` every ``interval_s`` seconds until cancelled (or ``max_polls``
    fetches), delivering new reports to ``sink`` (e.g. ``Ingest.submit_reports``).
    Never dies of a fetch or sink error; ``stats`` (created if not given) counts them."""
    if interval_s <= 0:
        raise ValueError("interval_s must be positive")
    tally = stats if stats is not None else PollStats()
    newest: dict[str, float] = {}
    polls = 0
    while max_polls is None or polls < max_polls:
        started = clock()
        await poll_once(url, sink, session=session, clock=clock, newest=newest,
                        stats=tally, source=source, timeout_s=timeout_s)
        polls += 1
        if max_polls is not None and polls >= max_polls:
            break
        # Keep the cadence: a slow fetch shortens the wait rather than adding to it.
        await sleep(max(0.0, interval_s - (clock() - started)))
    return tally
