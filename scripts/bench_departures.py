"""Time the departure model on one line direction for a day (05:30-23:00, two peaks).

    python -m scripts.bench_departures [--grid 30] [--fleet 12] [--cycle 6000] [--limit 1.0]
"""

from __future__ import annotations

import argparse
import time

from optimizer.timetable.departures import optimize_departures
from optimizer.timetable.settings import FleetLimit, Search
from tests.optimizer.departure_inputs import day

PEAKS = [40, 120, 420, 600, 300, 180, 160, 200, 180, 160, 220, 400, 560, 320, 180, 120, 80, 40, 30]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--grid", type=int, default=60)
    parser.add_argument("--fleet", type=int, default=0, help="vehicles (0: no fleet limit)")
    parser.add_argument("--cycle", type=int, default=6000)
    parser.add_argument("--limit", type=float, default=1.0)
    args = parser.parse_args()
    fleet = FleetLimit(args.fleet, args.cycle) if args.fleet else None
    started = time.perf_counter()
    table = optimize_departures(day(PEAKS), [p / 50 for p in PEAKS], fleet=fleet,
                               search=Search(grid_s=args.grid, time_limit_s=args.limit))
    elapsed = time.perf_counter() - started
    print(f"grid {args.grid} s, fleet {args.fleet or 'none'}: {elapsed:.2f} s, {table.status}, "
          f"{len(table.departures_s)} trips, objective {table.objective:.1f}, bound {table.bound:.1f}, "
          f"gap {table.gap:.1%} (target: under 1 s)")
    for binding in table.bindings:
        print(f"  {binding.constraint}: {binding.message}")


if __name__ == "__main__":
    main()
