"""Benchmark: vehicle blocking (issue 12) on the MDVSP benchmark, against the greedy
blocking (cheapest open block, else a new vehicle) measured in the same run.

    .venv/bin/python scripts/bench_blocks.py [--shared DIR] [--seeds 0,1,2,3,4]
        [--trips 500] [--depots 4] [--time-limit 60] [--skip-shared] [--skip-generated]

1. The 36 shared instances (../shared/data/mdvsp-small, proven optima in its
   bounds.txt). Target: the proven optimum on every one, each under 5 s.
2. Instances generated in the manner of Carpaneto et al. (1989), 500 trips and 4
   depots by default. Target: within 0.5% of the LP bound in under 60 s each;
   proven optimal where possible, with the time it took.

Times are wall clock for the whole solve (checks, bounds, greedy, LP, MIP), one
solver thread.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from feeds.mdvsp.files import read_bounds, read_instance_text
from optimizer.blocks import Blocking, Deadline, Status, block_network, block_trips, parse_mdvsp
from optimizer.blocks.carpaneto import generate

SHARED = Path(__file__).resolve().parents[2] / "shared/data/mdvsp-small"


def _timed_network(text: str, time_limit_s: float) -> tuple[Blocking, float]:
    started = time.monotonic()
    blocking = block_network(parse_mdvsp(text), Deadline.after(time_limit_s, time.monotonic))
    return blocking, time.monotonic() - started


def _greedy(blocking: Blocking) -> str:
    if blocking.baseline_cost is None:
        return "none found"
    return f"{blocking.baseline_cost:>9,} (+{100 * (blocking.baseline_cost / blocking.cost - 1):.2f}%)"


def bench_shared(folder: Path, time_limit_s: float) -> None:
    bounds = read_bounds(folder / "bounds.txt")
    names = sorted(bounds, key=lambda name: (int(name[1:].split("m")[0]), name))
    print(f"{'instance':<10} {'ours':>9} {'optimum':>9} {'gap':>6} {'status':<8} {'LP bound':>11} "
          f"{'fleet':>5} {'time':>7}  greedy baseline")
    optimal, slowest = 0, 0.0
    for name in names:
        blocking, seconds = _timed_network(read_instance_text(folder / f"{name}.zip"), time_limit_s)
        optimum = bounds[name][1]
        gap = 100 * (blocking.cost - optimum) / optimum
        optimal += blocking.cost == optimum and blocking.status is Status.OPTIMAL
        slowest = max(slowest, seconds)
        lp = f"{blocking.lp_bound:,.1f}" if blocking.lp_bound is not None else "-"
        print(f"{name:<10} {blocking.cost:>9,} {optimum:>9,} {gap:>5.2f}% {blocking.status.value:<8} "
              f"{lp:>11} {blocking.fleet:>5} {seconds:>6.2f}s  {_greedy(blocking)}", flush=True)
    print(f"{optimal} of {len(names)} at the proven optimum, proven by us too; slowest {slowest:.2f} s\n")


def bench_generated(seeds: list[int], trips: int, depots: int, time_limit_s: float) -> None:
    print(f"generated, {trips} trips, {depots} depots, time limit {time_limit_s:g} s")
    print(f"{'seed':>4} {'ours':>10} {'lower bound':>11} {'LP bound':>13} {'to LP':>8} {'status':<8} "
          f"{'fleet':>5} {'at least':>8} {'time':>7}  greedy baseline")
    for seed in seeds:
        instance = generate(trips, depots, seed)
        started = time.monotonic()
        blocking = block_trips(instance, Deadline.after(time_limit_s, time.monotonic))
        seconds = time.monotonic() - started
        lp, to_lp = "-", "-"
        if blocking.lp_bound is not None:
            lp = f"{blocking.lp_bound:,.1f}"
            to_lp = f"{100 * (blocking.cost - blocking.lp_bound) / blocking.lp_bound:.4f}%"
        print(f"{seed:>4} {blocking.cost:>10,} {blocking.lower_bound:>11,} {lp:>13} {to_lp:>8} "
              f"{blocking.status.value:<8} {blocking.fleet:>5} {blocking.fleet_bounds.best:>8} "
              f"{seconds:>6.1f}s  {_greedy(blocking)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=SHARED,
                        help="folder of the 36 instances and bounds.txt")
    parser.add_argument("--seeds", default="0,1,2,3,4", help="seeds of the generated instances")
    parser.add_argument("--trips", type=int, default=500)
    parser.add_argument("--depots", type=int, default=4)
    parser.add_argument("--time-limit", type=float, default=60.0, metavar="S")
    parser.add_argument("--skip-shared", action="store_true")
    parser.add_argument("--skip-generated", action="store_true")
    args = parser.parse_args()
    if not args.skip_shared:
        if (args.shared / "bounds.txt").is_file():
            bench_shared(args.shared, args.time_limit)
        else:
            print(f"no shared instances at {args.shared}: skipped\n")
    if not args.skip_generated:
        bench_generated([int(s) for s in args.seeds.split(",")], args.trips, args.depots, args.time_limit)


if __name__ == "__main__":
    main()
