"""Benchmark: blocking the demo city (issue 12), all lines, one typical day,
against its own blocks (the feed's GTFS block_id, what the live version runs)
measured in the same run, by the same figures.

    .venv/bin/python scripts/bench_blocks_demo.py [--seed 7] [--day-types weekday]
        [--time-limit 60]

Target: the fleet equal to the deficit-function lower bound wherever the
layover rules allow, in under 60 s. The deficit function counts trips running
or in layover at once and leaves the deadheads' driving time aside; the fleet
bound with it is the waiting-line relaxation's (fewest vehicles whatever the
waits). So the script blocks each day twice: as it is, and with deadheads
driven instantly, where the deficit bound is the one that binds.

Times are wall clock from the day's trips to the blocks (terminals, deadheads,
connections, bounds, search), one solver thread; the feed is built before.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import time

from feeds.democity.feed import build_demo_feed
from feeds.schedules.blocking import ScheduleProblem, schedule_problem
from feeds.schedules.days import DayType, typical_day
from feeds.schedules.depots import demo_city_depots
from feeds.schedules.kpis import BlockKpis, engine_blocks, existing_blocks, measure
from feeds.schedules.params import FEN_PER_YUAN, BlockingParams
from optimizer.blocks import Blocking, Deadline, block_trips
from transit.gtfs.build import build_network
from transit.gtfs.feed import read_raw_tables
from transit.gtfs.tables import write_tables
from transit.model.network import Network


def demo_network(seed: int) -> Network:
    data = write_tables(build_demo_feed(seed))
    return build_network(read_raw_tables(data, f"democity-seed{seed}.zip"))


def timed_blocking(network: Network, day_type: DayType, params: BlockingParams,
                   time_limit_s: float) -> tuple[ScheduleProblem, Blocking, float]:
    started = time.monotonic()
    problem = schedule_problem(network, typical_day(network, day_type).trips, demo_city_depots(), params)
    blocking = block_trips(problem.blocking_input, Deadline.after(time_limit_s, time.monotonic))
    return problem, blocking, time.monotonic() - started


def yuan(fen: int) -> str:
    return f"{fen / FEN_PER_YUAN:,.0f}"


def kpi_line(label: str, kpis: BlockKpis) -> str:
    peaks = ", ".join(f"{depot} {n}" for depot, n in kpis.peak_by_depot)
    return (f"  {label:<22} fleet {kpis.fleet:>4}   peak {sum(n for _, n in kpis.peak_by_depot):>4} ({peaks})   "
            f"cost {yuan(kpis.cost_fen):>9} yuan   deadhead {kpis.deadhead_km:>7,.1f} km "
            f"({100 * kpis.deadhead_share:.2f}%)   idle {kpis.idle_s / 3600:>7,.1f} h   "
            f"layover breaks {kpis.too_short}")


def bench_day(network: Network, day_type: DayType, time_limit_s: float) -> None:
    params = BlockingParams()
    problem, blocking, seconds = timed_blocking(network, day_type, params, time_limit_s)
    bounds = blocking.fleet_bounds
    deficit = bounds.deficit
    assert deficit is not None and bounds.all_waits is not None
    trips = len(problem.trips)
    terminals = len({p.place_id for p in problem.terminal_of.values()})
    print(f"{day_type.value}: {trips:,} trips, {terminals} terminals, {len(problem.depots)} depots; "
          f"{seconds:.1f} s, {blocking.status.value} ({blocking.method})")
    print(f"  fleet {blocking.fleet}: fewest possible {bounds.all_waits} (any wait), deficit function "
          f"{deficit.peak} (deadhead times aside), {deficit.without_deadheads} without deadheads")
    within = blocking.lower_bound_within_cap
    print(f"  cost {yuan(blocking.cost)} yuan, lower bound {yuan(blocking.lower_bound)} (any wait; "
          f"{yuan(within) if within is not None else '-'} within {params.max_wait_s // 60} min), "
          f"gap {100 * blocking.relative_gap:.2f}%")
    print(kpi_line("new blocks", measure(problem, engine_blocks(blocking, day_type.value))))
    print(kpi_line("the feed's block_id", measure(problem, existing_blocks(problem))))
    if blocking.baseline_cost is not None:
        print(f"  greedy blocking: cost {yuan(blocking.baseline_cost)} yuan")
    instant = dataclasses.replace(params, deadhead_speed_kmh=math.inf)
    _, fast, fast_s = timed_blocking(network, day_type, instant, time_limit_s)
    fast_deficit = fast.fleet_bounds.deficit
    assert fast_deficit is not None
    verdict = "equal" if fast.fleet == fast_deficit.peak else f"{fast.fleet - fast_deficit.peak:+d}"
    print(f"  deadheads driven instantly: fleet {fast.fleet}, deficit function {fast_deficit.peak}: "
          f"{verdict} ({fast_s:.1f} s)\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--day-types", default="weekday", help="comma-separated: weekday,saturday,sunday")
    parser.add_argument("--time-limit", type=float, default=60.0)
    args = parser.parse_args()
    started = time.monotonic()
    network = demo_network(args.seed)
    print(f"demo city seed {args.seed}: {len(network.trips):,} trips in the feed, built in "
          f"{time.monotonic() - started:.1f} s\n")
    for day_type in args.day_types.split(","):
        bench_day(network, DayType(day_type.strip()), args.time_limit)


if __name__ == "__main__":
    main()
