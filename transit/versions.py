"""Schedule versions as the service uses them: import a feed, load the live one."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date

from transit.gtfs.build import Progress
from transit.gtfs.feed import LoadedFeed, load_feed
from transit.model.network import Network
from transit.model.service_days import service_day_of
from transit.store import Pool, schedules
from transit.store.publications import Publication, apply_due_publications, live_state

_log = logging.getLogger(__name__)


class NoLiveSchedule(LookupError):
    """No schedule version is live yet: import a feed first."""


@dataclass(frozen=True)
class LiveSchedule:
    version_id: int
    network: Network


async def import_feed(pool: Pool, feed: LoadedFeed, *, make_live: bool = True) -> int:
    """Store a checked feed as a new version; only then, atomically, make it live."""
    return await schedules.insert_version(
        pool,
        source=feed.source,
        sha256=feed.sha256,
        feed_zip=feed.data,
        summary=feed.summary(),
        start=feed.start,
        end=feed.end,
        make_live=make_live,
    )


async def load_live_schedule(pool: Pool, progress: Progress | None = None) -> LiveSchedule:
    """The live version's network, built off the event loop."""
    version = await schedules.find_live_version(pool)
    if version is None:
        raise NoLiveSchedule("no schedule version is live: run `transit import-gtfs FEED.zip`")
    return await load_schedule(pool, version.id, progress)


async def load_schedule(pool: Pool, version_id: int, progress: Progress | None = None) -> LiveSchedule:
    """A stored version's network, built off the event loop."""
    version = await schedules.get_version(pool, version_id)
    data = await schedules.get_feed_zip(pool, version.id)
    loaded = await asyncio.to_thread(load_feed, data, version.source, progress)
    return LiveSchedule(version.id, loaded.network)


async def open_live_schedule(pool: Pool, now: float, progress: Progress | None = None) -> LiveSchedule:
    """The live version as a service starting at ``now`` (wall clock) runs it:
    after the publications whose first service day has come took effect."""
    live = await load_live_schedule(pool, progress)
    applied = await _apply_due(pool, service_day_of(now, live.network.timezone), now)
    return await load_live_schedule(pool, progress) if applied else live


async def follow_live_version(pool: Pool, today: date, now: float) -> int | None:
    """The version a running service should run on service day ``today`` at
    ``now`` (wall clock): the live one, once a publication waiting for a day
    up to ``today`` took effect (as the console's next act would do). A read
    unless one is due, so a service may ask every few seconds."""
    async with pool.acquire() as conn:
        state = await live_state(conn, lock=False)
    if state.pending_from is None or state.pending_from > today:
        return state.version_id
    await _apply_due(pool, today, now)
    version = await schedules.find_live_version(pool)
    return None if version is None else version.id


async def _apply_due(pool: Pool, today: date, now: float) -> list[Publication]:
    applied = await apply_due_publications(pool, today, now)
    for publication in applied:
        _log.info("publication_applied id=%d version=%d from=%s", publication.id, publication.version_id,
                  publication.effective_from, extra={"event": "publication_applied"})
    return applied
