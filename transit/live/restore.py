"""Restart without forgetting today: before a restarted service takes new
reports, today's stored reports go through tracking and the predictor's
learning again, in the order they were received, so buses keep their trips and
predictions keep what today's streets taught them; the taps readers pushed
live go between them in that order too, so the buses' crowding is as it was.
The stop events found are written again (an upsert: the same rows, and any a
crash kept from the store).
"""

from __future__ import annotations

import heapq
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from transit.live.tracking import Item, LiveTracking
from transit.model.service_days import SERVICE_DAY_TURNS_AT, service_day_of, service_day_origin
from transit.store import Pool
from transit.records import Tap
from transit.store.reports import stream_reports_received
from transit.store.taps import list_live_taps

_log = logging.getLogger(__name__)
LOG_EVERY = 100_000  # reports


@dataclass(frozen=True, slots=True)
class Restored:
    reports: int
    events: int
    seconds: float  # wall time it took
    taps: int = 0


async def restore_today(pool: Pool, live: LiveTracking, timezone: str,
                        clock: Callable[[], float]) -> Restored:
    """Apply the reports and live taps received since the current service
    day began (03:00) up to now, then publish one snapshot of the result."""
    started = time.perf_counter()
    now = clock()
    day = service_day_of(now, timezone)
    since = (service_day_origin(day, timezone) + SERVICE_DAY_TURNS_AT).timestamp()
    reports = events = 0
    next_log = LOG_EVERY
    taps = await list_live_taps(pool, since, now)
    taken = 0
    async for chunk in stream_reports_received(pool, since, now):
        upto = taken
        while upto < len(taps) and taps[upto].received_at <= chunk[-1].received_at:
            upto += 1
        events += len(live.restore(_in_order(chunk, taps[taken:upto])))
        taken = upto
        reports += len(chunk)
        if reports >= next_log:  # a full day takes a while: say it is moving
            _log.info("live_state_restoring reports=%d seconds=%.1f", reports,
                      time.perf_counter() - started, extra={"event": "live_state_restoring"})
            next_log += LOG_EVERY
    live.restore(taps[taken:])
    live.apply([])
    restored = Restored(reports, events, time.perf_counter() - started, len(taps))
    _log.info("live_state_restored reports=%d taps=%d events=%d seconds=%.1f service_day=%s",
              reports, len(taps), events, restored.seconds, day,
              extra={"event": "live_state_restored", "reports": reports})
    return restored


def _in_order(reports: Sequence[Item], taps: Sequence[Tap]) -> list[Item]:
    """Reports and taps merged by receipt, a report first on a tie (as ingest
    hands a chunk's reports and taps over in the order offered)."""
    return list(heapq.merge(reports, taps, key=lambda item: item.received_at))
