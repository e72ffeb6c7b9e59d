"""Benchmark: the closed-loop check (issue 13) on the demo city's weekday.

    .venv/bin/python scripts/bench_closed_loop.py [--day 2026-03-11] [--seed 7] [--line L01]

The draft: the live timetable with every other trip of ``--line`` leaving in
the AM peak (07:00-09:00) dropped, so the table shows a line made worse. Both
timetables run against the demand of the live one (``compare_timetables``);
the figure to watch is the time of the closed loop (both sides: demand, two
simulated days without GPS or taps, the measures). Target: under 20 s. For
scale, ``simulate_day`` of the same day with GPS reports and taps is printed
beside it.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from rich.console import Console

from feeds.democity import build_demo_feed, stop_demand
from feeds.simulator import simulate_day
from feeds.simulator.closed_loop import closed_loop_table, compare_timetables
from transit.gtfs.feed import load_feed
from transit.gtfs.tables import write_tables
from transit.model.service_days import list_trips_on

AM_PEAK = (7 * 3600, 9 * 3600)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--day", type=date.fromisoformat, default=date(2026, 3, 11))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--line", default="L01")
    parser.add_argument("--full-day", action="store_true",
                        help="also time simulate_day (GPS and taps) for comparison")
    args = parser.parse_args()
    console = Console(width=200)

    tables = build_demo_feed(args.seed)
    network = load_feed(write_tables(tables), "demo.zip").network
    demand = stop_demand(tables)
    live = list_trips_on(network, args.day)
    peak = [t for t in live if t.route_id == args.line and AM_PEAK[0] <= t.start < AM_PEAK[1]]
    dropped = {t.trip_id for t in peak[1::2]}
    draft = [t for t in live if t.trip_id not in dropped]

    started = time.perf_counter()
    measured = compare_timetables(network, live, draft, args.day, seed=args.seed,
                                  stop_demand=demand)
    seconds = time.perf_counter() - started
    console.print(closed_loop_table(network, *measured,
                                    title=f"{args.day}: {args.line} with {len(dropped)} AM-peak trips dropped"))
    console.print(f"closed loop, both sides ({len(live):,} + {len(draft):,} trips): "
                  f"{seconds:.1f} s (target < 20 s)")
    if args.full_day:
        started = time.perf_counter()
        simulate_day(network, args.day, seed=args.seed, demand=demand)
        console.print(f"simulate_day with GPS and taps, one side: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
