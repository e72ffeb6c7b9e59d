"""``transit flow build|export``: a service day's passenger flow for dispatchers and planners.

Exit status 0 on success, 2 when the day has nothing to build or export from.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from datetime import date
from functools import partial
from pathlib import Path

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from transit.store import Pool, WithPool

if TYPE_CHECKING:  # the work itself is imported when a command runs: `transit --help` stays quick
    from feeds.flow.build import BuiltDay

# The CLI's exit status for input it cannot use (transit.cli.EXIT_NOTHING_THERE).
EXIT_NOTHING_THERE = 2


def add_flow_command(command: Callable[..., argparse.ArgumentParser],
                     add_common: Callable[[argparse.ArgumentParser], None]) -> argparse.ArgumentParser:
    """The ``flow`` parser, made by ``command``; ``add_common`` adds the options
    every command takes to each action."""
    flow = command("flow", help="passenger flow of a service day from its taps and stop events")
    common = argparse.ArgumentParser(add_help=False)
    add_common(common)
    actions = flow.add_subparsers(dest="flow_command", required=True, metavar="ACTION")
    build = actions.add_parser("build", parents=[common], help="infer the day's boarding and "
                               "alighting stops and loads, and store them (replaces an earlier build)")
    build.add_argument("--day", type=date.fromisoformat, required=True, help="service day, YYYY-MM-DD")
    export = actions.add_parser("export", parents=[common], help="write a built day as CSV, "
                                "Parquet and plots (PNG, SVG)")
    export.add_argument("--day", type=date.fromisoformat, required=True, help="service day, YYYY-MM-DD")
    export.add_argument("--out", type=Path, required=True, help="folder to write to")
    export.add_argument("--no-plots", action="store_true", help="tables only")
    zones = export.add_mutually_exclusive_group()
    zones.add_argument("--zones", type=Path, metavar="FILE.csv",
                       help="zones of the zone OD matrix: a CSV with columns stop_id,zone")
    zones.add_argument("--zone-km", type=float, default=None, metavar="N",
                       help="zones of the zone OD matrix: a grid of N x N km cells (default 2)")
    export.set_defaults(flow_run=_run_export)
    build.set_defaults(flow_run=_run_build)
    return flow


def run_flow(args: argparse.Namespace, console: Console, with_pool: WithPool) -> int:
    """The command: tables on stdout, progress and refusals on ``console``."""
    return int(args.flow_run(args, console, with_pool))


def _run_build(args: argparse.Namespace, console: Console, with_pool: WithPool) -> int:
    from feeds.flow.build import NothingToBuild, build_flow_day

    async def build(pool: Pool) -> int:
        try:
            built = await build_flow_day(pool, args.day, partial(console.print, highlight=False))
        except NothingToBuild as exc:
            console.print(f"[red]{exc}[/red]", highlight=False, soft_wrap=True)
            return EXIT_NOTHING_THERE
        Console().print(_summary(built, _peaks(built)))
        return 0

    return with_pool(build)


def _peaks(built: BuiltDay) -> Table:
    from transit.flow.peaks import hourly_loads, peak_load_points

    table = Table("line", "dir", "peak hour", "segment", "riders", title="peak-load points")
    for p in peak_load_points(hourly_loads(built.flow.loads, built.network.timezone)):
        table.add_row(p.route_id, str(p.direction_id), f"{p.hour:02d}:00",
                      f"{p.from_stop_id} -> {p.to_stop_id}", f"{p.load:.0f}")
    return table


def _summary(built: BuiltDay, peaks: Table) -> Table:
    counts = built.flow.counts
    table = Table.grid(padding=(0, 2))
    table.add_row("service day", str(built.service_date))
    table.add_row("taps", f"{counts.taps:,} ({counts.duplicates:,} duplicates)")
    table.add_row("boarding stop found", f"{counts.placed:,} ({counts.placed / max(counts.taps, 1):.1%})")
    table.add_row("alighting stop inferred", f"{counts.chained:,} ({counts.chained_share:.1%})")
    table.add_row("not placed, by reason", _reasons(counts.unplaced))
    table.add_row("not chained, by reason", _reasons(counts.unchained))
    clocks = [c for c in built.flow.clocks.values() if c.estimated and abs(c.offset_s) >= 30]
    journeys = next((j for j in built.transfers.journeys if j.service_date == built.service_date), None)
    if journeys is not None:
        table.add_row("journeys (linked legs)", f"{journeys.journeys:,} ({journeys.legs_per_journey:.2f} "
                      f"legs each, {journeys.transfers:,} transfers)")
    table.add_row("readers off by 30 s or more", f"{len(clocks)} of {len(built.flow.clocks)}")
    table.add_row("built in", f"{built.seconds:.1f} s")
    table.add_row("", peaks)
    return table


def _reasons(counts: Mapping[str, int]) -> str:
    ordered = sorted(counts.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{k}: {v:,}" for k, v in ordered if v) or "none"


def _run_export(args: argparse.Namespace, console: Console, with_pool: WithPool) -> int:
    from transit.flow.peaks import hourly_loads, peak_load_points
    from feeds.flow.export import BadZoneFile, read_zone_file, write_line_plots, write_od_tables, write_tables
    from transit.flow.zones import DEFAULT_CELL_KM, UnzonedStops, grid_zones
    from transit.gtfs.feed import load_feed
    from transit.store.flow import (
        FlowDayNotFound, get_flow_day, list_segment_loads, list_stop_bins, list_stop_od, list_transfer_flows,
    )
    from transit.store.schedules import get_feed_zip, get_version

    def refuse(message: object) -> int:
        console.print(f"[red]{message}[/red]", highlight=False, soft_wrap=True)
        return EXIT_NOTHING_THERE

    try:  # a bad zone file is refused before the database is opened
        zones = read_zone_file(args.zones) if args.zones else None
    except BadZoneFile as exc:
        return refuse(exc)
    if args.zone_km is not None and args.zone_km <= 0:
        return refuse(f"--zone-km {args.zone_km}: the size of a zone cell must be above 0 km")

    async def export(pool: Pool) -> int:
        try:
            built = await get_flow_day(pool, args.day)
        except FlowDayNotFound as exc:
            return refuse(exc)
        network = load_feed(await get_feed_zip(pool, built.version_id),
                            (await get_version(pool, built.version_id)).source).network
        stops = await list_stop_bins(pool, args.day)
        loads = await list_segment_loads(pool, args.day)
        peaks = peak_load_points(hourly_loads(loads, network.timezone))
        args.out.mkdir(parents=True, exist_ok=True)
        try:
            written = write_od_tables(args.out, await list_stop_od(pool, args.day),
                                      zones or grid_zones(network, args.zone_km or DEFAULT_CELL_KM),
                                      await list_transfer_flows(pool, args.day))
        except UnzonedStops as exc:  # only a zone file can miss stops of the day's network
            return refuse(f"{args.zones}: {exc}")
        written += write_tables(args.out, stops, loads, peaks, network.timezone)
        if not args.no_plots:
            console.print(f"plotting {len({p.route_id for p in peaks})} lines ...")
            written += write_line_plots(args.out, network, stops, loads, peaks)
        Console().print(f"{len(written)} files written to {args.out}", highlight=False)
        return 0

    return with_pool(export)
