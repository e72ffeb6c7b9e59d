"""Benchmark: checking and building a GTFS feed (the import path), against
gtfs-kit's bare ``read_feed`` of the same zip measured in the same run.

    .venv/bin/python scripts/bench_import.py [FEED.zip ...]

With no argument it times the demo city (seed 7) and, when present, the real
WMATA sample in ../shared/data. Target (issue 2): demo city under 5 s.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import gtfs_kit

from transit.gtfs.feed import load_feed

SHARED_WMATA = Path(__file__).resolve().parents[2] / "shared/data/wmata-2026-02-16/gtfs.zip"
RUNS = 3


def best_of(work: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def bench(path: Path) -> None:
    data = path.read_bytes()
    loaded = load_feed(data, path.name)
    ours = best_of(lambda: load_feed(data, path.name))
    baseline = best_of(lambda: gtfs_kit.read_feed(path, dist_units="km"))
    stop_times = sum(len(t.arrivals) for t in loaded.network.trips.values())
    print(f"{path.name}: {loaded.summary()} stop_times={stop_times}")
    print(f"  check + build network: {ours:.2f} s   (gtfs-kit read_feed alone: {baseline:.2f} s,"
          f" ratio {ours / baseline:.1f}x; best of {RUNS})")


def main(paths: list[str]) -> None:
    targets = [Path(p) for p in paths]
    if not targets:
        from feeds.democity import write_demo_feed

        scratch = Path(tempfile.mkdtemp())
        started = time.perf_counter()
        targets.append(write_demo_feed(scratch / "demo-city-seed7.zip", seed=7))
        print(f"demo city generated in {time.perf_counter() - started:.2f} s")
        if SHARED_WMATA.exists():
            targets.append(SHARED_WMATA)
        else:
            print(f"(no {SHARED_WMATA}: real feed skipped)")
    for path in targets:
        bench(path)


if __name__ == "__main__":
    main(sys.argv[1:])
