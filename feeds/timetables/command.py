"""``transit optimize``: rebuild lines' timetables from a day's observed flow and
store the result as a draft schedule version for a dispatcher to approve.

The steps: the base version (default: the live one); the flow day's stop events
and taps from the database, the flow inferred (``transit.flow.day.infer_flow``,
as ``transit flow build`` does); the inputs of every line direction under the
scenario (``feeds.timetables.inputs``); frequencies and departures per direction
within the line's fleet (``optimizer.timetable.rebuild``); the draft with its
blocks, KPIs and diff (``feeds.drafts.make``), stored. Exit status 0 when a
draft was stored, 2 when the input cannot be used.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console

from transit.store import Pool, WithPool

# The CLI's exit status for input it cannot use (transit.cli.EXIT_INVALID_INPUT).
EXIT_INVALID_INPUT = 2


def add_optimize_command(command: Callable[..., argparse.ArgumentParser]) -> argparse.ArgumentParser:
    from optimizer.timetable.model import Construction, Method

    optimize = command("optimize", help="rebuild lines' timetables from observed flow into a draft "
                       "schedule version (see `transit drafts`)")
    optimize.add_argument("--day", type=date.fromisoformat, metavar="YYYY-MM-DD",
                          help="service day whose stored taps and stop events give demand and running "
                          "times (default: none: policy headways and scheduled running times)")
    optimize.add_argument("--line", action="append", default=[], metavar="ROUTE_ID",
                          help="a line to rebuild (repeat; default: every line)")
    optimize.add_argument("--scenario", default="weekday", help="weekday, weekend, tourist_season, "
                          "holiday, or a TOML file (see docs/optimizer.md); default weekday")
    optimize.add_argument("--fleet", type=int, metavar="N", help="vehicles for the rebuilt lines, shared "
                          "among them by what their frequencies ask for (default: as many as they have at "
                          "peak in the base version)")
    optimize.add_argument("--keep-line-fleets", action="store_true", help="each line keeps its own "
                          "vehicles at peak instead of sharing the fleet")
    optimize.add_argument("--version", type=int, help="schedule version to start from (default: the live one)")
    optimize.add_argument("--method", choices=[m.value for m in Method], default=Method.LOAD_PROFILE_CAPPED.value,
                          help="Ceder's frequency method (default load_profile_capped)")
    optimize.add_argument("--construction", choices=[c.value for c in Construction],
                          default=Construction.CP_SAT.value, help="how departures are timed (default cp_sat)")
    optimize.add_argument("--grid", type=int, choices=(30, 60), default=60, help="departure grid, s")
    optimize.add_argument("--time-limit", type=float, default=0.25, metavar="S",
                          help="CP-SAT time on any one direction (default 0.25 s)")
    optimize.add_argument("--budget", type=float, default=3.0, metavar="S",
                          help="CP-SAT time for the whole run, spent on the directions furthest from "
                          "their bound (default 3 s; 0: the exact dynamic program only)")
    optimize.add_argument("--hub", action="append", default=[], metavar="STOP_ID",
                          help="time transfers at this stop and the stops within --hub-walk of it (repeat)")
    optimize.add_argument("--hub-walk", type=float, default=300.0, metavar="M",
                          help="stops within this many metres of a hub's stop belong to it (default 300)")
    optimize.add_argument("--hub-max-wait", type=float, default=10.0, metavar="MIN",
                          help="transfer waits are capped at this (default 10 min)")
    optimize.add_argument("--hub-window", type=float, default=3.0, metavar="MIN",
                          help="a departure moves at most this much either way for transfers (default 3 min)")
    optimize.add_argument("--hub-budget", type=float, default=5.0, metavar="S",
                          help="wall time for the hub step (default 5 s)")
    optimize.add_argument("--short-turns", action="store_true",
                          help="where a stretch of a line is much busier than the rest, run full trips at what "
                          "the rest needs and short turns on the stretch (opt-in: see docs/optimizer.md)")
    optimize.add_argument("--depots", type=Path, help="depots CSV (name,lat,lon,capacity): the draft's "
                          "blocks from the block engine (default: first-in-first-out chaining per line, "
                          "marked as such in the draft)")
    return optimize


def run_optimize(args: argparse.Namespace, console: Console, with_pool: WithPool) -> int:
    """The command: progress on ``console``, the summary on stdout."""
    from feeds.timetables.rebuild_run import RunRefused

    try:
        return with_pool(lambda pool: _optimize(pool, args, console))
    except RunRefused as exc:
        console.print(f"[red]{exc}[/red]", highlight=False, soft_wrap=True)
        return EXIT_INVALID_INPUT


async def _optimize(pool: Pool, args: argparse.Namespace, console: Console) -> int:
    from feeds.drafts.saving import save_draft
    from feeds.timetables.hub_run import HubSpec
    from feeds.timetables.rebuild_run import OptimizeRun, RunRefused, run_rebuild
    from transit.store.schedules import VersionNotFound

    try:
        base, live = await _schedules(pool, args.version)
    except VersionNotFound as exc:
        raise RunRefused(f"{exc}: see `transit versions`") from None
    events, taps = await _observed(pool, args.day, base.network.timezone) if args.day else ([], [])
    run = OptimizeRun(lines=tuple(args.line), scenario=args.scenario, fleet=args.fleet,
                      keep_line_fleets=args.keep_line_fleets, method=args.method,
                      construction=args.construction, grid_s=args.grid, time_limit_s=args.time_limit, budget_s=args.budget,
                      depots=args.depots, day=args.day, hubs=tuple(HubSpec(stop) for stop in args.hub),
                      hub_params=_hub_params(args), short_turns=args.short_turns)
    started = time.perf_counter()
    result = await asyncio.to_thread(run_rebuild, base, live, events, taps, run, console)
    draft_id = await save_draft(pool, result.draft)
    _print_summary(result, draft_id, time.perf_counter() - started)
    return 0


def _hub_params(args: argparse.Namespace) -> Any:
    """The hub options as ``HubParams``; a value out of range is refused naming its option."""
    from feeds.timetables.rebuild_run import RunRefused
    from optimizer.timetable.hubs import HubParams

    for option, value, least in (("--hub-walk", args.hub_walk, 0.0), ("--hub-max-wait", args.hub_max_wait, 0.5),
                                 ("--hub-window", args.hub_window, 0.0), ("--hub-budget", args.hub_budget, 0.0)):
        if not value >= least:
            raise RunRefused(f"{option} {value:g}: give {least:g} or more")
    return HubParams(walk_m=args.hub_walk, max_wait_s=round(args.hub_max_wait * 60),
                     window_s=round(args.hub_window * 60), time_limit_s=args.hub_budget)


def add_study_command(command: Callable[..., argparse.ArgumentParser]) -> argparse.ArgumentParser:
    study = command("study", help="a what-if from a small TOML file (scenario, lines, fleet, policy, weights, "
                    "lines extended, shortened, with stops added or removed, new lines), "
                    "its KPIs side by side with the live version's")
    study.add_argument("file", type=Path, help="the study (see docs/optimizer.md, docs/examples/study-*.toml)")
    study.add_argument("--save", action="store_true", help="also store the result as a draft")
    return study


def run_study(args: argparse.Namespace, console: Console, with_pool: WithPool) -> int:
    from feeds.timetables.rebuild_run import RunRefused
    from feeds.timetables.study import read_study
    from optimizer.timetable.errors import InputError

    try:
        study = read_study(args.file)
        return with_pool(lambda pool: _study(pool, study, args.save, console))
    except (RunRefused, InputError) as exc:
        console.print(f"[red]{exc}[/red]", highlight=False, soft_wrap=True)
        return EXIT_INVALID_INPUT


async def _study(pool: Pool, study: Any, save: bool, console: Console) -> int:
    from dataclasses import replace

    from feeds.drafts.saving import save_draft
    from feeds.timetables.rebuild_run import run_rebuild

    base, live = await _schedules(pool, None)
    events, taps = await _observed(pool, study.day, base.network.timezone) if study.day else ([], [])
    started = time.perf_counter()
    result = await asyncio.to_thread(run_rebuild, base, live, events, taps, study.run, console, study.scenario)
    result = replace(result, draft=replace(result.draft, scenario=study.name))
    draft_id = await save_draft(pool, result.draft) if save else None
    _print_summary(result, draft_id, time.perf_counter() - started, study=study.name)
    return 0


async def _schedules(pool: Pool, version_id: int | None) -> tuple[Any, Any]:
    from feeds.drafts.saving import load_base
    from feeds.timetables.rebuild_run import RunRefused
    from transit.store.schedules import find_live_version

    live_version = await find_live_version(pool)
    if live_version is None:
        raise RunRefused("no schedule version is live: run `transit import-gtfs FEED.zip`")
    live = await load_base(pool, live_version.id)
    base = live if version_id in (None, live_version.id) else await load_base(pool, version_id)
    return base, live


async def _observed(pool: Pool, day: date, timezone: str) -> tuple[list[Any], list[Any]]:
    from feeds.flow.build import service_day_span
    from feeds.timetables.rebuild_run import RunRefused
    from transit.store.stop_events import list_stop_events
    from transit.store.taps import list_taps

    events = await list_stop_events(pool, day)
    if not events:
        raise RunRefused(f"day {day}: no stop events stored for that service day")
    return events, await list_taps(pool, *service_day_span(day, timezone))


def _print_summary(result: Any, draft_id: int | None, seconds: float, study: str | None = None) -> None:
    from feeds.timetables.summary import optimize_summary

    Console(soft_wrap=True).print(optimize_summary(result, draft_id, seconds, study))
