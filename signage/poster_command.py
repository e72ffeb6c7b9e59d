"""``transit posters``: a printable poster per stop, from the live schedule
version or a GTFS file. A stop asked for that the schedule lacks raises
``UnknownStops`` (the CLI shows it and exits 2)."""

from __future__ import annotations

import argparse
from datetime import datetime
from zoneinfo import ZoneInfo

from rich.console import Console

from signage.posters import write_posters
from transit.gtfs.feed import load_feed_file
from transit.model.network import Network
from transit.progress import progress_bar, steps
from transit.store import Pool, WithPool
from transit.versions import NoLiveSchedule, load_live_schedule


class UnknownStops(ValueError):
    """Stops asked for by id that the schedule does not have."""


def run_posters(args: argparse.Namespace, console: Console, with_database: WithPool,
                default_base_url: str) -> int:
    try:
        network = _network(args, console, with_database)
    except NoLiveSchedule as exc:
        console.print(f"[red]{exc}[/red]", highlight=False)
        return 1
    base_url = args.base_url or default_base_url
    if args.base_url is None:
        console.print(f"[yellow]no --base-url: the QR codes point at {base_url}[/yellow]", highlight=False)
    unknown = [s for s in args.stops or () if s not in network.stops]
    if unknown:
        raise UnknownStops(f"no such stop: {', '.join(unknown)}")
    day = args.day or datetime.now(ZoneInfo(network.timezone)).date()
    with progress_bar(console, f"posters ({args.size}, {args.format})") as advance:
        written = write_posters(network, args.out, base_url=base_url, day=day, size=args.size,
                                fmt=args.format, stop_ids=args.stops, progress=advance)
    console.print(f"{len(written)} posters written to {args.out} (first/last buses of {day})")
    return 0


def _network(args: argparse.Namespace, console: Console, with_database: WithPool) -> Network:
    if args.gtfs is not None:
        with steps(console, f"loading {args.gtfs}") as note:
            return load_feed_file(args.gtfs, note).network
    loaded: list[Network] = []

    async def load(pool: Pool) -> None:
        with steps(console, "loading the live schedule") as note:
            loaded.append((await load_live_schedule(pool, note)).network)

    with_database(load)
    return loaded[0]
