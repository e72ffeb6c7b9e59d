"""``transit blocks --version N``: block a typical day of a stored schedule
version, with progress and a summary beside the live version's blocks, and
write the version with the new block_ids (and the TODS deadheads) on request.
Bad input raises ``ScheduleBlocksError`` with the sentence to show."""

from __future__ import annotations

import argparse
import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from feeds.schedules.blocking import ScheduleProblem, schedule_problem
from feeds.schedules.days import DayType, NoServiceDay, ServiceDay, typical_day
from feeds.schedules.depots import DepotsFileError, DepotSite, demo_city_depots, read_depots
from feeds.schedules.kpis import VehicleBlock, engine_blocks, existing_blocks, measure
from feeds.schedules.params import BadParams, BlockingParams
from feeds.schedules.summary import Baseline, summary_table
from feeds.schedules.terminals import Place, straight_m, unique_places
from feeds.schedules.tods import tods_tables
from optimizer.blocks import Blocking, Deadline, InvalidBlockingInput, OutOfTime, block_trips
from optimizer.blocks.inputs import Interlining
from transit.gtfs.blocks import BlockIdClash, with_blocks
from transit.gtfs.build import Progress, build_network
from transit.gtfs.feed import read_raw_tables
from transit.model.network import Network
from transit.progress import steps
from transit.store import Pool, WithPool, drafts, schedules
from transit.store.drafts import DraftNotFound
from transit.store.schedules import ScheduleVersion, VersionNotFound

# Without --depots the demo city's depots are used, which only fits a schedule
# of the demo city: each of them must lie this close to one of its terminals.
DEMO_DEPOT_REACH_M = 3_000.0


class ScheduleBlocksError(ValueError):
    """Input the command cannot block; the message says which and why."""


@dataclass(frozen=True, slots=True)
class StoredVersion:
    """A stored feed to block: a schedule version or a timetable draft."""

    label: str  # "version 3", "draft 2"
    source: str  # the file name it was stored from
    feed_zip: bytes
    version_id: int | None = None  # None for a draft


@dataclass(frozen=True, slots=True)
class StoredSchedules:
    blocked: StoredVersion
    live: StoredVersion | None  # None when no version is live


def run_version_blocks(args: argparse.Namespace, console: Console, with_pool: WithPool) -> int:
    """The command: ``console`` for progress, stdout for the summary."""
    fetched: list[StoredSchedules] = []

    async def fetch(pool: Pool) -> None:
        draft = getattr(args, "draft", None)
        fetched.append(await (fetch_draft(pool, draft) if draft is not None else fetch_schedules(pool, args.version)))

    try:
        with_pool(fetch)
    except VersionNotFound as exc:
        raise ScheduleBlocksError(f"{exc}: see `transit versions`") from None
    except DraftNotFound as exc:
        raise ScheduleBlocksError(f"{exc}: see `transit drafts`") from None
    return block_version(args, fetched[0], console)


async def fetch_schedules(pool: Pool, version_id: int) -> StoredSchedules:
    """The version to block and the live one (raises ``VersionNotFound``)."""
    version = await schedules.get_version(pool, version_id)
    blocked = _stored(version, await schedules.get_feed_zip(pool, version_id))
    return StoredSchedules(blocked, await _live(pool, blocked))


async def fetch_draft(pool: Pool, draft_id: int) -> StoredSchedules:
    """A draft to block and the live version (raises ``DraftNotFound``)."""
    data = await drafts.get_draft_zip(pool, draft_id)
    return StoredSchedules(StoredVersion(f"draft {draft_id}", f"draft-{draft_id}.zip", data), await _live(pool, None))


def _stored(version: ScheduleVersion, data: bytes) -> StoredVersion:
    return StoredVersion(f"version {version.id}", version.source, data, version.id)


async def _live(pool: Pool, blocked: StoredVersion | None) -> StoredVersion | None:
    live_version = await schedules.find_live_version(pool)
    if live_version is None:
        return None
    if blocked is not None and live_version.id == blocked.version_id:
        return blocked
    return _stored(live_version, await schedules.get_feed_zip(pool, live_version.id))


