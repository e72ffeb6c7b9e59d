"""The demo city and its simulated fleet: the zero-config half of the wiring.

``transit demo`` makes the generated Tongchuan-like city the live schedule
(once), runs the service on a simulated clock and streams a simulated day of
GPS reports and taps into the ingest path like any feed; ``transit simulate``
writes such a day to files with its ground truth.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console

from transit.config import Config
from transit.gtfs.feed import load_feed, load_feed_file, read_raw_tables
from transit.ingest import Ingest
from transit.model.network import Network
from transit.model.service_days import service_day_of
from transit.progress import progress_bar, steps
from transit.store import Pool, schedules
from transit.store.publications import was_published
from transit.versions import import_feed

# Before 05:30 the demo city sleeps; a demo started then begins with the first buses.
QUIET_UNTIL, MORNING = clock_time(5, 30), clock_time(6, 30)


@dataclass(frozen=True)
class SimulatedClock:
    """Simulated Unix time running ``speed`` times faster than the wall clock."""

    origin: float
    speed: float
    wall_origin: float

    def __call__(self) -> float:
        return self.origin + (time.monotonic() - self.wall_origin) * self.speed


def demo_source_name(seed: int) -> str:
    return f"demo-city-seed{seed}.zip"


async def ensure_demo_schedule(pool: Pool, config: Config, console: Console) -> None:
    """Make the demo city (of the configured seed) the live version, generating
    and importing it once; later starts reuse the stored version. A version
    an approver published (or rolled back to) in the console stays live: a
    restart never undoes an audited act."""
    from feeds.democity import write_demo_feed

    name = demo_source_name(config.seed)
    live = await schedules.find_live_version(pool)
    if live is not None and (live.source == name or await was_published(pool, live.id)):
        return
    stored = [v for v in await schedules.list_versions(pool) if v.source == name]
    if stored:
        await schedules.set_live(pool, stored[-1].id)
        return
    path = config.data_dir / name
    with console.status(f"generating the demo city (seed {config.seed})"):
        await asyncio.to_thread(write_demo_feed, path, config.seed)
    with steps(console, "checking and importing it") as note:
        feed = await asyncio.to_thread(load_feed_file, path, note)
    version_id = await import_feed(pool, feed, make_live=True)
    counts = ", ".join(f"{v} {k}" for k, v in feed.summary().items())
    console.print(f"demo city imported as schedule version {version_id}: {counts}")


async def demo_demand(pool: Pool, version_id: int) -> object:
    from feeds.democity import stop_demand

    data = await schedules.get_feed_zip(pool, version_id)
    tables = await asyncio.to_thread(read_raw_tables, data, "live")
    return stop_demand(tables)


def demo_start(day: date | None, start: clock_time | None, now: datetime, timezone: str) -> datetime:
    """When the demo's simulated clock starts: now in the city (``timezone``),
    unless it sleeps, then its first buses; ``day``/``start`` override either part."""
    local = now.astimezone(ZoneInfo(timezone))
    if start is None:
        start = MORNING if local.time() < QUIET_UNTIL else local.time().replace(microsecond=0)
    return datetime.combine(day or local.date(), start, tzinfo=ZoneInfo(timezone))


async def simulate(network: Network, day: date, demand: object, config: Config, console: Console):  # type: ignore[no-untyped-def]
    from feeds.simulator.day import simulate_day

    with progress_bar(console, f"simulating {day}") as advance:
        return await asyncio.to_thread(
            partial(simulate_day, network, day, seed=config.seed + day.toordinal(),
                    demand=demand, progress=advance)
        )


async def run_simulation(
    network: Network, demand: object, ingest: Ingest, clock: SimulatedClock, config: Config,
    console: Console, pool: Pool,
) -> None:
    """Stream simulated days into the ingest path, one service day after
    another, each day's buses with a registered POS reader (``feeds.readers.demo``)."""
    from feeds.readers.demo import READERS_FILE, register_demo_readers
    from feeds.simulator.live import stream

    day = service_day_of(clock(), network.timezone)
    while True:
        simulated = await simulate(network, day, demand, config, console)
        added = await register_demo_readers(pool, simulated.plates, config.data_dir, time.time())
        if added:
            console.print(f"demo POS readers: {added} registered as POS-<vehicle> for POST "
                          f"/api/push/taps, keys in {config.data_dir / READERS_FILE}")
        await stream(simulated, clock(), clock.speed, ingest.offer,
                     now=time.monotonic, sleep=asyncio.sleep)
        day += timedelta(days=1)


def simulate_to_files(config: Config, day: date, out: Path, feed: Path | None, console: Console) -> int:
    """`transit simulate`: a day of the fleet and passengers, with ground truth, to files."""
    from feeds.democity import build_demo_feed, stop_demand
    from feeds.simulator.files import write_day
    from transit.gtfs.tables import write_tables

    if feed is None:
        with console.status(f"generating the demo city (seed {config.seed})"):
            tables = build_demo_feed(config.seed)
            data, source = write_tables(tables), demo_source_name(config.seed)
        demand = stop_demand(tables)
    else:
        data, source, demand = feed.read_bytes(), feed.name, None
    with steps(console, f"loading {source}") as note:
        network = load_feed(data, source, note).network
    simulated = asyncio.run(simulate(network, day, demand, config, console))
    write_day(simulated, out)
    stats = simulated.stats
    console.print(
        f"{day}: {stats.vehicles} vehicles, {stats.trips} trips, {stats.reports:,} reports, "
        f"{stats.passengers:,} passengers -> {out}"
    )
    return 0

