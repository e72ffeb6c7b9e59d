"""Benchmark: a restart at noon of a demo-city weekday. How long the stored
morning takes to rebuild the live state, and whether the hour after it is
predicted as a service that never stopped predicts it.

    .venv/bin/python scripts/bench_restore.py [--seed 7] [--day 2026-12-02] [--at 12:00]

A simulated weekday's reports up to ``--at`` are stored (a throwaway database
on DATABASE_URL's server when set, else an embedded PostgreSQL in a temporary
folder). Then, as ``transit serve`` does at start-up
(``transit.live.restore.restore_today``), a fresh live state (tracker, the
self-checking predictor on no history) is rebuilt from them: the figure is its
wall time (target < 30 s). Baseline in the same run: the same reports applied
to a live state as they arrived (the service that never stopped). Both then
take the next hour's reports; their published predictions are compared, stop
by stop, at every minute of that hour, and both are scored against the
simulated truth (MAE per horizon bucket).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import asyncpg

from feeds.democity.feed import write_demo_feed
from feeds.simulator import simulate_day
from feeds.simulator.running import StopPassage
from transit.gtfs.feed import load_feed_file
from transit.live.restore import restore_today
from transit.live.tracking import LiveTracking
from transit.model.network import Network
from transit.model.service_days import parse_gtfs_time, to_unix
from transit.prediction.ensemble import SelfCheckingPredictor
from transit.prediction.history import History
from transit.prediction.predictor import Predictor
from transit.prediction.publish import list_trip_predictions
from transit.prediction.scoring import PredictionRecord, score_predictions, to_records
from transit.records import VehicleReport
from transit.store.embedded import create_pool, open_database
from transit.store.migrate import apply_migrations
from transit.store.reports import insert_reports, stream_reports_received
from transit.tracking.tracker import Tracker


class _Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def new_live(network: Network, clock: Callable[[], float]) -> LiveTracking:
    return LiveTracking(Tracker(network), clock, predictor=SelfCheckingPredictor(
        network, Predictor(network, History())))


def run_hour(live: LiveTracking, clock: _Clock, reports: Sequence[VehicleReport],
             end: float) -> list[list[PredictionRecord]]:
    """Apply ``reports`` in batches of a second of receipt; the published
    predictions at every whole minute."""
    minutes: list[list[PredictionRecord]] = []
    next_minute = clock.now + 60.0
    batch: list[VehicleReport] = []
    for report in reports:
        if batch and report.received_at >= batch[0].received_at + 1.0:
            clock.now = batch[-1].received_at
            live.apply(batch)
            batch = []
            while clock.now >= next_minute and next_minute <= end:
                minutes.append(to_records(list_trip_predictions(live.snapshot.predictions)))
                next_minute += 60.0
        batch.append(report)
    if batch:
        clock.now = batch[-1].received_at
        live.apply(batch)
    return minutes


async def scratch_pool(database_url: str | None, folder: Path) -> tuple[asyncpg.Pool, Callable[[], object]]:
    """A pool on an empty, migrated database, and how to drop it."""
    if database_url:
        name = f"bench_restore_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(database_url)
        await admin.execute(f"CREATE DATABASE {name}")
        await admin.close()
        dsn = database_url.rsplit("/", 1)[0] + f"/{name}"
        pool = await create_pool(dsn)

        async def drop() -> None:
            await pool.close()
            admin = await asyncpg.connect(database_url)
            await admin.execute(f"DROP DATABASE {name}")
            await admin.close()
        await apply_migrations(pool)
        return pool, drop
    context = open_database(None, folder / "postgres")
    dsn = await context.__aenter__()
    pool = await create_pool(dsn)
    await apply_migrations(pool)

    async def stop() -> None:
        await pool.close()
        await context.__aexit__(None, None, None)
    return pool, stop


async def main_async(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="bench-restore-"))
    network = load_feed_file(write_demo_feed(folder / "demo.zip", args.seed)).network
    day = simulate_day(network, args.day, seed=args.seed)
    at = to_unix(args.day, parse_gtfs_time(args.at + ":00"), network.timezone)
    morning = [r for r in day.reports if r.received_at < at]
    hour = [r for r in day.reports if at <= r.received_at < at + 3600]
    print(f"demo city seed {args.seed}, {args.day}: {len(day.reports):,} reports in the day, "
          f"{len(morning):,} before {args.at}, {len(hour):,} in the hour after "
          f"({time.perf_counter() - started:.0f} s to simulate)")

    pool, close = await scratch_pool(os.environ.get("DATABASE_URL"), folder)
    try:
        stored_at = time.perf_counter()
        for start in range(0, len(morning), 50_000):
            await insert_reports(pool, morning[start:start + 50_000])
        print(f"  stored the morning in {time.perf_counter() - stored_at:.1f} s")

        # The service that never stopped saw the reports as they were stored
        # (speeds kept as 4-byte reals, times to the microsecond).
        stored = [r for chunk in [c async for c in stream_reports_received(pool, 0.0, at)]
                  for r in chunk]
        running_clock = _Clock(stored[0].received_at)
        running = new_live(network, running_clock)
        applied_at = time.perf_counter()
        run_hour(running, running_clock, stored, -1.0)
        running_s = time.perf_counter() - applied_at
        running_clock.now = at

        restarted_clock = _Clock(at)
        restarted = new_live(network, restarted_clock)
        restored = await restore_today(pool, restarted, network.timezone, restarted_clock)
        print(f"  restart at {args.at}: rebuilt from {restored.reports:,} stored reports "
              f"({restored.events:,} stop events) in {restored.seconds:.1f} s (target < 30 s); "
              f"{restored.reports / restored.seconds:,.0f} reports/s")
        print(f"  baseline: the same morning applied as it arrived, {running_s:.1f} s "
              f"({len(morning) / running_s:,.0f} reports/s, with predictions)")
        same_vehicles = restarted.snapshot.vehicles == running.snapshot.vehicles
        print(f"  every vehicle's state (position, trip, next stop, delay) identical after the "
              f"rebuild: {same_vehicles}")
    finally:
        await close()

    ours = run_hour(restarted, restarted_clock, hour, at + 3600)
    theirs = run_hour(running, running_clock, hour, at + 3600)
    pairs = same = 0
    for a, b in zip(ours, theirs, strict=False):
        times = {(r.trip_id, r.stop_sequence): r.predicted for r in b}
        for record in a:
            other = times.get((record.trip_id, record.stop_sequence))
            if other is not None:
                pairs += 1
                same += abs(other - record.predicted) < 1.0
    print(f"  the hour after: {sum(map(len, ours)):,} published stop predictions (restarted) "
          f"against {sum(map(len, theirs)):,} (never stopped); {same:,} of {pairs:,} "
          f"in both within 1 s of each other ({same / max(pairs, 1):.1%})")
    actual = simulated_actual(network, day.passages, args.day)
    print(f"  {'horizon':>10} {'restarted MAE':>14} {'never stopped':>14}")
    for a, b in zip(score_predictions((r for m in ours for r in m), actual),
                    score_predictions((r for m in theirs for r in m), actual), strict=True):
        print(f"  {a.label:>10} {a.mae_s:12.1f} s {b.mae_s:12.1f} s   (n={a.count:,}, {b.count:,})")


def simulated_actual(network: Network, passages: Sequence[StopPassage],
                     day: date) -> dict[tuple[date, str, int], float]:
    """When each bus really reached each stop (left it, at a trip's first stop),
    keyed as predictions are (GTFS stop_sequence)."""
    actual = {}
    for p in passages:
        pattern = network.patterns[network.trips[p.trip_id].pattern_id]
        actual[(day, p.trip_id, pattern.sequence_at(p.stop_sequence - 1))] = (
            p.departure if p.stop_sequence == 1 else p.arrival)
    return actual


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--day", type=date.fromisoformat, default=date(2026, 12, 2))
    parser.add_argument("--at", default="12:00", help="local time of the restart, HH:MM")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