def block_version(args: argparse.Namespace, stored: StoredSchedules, console: Console) -> int:
    """Block the typical day of ``stored.blocked``, sum it up beside the live
    version's blocks, and write the files asked for."""
    if not args.time_limit > 0:
        raise ScheduleBlocksError(f"--time-limit {args.time_limit:g}: give a number of seconds above 0")
    params, depots, day_type = _params(args), _depots(args.depots), DayType(args.day_type)
    started = time.monotonic()
    label = stored.blocked.label
    problem, day = _problem(stored.blocked, day_type, depots, params, console)
    if args.depots is None:
        _check_demo_depots(problem)
    blocking = _block(problem, f"blocking {label}, {day_type.value} {day.day}", args, console)
    ours = engine_blocks(blocking, day_type.value)
    baseline = None
    if stored.live is not None:
        live_problem, live_day = (problem, day) if stored.live is stored.blocked else _problem(
            stored.live, day_type, depots, params, console)
        baseline = Baseline(stored.live.version_id or 0, live_day, measure(live_problem, existing_blocks(live_problem)))
    Console(soft_wrap=True).print(summary_table(label, day, blocking, measure(problem, ours), baseline,
                                                params.max_wait_s, time.monotonic() - started))
    if args.out is not None:
        _write(args, stored.blocked, problem, ours, console)
    return 0


def _write(args: argparse.Namespace, stored: StoredVersion, problem: ScheduleProblem, blocks: list[VehicleBlock],
           console: Console) -> None:
    extra = tods_tables(problem, blocks) if args.tods else {}
    block_of = {trip: block.block_id for block in blocks for trip in block.trip_ids}
    try:
        data = with_blocks(stored.feed_zip, stored.source, block_of, extra)
    except BlockIdClash as exc:
        raise ScheduleBlocksError(str(exc)) from None
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    tods = " and the TODS deadheads" if args.tods else ""
    console.print(f"{stored.label} with {len(blocks)} new blocks{tods} written to {args.out}")


def _params(args: argparse.Namespace) -> BlockingParams:
    interlining = Interlining(getattr(args, "interlining", Interlining.ANY.value))
    try:
        if args.max_wait is None:
            return BlockingParams(interlining=interlining)
        return dataclasses.replace(BlockingParams(interlining=interlining), max_wait_s=round(args.max_wait * 60))
    except BadParams as exc:
        raise ScheduleBlocksError(f"--max-wait {args.max_wait:g}: {exc}") from None


def _depots(path: Path | None) -> tuple[DepotSite, ...]:
    try:
        return demo_city_depots() if path is None else read_depots(path)
    except DepotsFileError as exc:
        raise ScheduleBlocksError(str(exc)) from None


def _problem(stored: StoredVersion, day_type: DayType, depots: tuple[DepotSite, ...],
             params: BlockingParams, console: Console) -> tuple[ScheduleProblem, ServiceDay]:
    with steps(console, f"loading {stored.label}") as note:
        network = _network(stored, note)
    try:
        day = typical_day(network, day_type)
    except NoServiceDay as exc:
        raise ScheduleBlocksError(f"{stored.label}: {exc}") from None
    return schedule_problem(network, day.trips, depots, params), day


def _network(stored: StoredVersion, note: Progress) -> Network:
    """A stored version was checked when it was imported: build it without checking again."""
    return build_network(read_raw_tables(stored.feed_zip, stored.source), note)


def _check_demo_depots(problem: ScheduleProblem) -> None:
    terminals = unique_places(problem.terminal_of)
    far = [depot for depot in problem.depots.values() if _nearest_m(depot, terminals) > DEMO_DEPOT_REACH_M]
    if far:
        raise ScheduleBlocksError(
            f"no --depots given, and the demo city's depots ({', '.join(d.name for d in far)}) lie over "
            f"{DEMO_DEPOT_REACH_M / 1000:g} km from every terminal of this schedule: give the operator's "
            "depots with --depots FILE (CSV name,lat,lon,capacity)")


def _nearest_m(depot: Place, terminals: list[Place]) -> float:
    return min((straight_m(depot, terminal) for terminal in terminals), default=float("inf"))


def _block(problem: ScheduleProblem, title: str, args: argparse.Namespace, console: Console) -> Blocking:
    deadline = Deadline.after(args.time_limit, time.monotonic)
    try:
        with steps(console, title) as status:

            def note(step: str) -> None:
                """Each step on its own line (the log of the search) and on the status line."""
                console.print(f"  {step}", highlight=False)
                status(step)

            return block_trips(problem.blocking_input, deadline, note=note)
    except (InvalidBlockingInput, OutOfTime) as exc:
        raise ScheduleBlocksError(str(exc)) from None
