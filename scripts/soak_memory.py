"""What holds the soak's memory: the soak's fleet through the live write path
(tracker, self-checking predictor, prediction board) on a simulated clock,
faster than real time, with the retained size of each long-lived structure
at chosen minutes, and optionally tracemalloc's top growth by line.

    .venv/bin/python scripts/soak_memory.py --minutes 90 --at 4,12,30,45,60,75,90
    .venv/bin/python scripts/soak_memory.py --minutes 20 --at 4,12,20 --tracemalloc

The fleet is ``scripts/soak.py``'s (``build_fleet``: the demo city's buses out
at ``--start``, then followers ``--follow-s`` x lap behind them), one fix per
terminal per second of the simulated clock, applied once a second: the same
fixes and the same once-a-second prediction as the soak, without HTTP, the
database or the readers (``scripts/soak.py`` covers those). The service's
history is empty in a fresh soak data folder, and so it is here.

A structure's size is what is reachable from it and not from the network (the
schedule is shared by everything and does not grow): ``sys.getsizeof`` summed
over the object graph, so a dict's keys, an array's buffer and their
over-allocation all count.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

import soak  # noqa: E402 - the soak's own fleet
from feeds.democity import write_demo_feed  # noqa: E402
from transit.gtfs.feed import load_feed  # noqa: E402
from transit.live.tracking import LiveTracking  # noqa: E402
from transit.model.network import Network  # noqa: E402
from transit.prediction.ensemble import SelfCheckingPredictor  # noqa: E402
from transit.prediction.history import History  # noqa: E402
from transit.prediction.predictor import Predictor  # noqa: E402
from transit.records import VehicleReport  # noqa: E402
from transit.tracking.tracker import Tracker  # noqa: E402

MiB = 2**20
# (label, path of attributes from the LiveTracking) of what is measured.
STRUCTURES = (
    ("ensemble pending samples", ("_predictor", "_pending")),
    ("ensemble last sample per bus", ("_predictor", "_last_sample")),
    ("ensemble accuracy", ("_predictor", "accuracy")),
    ("predictor trips (last departure)", ("_predictor", "_model", "_last_departure")),
    ("predictor trip residuals", ("_predictor", "_model", "_residuals")),
    ("predictor street conditions", ("_predictor", "_model", "_conditions")),
    ("predictor dwells today", ("_predictor", "_model", "_dwells_today")),
    ("tracker vehicles (runs, fixes)", ("_tracker", "_vehicles")),
    ("tracker trip claims", ("_tracker", "_claims")),
    ("prediction board", ("_board",)),
    ("live vehicles", ("_vehicles",)),
    ("predicted at", ("_predicted_at",)),
)


def retained(root: object, shared: set[int]) -> tuple[int, int]:
    """(bytes, objects) reachable from ``root`` but not from ``shared``."""
    seen: set[int] = set()
    stack = [root]
    size = count = 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or id(obj) in shared or isinstance(obj, type):
            continue
        seen.add(id(obj))
        size += sys.getsizeof(obj)
        count += 1
        stack.extend(gc.get_referents(obj))
    return size, count


def reachable_ids(roots: Iterable[object]) -> set[int]:
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        obj = stack.pop()
        if id(obj) not in seen:
            seen.add(id(obj))
            stack.extend(gc.get_referents(obj))
    return seen


def walk(root: object, path: tuple[str, ...]) -> object:
    for name in path:
        root = getattr(root, name)
    return root


class SimulatedClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def build_live(network: Network, clock: SimulatedClock) -> LiveTracking:
    """The write path as ``transit.bootstrap`` builds it (history empty, as in a fresh soak)."""
    predictor = SelfCheckingPredictor(network, Predictor(network, History()))
    return LiveTracking(Tracker(network), clock, None, predictor)


def load_fleet(args: argparse.Namespace, feed: Path, start: float) -> list[soak.Track]:
    cfg = {"feed_zip": str(feed), "seed": args.seed, "terminals": args.terminals,
           "fix_span_s": 0.0, "follow_s": args.follow_s, "duration": args.minutes * 60.0,
           "clock_offset": start - time.time()}
    tracks, chosen = soak.build_fleet(cfg)
    print(f"fleet: {chosen}, {len(tracks)} terminals", flush=True)
    return tracks


def reports_at(tracks: list[soak.Track], t: float) -> list[VehicleReport]:
    reports = []
    for track in tracks:
        lat, lon, speed, bearing = track.at(t)
        reports.append(VehicleReport(track.vehicle_id, t, lat, lon, speed, bearing, "jt808", t))
    return reports


def measure(live: LiveTracking, shared: set[int]) -> dict[str, tuple[int, int, int]]:
    """Per structure: (bytes, objects, entries)."""
    gc.collect()
    sizes = {}
    for label, path in STRUCTURES:
        obj = walk(live, path)
        size, count = retained(obj, shared)
        entries = len(obj) if hasattr(obj, "__len__") else 0  # type: ignore[arg-type]
        sizes[label] = (size, count, entries)
    return sizes


def print_sample(minute: int, sizes: dict[str, tuple[int, int, int]], live: LiveTracking,
                 wall_s: float) -> None:
    rss = int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() / MiB
    predictor = live._predictor  # noqa: SLF001 - a diagnostic reads what it measures
    pending = predictor.pending() if isinstance(predictor, SelfCheckingPredictor) else 0
    print(f"\nminute {minute} (wall {wall_s:.0f} s): RSS {rss:.1f} MiB, "
          f"pending samples {pending:,}", flush=True)
    print(f"  {'structure':36} {'MiB':>8} {'objects':>10} {'entries':>9}")
    for label, (size, count, entries) in sizes.items():
        print(f"  {label:36} {size / MiB:8.2f} {count:10,} {entries:9,}")


def print_growth(before: Any, after: Any, top: int) -> None:
    print(f"  tracemalloc, top {top} growth by line since the last sample:")
    for stat in after.compare_to(before, "lineno")[:top]:
        frame = stat.traceback[0]
        print(f"    {stat.size_diff / MiB:+8.3f} MiB {stat.count_diff:+9,} blocks  "
              f"{frame.filename.split('/')[-1]}:{frame.lineno}")


def run(args: argparse.Namespace) -> None:
    day = date.fromisoformat(args.day) if args.day else date.today()
    hour, minute = (int(p) for p in args.start.split(":"))
    with tempfile.TemporaryDirectory() as scratch:
        feed = Path(scratch) / "demo.zip"
        write_demo_feed(feed, args.seed)
        network = load_feed(feed.read_bytes(), "demo").network
        zone = ZoneInfo(network.timezone)
        start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).timestamp()
        tracks = load_fleet(args, feed, start)
    clock = SimulatedClock(start)
    live = build_live(network, clock)
    shared = reachable_ids([network])
    marks = sorted({int(m) for m in args.at.split(",")} | {args.minutes})
    if args.tracemalloc:
        tracemalloc.start()
    previous = tracemalloc.take_snapshot() if args.tracemalloc else None
    began = time.monotonic()
    for second in range(args.minutes * 60 + 1):
        t = start + second
        clock.now = t
        live.apply(reports_at(tracks, t))
        if second % 60 == 0 and second // 60 in marks:
            print_sample(second // 60, measure(live, shared), live, time.monotonic() - began)
            if previous is not None:
                snapshot = tracemalloc.take_snapshot()
                print_growth(previous, snapshot, args.top)
                previous = snapshot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=int, default=60, help="simulated minutes")
    parser.add_argument("--at", default="4,12,30,60", help="minutes to measure at, comma-separated")
    parser.add_argument("--terminals", type=int, default=400)
    parser.add_argument("--follow-s", type=float, default=120.0)
    parser.add_argument("--start", default="08:00", help="simulated time of day, HH:MM")
    parser.add_argument("--day", default="", help="service day, YYYY-MM-DD (default today)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tracemalloc", action="store_true", help="top growth by line (slower)")
    parser.add_argument("--top", type=int, default=15)
    run(parser.parse_args())


if __name__ == "__main__":
    main()
