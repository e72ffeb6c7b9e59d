"""Blocks for a draft day's rebuilt lines: the vehicle-block engine within a
time limit, else first-in-first-out chaining at the same terminals, marked so.

Only the trips of the lines that got new timetables are blocked (both
directions, the day's whole service on them): every other line keeps its
vehicles, so the draft changes what it must and nothing else.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from feeds.schedules.blocking import schedule_problem
from feeds.schedules.depots import DepotSite
from feeds.schedules.kpis import engine_blocks
from feeds.schedules.params import BadParams, BlockingParams
from optimizer.blocks import Deadline, InvalidBlockingInput, OutOfTime, block_trips
from optimizer.timetable.draft import BlockSource, DraftBlocks, DraftDay, fifo_blocks
from transit.model.network import Network


def block_draft(network: Network, day: DraftDay, depots: Sequence[DepotSite], layover_s: int, *,
                time_limit_s: float, clock: Callable[[], float]) -> DraftBlocks:
    """Blocks of the rebuilt lines' trips, named apart from the base feed's by
    the new service id and the word ``draft``."""
    trips = [t for t in day.trips if t.route_id in day.rebuilt_routes]
    label = f"draft-{day.service_id}"
    params = _params(layover_s)
    problem = schedule_problem(network, trips, depots, params)
    why = "no depots given"
    if depots:
        try:
            blocking = block_trips(problem.blocking_input, Deadline.after(time_limit_s, clock))
        except InvalidBlockingInput as exc:
            why = f"the engine found no blocking: {exc}"
        except OutOfTime:
            why = f"the engine found no blocking within {time_limit_s:g} s"
        else:
            blocks = engine_blocks(blocking, label)
            return DraftBlocks({t: b.block_id for b in blocks for t in b.trip_ids}, BlockSource.ENGINE,
                               f"vehicle-block engine: {blocking.fleet} vehicles, {blocking.status.value}, "
                               f"cost within {blocking.relative_gap:.2%} of its lower bound ({blocking.method})")
    terminal_of = {stop: place.place_id for stop, place in problem.terminal_of.items()}
    block_of = fifo_blocks(network, trips, {t.route_id: layover_s for t in trips}, label=label,
                           terminal_of=terminal_of)
    return DraftBlocks(block_of, BlockSource.FIFO,
                       f"first-in-first-out chaining at the terminals ({len(set(block_of.values()))} "
                       f"vehicles), not optimized: {why}")


def _params(layover_s: int) -> BlockingParams:
    """The default assumptions, with the rebuilt lines' layover (the longest of theirs)."""
    try:
        return dataclasses.replace(BlockingParams(), min_layover_s=max(layover_s, 0))
    except BadParams as exc:
        raise ValueError(f"layover of {layover_s} s: {exc}") from None
