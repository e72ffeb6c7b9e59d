"""Restart without forgetting today: before a restarted service takes new
reports, today's stored reports go through tracking and the predictor's
learning again, in the order they were received, so buses keep their trips and
predictions keep what today's streets taught them; the taps readers pushed
live go between them in that order too, so the buses' crowding is as it was.
The stop events found are written again (an upsert: the same rows, and any a
crash kept from the store). A service switching schedule versions restores in
two passes: the long one while the old version still serves, the short rest
once it closed (``restore_start``, ``restore_rest``).
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from transit.live.tracking import Item, LiveTracking
from transit.model.service_days import SERVICE_DAY_TURNS_AT, service_day_of, service_day_origin
from transit.store import Pool
from transit.records import Tap
from transit.store.reports import stream_reports_received
from transit.store.taps import list_live_taps

_log = logging.getLogger(__name__)
T = TypeVar("T", bound=Item)
LOG_EVERY = 100_000  # reports


# A restore's second pass reads again what was received this long before the
# first pass ended: a row committed later than that after its receipt (the
# database away for a minute) stays stored but misses the live state.
OVERLAP_S = 60.0
# Reports applied at a time: between chunks the loop serves (a switching service still runs the old version).
CHUNK = 5_000


@dataclass(frozen=True, slots=True)
class Restored:
    reports: int
    events: int
    seconds: float  # wall time it took
    taps: int = 0
    until: float = 0.0  # everything received before this was read (service clock)
    tail: tuple[tuple[str, float, float], ...] = ()  # what was applied from the last OVERLAP_S before ``until``


async def restore_today(pool: Pool, live: LiveTracking, timezone: str,
                        clock: Callable[[], float]) -> Restored:
    """Apply the reports and live taps received since the current service
    day began (03:00) up to now, then publish one snapshot of the result."""
    return await restore_rest(pool, live, clock, await restore_start(pool, live, timezone, clock))


async def restore_start(pool: Pool, live: LiveTracking, timezone: str,
                        clock: Callable[[], float]) -> Restored:
    """The long first pass of ``restore_today``, which may run while another
    live state still takes reports (a service switching schedule versions):
    what was received since 03:00 up to now, applied but not published."""
    started = time.perf_counter()
    now = clock()
    day = service_day_of(now, timezone)
    since = (service_day_origin(day, timezone) + SERVICE_DAY_TURNS_AT).timestamp()
    reports, taps, events, tail = await _apply_received(pool, live, since, now, Counter())
    return Restored(reports, events, time.perf_counter() - started, taps, now, tail)


async def restore_rest(pool: Pool, live: LiveTracking, clock: Callable[[], float], start: Restored) -> Restored:
    """The second pass, once nothing else takes reports: what was received
    since ``start`` ended (and what was committed late within ``OVERLAP_S``
    before, skipping what ``start`` applied), then one snapshot published."""
    started = time.perf_counter()
    now = clock()
    reports, taps, events, _ = await _apply_received(pool, live, start.until - OVERLAP_S, now, Counter(start.tail))
    live.apply([])
    restored = Restored(start.reports + reports, start.events + events,
                        start.seconds + time.perf_counter() - started, start.taps + taps, now)
    _log.info("live_state_restored reports=%d taps=%d events=%d seconds=%.1f last_pass_reports=%d"
              " last_pass_seconds=%.2f", restored.reports, restored.taps, restored.events, restored.seconds,
              reports, time.perf_counter() - started,
              extra={"event": "live_state_restored", "reports": restored.reports})
    return restored


async def _apply_received(pool: Pool, live: LiveTracking, since: float, until: float,
                          skip: Counter[tuple[str, float, float]],
                          ) -> tuple[int, int, int, tuple[tuple[str, float, float], ...]]:
    """Apply the reports and live taps received in [since, until) but those
    in ``skip`` (applied already); how many reports, taps and stop events,
    and the keys of those received in the last ``OVERLAP_S``."""
    started = time.perf_counter()
    reports = events = 0
    next_log = LOG_EVERY
    taps = _unseen(await list_live_taps(pool, since, until), skip)
    taken = 0
    tail: list[tuple[str, float, float]] = []
    async for stored in stream_reports_received(pool, since, until, CHUNK):
        chunk = _unseen(stored, skip)
        if not chunk:
            continue
        upto = taken
        while upto < len(taps) and taps[upto].received_at <= chunk[-1].received_at:
            upto += 1
        events += len(live.restore(_in_order(chunk, taps[taken:upto])))
        taken = upto
        reports += len(chunk)
        tail += [_key(r) for r in chunk if r.received_at >= until - OVERLAP_S]
        if reports >= next_log:  # a full day takes a while: say it is moving
            _log.info("live_state_restoring reports=%d seconds=%.1f", reports,
                      time.perf_counter() - started, extra={"event": "live_state_restoring"})
            next_log += LOG_EVERY
        # Let the loop breathe between chunks: a switching service still serves meanwhile.
        await asyncio.sleep(0)
    live.restore(taps[taken:])
    tail += [_key(t) for t in taps if t.received_at >= until - OVERLAP_S]
    return reports, len(taps), events, tuple(tail)


def _key(item: Item) -> tuple[str, float, float]:
    """A stored row read twice gives the same key; a report sent again was stored again, later."""
    if isinstance(item, Tap):
        return ("tap:" + item.tap_id, item.timestamp, item.received_at)
    return (item.vehicle_id, item.timestamp, item.received_at)


def _unseen(items: Sequence[T], skip: Counter[tuple[str, float, float]]) -> list[T]:
    """``items`` but those ``skip`` counts (each count skips one)."""
    if not skip:
        return list(items)
    kept = []
    for item in items:
        key = _key(item)  # type: ignore[arg-type]
        if skip[key] > 0:
            skip[key] -= 1
        else:
            kept.append(item)
    return kept


def _in_order(reports: Sequence[Item], taps: Sequence[Tap]) -> list[Item]:
    """Reports and taps merged by receipt, a report first on a tie (as ingest
    hands a chunk's reports and taps over in the order offered)."""
    return list(heapq.merge(reports, taps, key=lambda item: item.received_at))
