"""Schedule versions as the service uses them: import a feed, load the live one."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from transit.gtfs.build import Progress
from transit.gtfs.feed import LoadedFeed, load_feed
from transit.model.network import Network
from transit.store import Pool, schedules


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
    data = await schedules.get_feed_zip(pool, version.id)
    loaded = await asyncio.to_thread(load_feed, data, version.source, progress)
    return LiveSchedule(version.id, loaded.network)
