"""Benchmark: live equals replay (issue 10), a black-box test. A simulated
weekday of the loop city (feeds.loopcity: 5 lines, one a loop, 40 buses),
served live by the real service in real time, against the same reports replayed.

    DATABASE_URL=... .venv/bin/python scripts/bench_live_vs_replay.py [--start 12:00] [--minutes 15]
        [--day 2026-11-25] [--seed 7] [--poll-every 15]

Live: the service as ``transit serve`` runs it (``transit.bootstrap.open_service``,
in this process) on a scratch database holding only the loop city's schedule:
no history, no assignments. Its clock starts at ``--start`` of ``--day`` and
runs at real speed (as ``transit demo --start`` maps the wall clock). Every
bus is a JT/T 808 terminal on its own TCP socket: it registers (its vehicle id
as plate), authenticates and sends each of the day's simulated reports as a
0x0200 fix when the service clock reaches the report's receive time. Every
``--poll-every`` s, for ``--minutes``, ``/gtfs-rt/trip-updates.pb`` is read
over HTTP. How far the sending fell behind the service clock is printed (the
machine is shared: a late feed is load, not the service).

Replay: the reports sent, as read back off the wire, through the replay path
(``feeds.replay.runner.replay_days``) with the service's predictor; its
TripUpdates rendered by the served feed's own builder at the very instants
the live feed was read (``feeds.replay.served.FeedSampler``). Also replayed
from the start of the day (the live service never got the reports before it
started): what knowing the morning is worth.

Every served stop time is scored against the simulator's passages, horizon =
actual passage - when the feed was read: n, MAE, p99 |error|, bias (actual -
predicted) per bucket up to 15 min; and the share of predictions made by
another bus than the one that ran the trip (a wrong trip).
Targets: live MAE within 10% of replay's in every bucket up to 15 min; live
p99 under 3 min at 0-3 min.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import pickle
import socket
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

HOST = "127.0.0.1"
SOURCE = "loopcity.zip"
RATIO_TARGET = 1.10  # live MAE at most 10% above replay's
P99_TARGET_S = 180.0  # at 0-3 min
HEARTBEAT_S = 60.0  # JT/T 808 terminals' default


@dataclass
class Feeding:
    """What the terminals sent, how late against the service clock, and the platform's answers."""

    sent: list = field(default_factory=list)  # VehicleReport, in sending order
    lags: list[float] = field(default_factory=list)  # service clock after sending - receive time, s
    acked: int = 0
    refused: int = 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def build_city(seed: int, day: date):  # type: ignore[no-untyped-def]
    """The loop city's feed (checked as an import would) and its simulated ``day``."""
    from feeds.loopcity import build_loop_feed
    from feeds.simulator import simulate_day
    from transit.gtfs.feed import load_feed
    from transit.gtfs.tables import write_tables

    feed = load_feed(write_tables(build_loop_feed(seed)), SOURCE)
    simulated = simulate_day(feed.network, day, seed=seed)
    if not simulated.reports:
        raise SystemExit(f"the loop city runs no bus on {day} (weekdays only): pick one with --day")
    return feed, simulated


async def store_schedule(dsn: str, feed: object) -> None:
    from transit.store.embedded import create_pool
    from transit.store.migrate import apply_migrations
    from transit.versions import import_feed

    pool = await create_pool(dsn)
    try:
        await apply_migrations(pool)
        await import_feed(pool, feed, make_live=True)  # type: ignore[arg-type]
    finally:
        await pool.close()


async def open_terminals(port: int, vehicle_ids: Sequence[str], feeding: Feeding,
                         stack: contextlib.AsyncExitStack) -> dict:  # type: ignore[type-arg]
    """One logged-in terminal per bus, each with a task counting the platform's
    answers to its fixes and one beating every minute, as terminals do (a bus
    parked before its first trip sends no fix, and the platform hangs up on a
    silent terminal)."""
    from feeds.jt808.messages import GeneralResult, Heartbeat, MsgId, PlatformGeneralResponse
    from feeds.jt808.terminal import TerminalClient, log_in

    async def count_answers(client: TerminalClient) -> None:
        with contextlib.suppress(EOFError, ConnectionError):
            while True:
                reply = (await client.receive()).body
                if isinstance(reply, PlatformGeneralResponse) and reply.reply_id == MsgId.LOCATION_REPORT:
                    if reply.result == GeneralResult.OK:
                        feeding.acked += 1
                    else:
                        feeding.refused += 1

    async def beat(client: TerminalClient) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            await client.send(Heartbeat())

    terminals = {}
    for n, vehicle_id in enumerate(sorted(vehicle_ids)):
        client = await TerminalClient.connect(HOST, port, f"139{n:08d}")
        stack.push_async_callback(client.close)
        await log_in(client, vehicle_id, f"T{n:05d}", "BENCH")
        for work in (count_answers(client), beat(client)):
            stack.callback(asyncio.create_task(work).cancel)
        terminals[vehicle_id] = client
    return terminals


async def send_reports(reports: Sequence, terminals: dict, clock: Callable[[], float],  # type: ignore[type-arg]
                       feeding: Feeding) -> None:
    """Each report as a 0x0200 fix from its bus's terminal, once the service clock reaches its receive time."""
    from feeds.jt808.reports import to_location

    for report in reports:
        wait = report.received_at - clock()
        if wait > 0:
            await asyncio.sleep(wait)  # the service clock runs at real speed
        await terminals[report.vehicle_id].send(to_location(report))
        feeding.lags.append(clock() - report.received_at)
        feeding.sent.append(report)


async def poll_trip_updates(base_url: str, instants: Sequence[float],
                            clock: Callable[[], float]) -> list[tuple[float, bytes]]:
    """``/gtfs-rt/trip-updates.pb`` read at each instant (service clock); (when read, body)."""
    import aiohttp

    feeds = []
    async with aiohttp.ClientSession(base_url) as session:
        for instant in instants:
            wait = instant - clock()
            if wait > 0:
                await asyncio.sleep(wait)
            async with session.get("/gtfs-rt/trip-updates.pb") as answer:
                answer.raise_for_status()
                body = await answer.read()
            feeds.append((clock(), body))
    return feeds


async def serve_live(args: argparse.Namespace, dsn: str, data_dir: Path, feed: object,
                     simulated: object) -> tuple[list[tuple[float, bytes]], Feeding, float]:
    """The live run: the polled feeds, the feeding, and when feeding began (service clock)."""
    from rich.console import Console

    from transit.bootstrap import open_service
    from transit.config import Config

    await store_schedule(dsn, feed)
    config = Config(database_url=dsn, data_dir=data_dir, http_port=0, jt808_port=free_port(),
                    simulate=False, seed=args.seed)
    feeding = Feeding()
    async with open_service(config, Console(quiet=True), demo=False, day=args.day, start=args.start) as service:
        clock = service.context.clock
        async with contextlib.AsyncExitStack() as stack:
            reports = simulated.reports  # type: ignore[attr-defined]
            terminals = await open_terminals(service.jt808.port, sorted({r.vehicle_id for r in reports}),
                                             feeding, stack)
            began = clock()
            until = began + args.minutes * 60
            due = sorted((r for r in reports if began <= r.received_at < until), key=lambda r: r.received_at)
            instants = [began + args.poll_every * k for k in range(1, int(args.minutes * 60 / args.poll_every) + 1)]
            sending = asyncio.create_task(send_reports(due, terminals, clock, feeding))
            try:
                polled = await poll_trip_updates(service.http_url, instants, clock)
                await sending
            finally:
                sending.cancel()
        service.check()
    return polled, feeding, began


def replay_served(network: object, reports: Sequence, instants: Sequence[float]) -> list[tuple[float, bytes]]:  # type: ignore[type-arg]
    """``reports`` (as read off the wire) replayed with the service's predictor
    (no history, as the scratch database has none), its TripUpdates rendered
    by the served feed's builder at ``instants``."""
    from feeds.jt808.reports import to_location, to_vehicle_report
    from feeds.replay.runner import ReplayDay, replay_days
    from feeds.replay.served import FeedSampler
    from transit.api.gtfsrt import trip_updates_cache
    from transit.freshness import LIVE_MAX_AGE_S
    from transit.prediction.ensemble import SelfCheckingPredictor
    from transit.prediction.history import History
    from transit.prediction.predictor import Predictor

    wire = [to_vehicle_report(to_location(r), r.vehicle_id, r.received_at) for r in reports]
    cache = trip_updates_cache(network, LIVE_MAX_AGE_S)  # type: ignore[arg-type]
    sampler = FeedSampler(instants, lambda snapshot, at: cache.get(snapshot, at).protobuf)
    predictor = SelfCheckingPredictor(network, Predictor(network, History()))  # type: ignore[arg-type]
    replay_days(network, [ReplayDay("replay", tuple(r for r in wire if r is not None))],  # type: ignore[arg-type]
                observer=sampler, predictor=predictor)
    return sampler.feeds


@dataclass(frozen=True)
class Judged:
    """One side's served predictions, scored."""

    label: str
    scores: list  # feeds.replay.served.TailScore per bucket
    records: list  # PredictionRecord
    wrong_bus: list[float]  # per bucket: share of judged predictions made by another bus than the trip's
    right_bus: list  # TailScore per bucket of the predictions made by the bus that ran the trip


def judge(label: str, feeds: Sequence[tuple[float, bytes]], network: object, actual: dict,  # type: ignore[type-arg]
          ran_by: dict) -> Judged:  # type: ignore[type-arg]
    from google.transit import gtfs_realtime_pb2

    from feeds.replay.scoring import first_sequences
    from feeds.replay.served import UP_TO_15_MIN, horizons_and_errors, score_tail, served_records

    first = first_sequences(network)  # type: ignore[arg-type]
    records = [r for at, body in feeds
               for r in served_records(gtfs_realtime_pb2.FeedMessage.FromString(body), at, first)]
    judged = [r for r in records if (r.service_date, r.trip_id, r.stop_sequence) in actual]
    horizon, _ = horizons_and_errors(judged, actual)
    wrong = np.asarray([r.vehicle_id != ran_by.get(r.trip_id) for r in judged], dtype=bool)
    shares = []
    for low, high in UP_TO_15_MIN:
        chosen = wrong[(horizon >= low) & (horizon < high)]
        shares.append(float(chosen.mean()) if chosen.size else math.nan)
    right = [r for r in judged if r.vehicle_id == ran_by.get(r.trip_id)]
    return Judged(label, score_tail(records, actual), records, shares, score_tail(right, actual))


def print_side_by_side(live: Judged, baselines: Sequence[Judged]) -> None:
    """The table, live's MAE over each baseline's, and whether the targets are met against each."""
    print(f"{'bucket':<10}" + "".join(f" | {j.label:<42}" for j in (live, *baselines))
          + " | live/replay MAE, " + ", ".join(f"/{n + 1}" for n in range(len(baselines))))
    print(" " * 10 + (" | " + f"{'n':>6} {'MAE s':>6} {'p99 s':>7} {'bias s':>6} {'wrong':>5} {'right':>5}")
                      * (1 + len(baselines)))
    ratios = []
    for i, score in enumerate(live.scores):
        cells = ""
        for j in (live, *baselines):
            s = j.scores[i]
            cells += (f" | {s.count:>6} {s.mae_s:>6.1f} {s.p99_abs_s:>7.1f} {s.bias_s:>+6.1f} "
                      f"{j.wrong_bus[i]:>5.1%} {j.right_bus[i].mae_s:>5.1f}")
        ratios.append([score.mae_s / b.scores[i].mae_s for b in baselines])
        print(f"{score.label:<10}{cells} | " + "  ".join(f"{r:5.2f}" for r in ratios[-1]))
    for n, baseline in enumerate(baselines):
        met = all(row[n] <= RATIO_TARGET for row in ratios)
        print(f"target: live MAE <= {RATIO_TARGET:.2f}x {baseline.label}'s in every bucket up to 15 min: "
              f"{'met' if met else 'NOT met'}")
    p99 = live.scores[0].p99_abs_s
    print(f"target: live p99 at 0-3 min {p99:.0f} s < {P99_TARGET_S:.0f} s: {'met' if p99 < P99_TARGET_S else 'NOT met'}")


def print_worst(live: Judged, actual: dict, ran_by: dict, count: int = 8) -> None:  # type: ignore[type-arg]
    """The live predictions furthest off (0-15 min), with the bus that made them and the one that ran the trip."""
    rows = []
    for r in live.records:
        when = actual.get((r.service_date, r.trip_id, r.stop_sequence))
        if when is not None and 0 <= when - r.made_at < 900:
            rows.append((abs(when - r.predicted), when - r.predicted, when - r.made_at, r))
    rows.sort(key=lambda row: -row[0])
    print("live, furthest off (0-15 min ahead):")
    seen = set()
    for _, error, horizon, r in rows:
        if (r.trip_id, r.vehicle_id) in seen:
            continue
        seen.add((r.trip_id, r.vehicle_id))
        print(f"  trip {r.trip_id} stop {r.stop_sequence}: error {error:+.0f} s at {horizon:.0f} s ahead, "
              f"served by {r.vehicle_id}, run by {ran_by.get(r.trip_id)}")
        if len(seen) == count:
            break


def print_feeding(feeding: Feeding, began: float, minutes: float, timezone: str) -> None:
    lags = np.asarray(feeding.lags) if feeding.lags else np.zeros(1)
    start = datetime.fromtimestamp(began, ZoneInfo(timezone))
    print(f"live from {start:%H:%M:%S} for {minutes:g} min: {len(feeding.sent):,} reports sent over JT/T 808 "
          f"({feeding.acked:,} acked, {feeding.refused} refused); feeding behind the service clock: "
          f"median {np.median(lags) * 1000:.0f} ms, p99 {np.percentile(lags, 99) * 1000:.0f} ms, "
          f"max {lags.max() * 1000:.0f} ms")


def main() -> None:
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--day", type=date.fromisoformat, default=date(2026, 11, 25), help="a weekday")
    parser.add_argument("--start", type=clock_time.fromisoformat, default=clock_time(12, 0),
                        help="the service's clock at start, HH:MM (the loop city's first bus leaves at 05:54)")
    parser.add_argument("--minutes", type=float, default=15.0, help="how long the service is fed and polled")
    parser.add_argument("--poll-every", type=float, default=15.0, help="seconds between reads of the feed")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--save", type=Path, help="keep the live run (feeds read, reports sent) in this file")
    parser.add_argument("--load", type=Path, help="score a run kept with --save (give its --start and --minutes) instead of running live")
    parser.add_argument("--replay-only", action="store_true",
                        help="no live run: replay the reports from --start for --minutes, read every --poll-every s "
                             "(the live run's instants), beside the replay from dawn (fast tracker checks)")
    args = parser.parse_args()
    from feeds.replay.predictions import actual_from_passages
    from feeds.replay.scoring import index_to_gtfs_sequences
    from transit.store.embedded import scratch_database

    load_before = os.getloadavg()
    started = time.perf_counter()
    feed, simulated = build_city(args.seed, args.day)
    network = feed.network
    print(f"loop city {args.day}: {simulated.stats.vehicles} buses, {simulated.stats.trips} trips, "
          f"{len(simulated.reports):,} reports ({time.perf_counter() - started:.0f} s to simulate)")
    if args.replay_only:
        began = datetime.combine(args.day, args.start, ZoneInfo(network.timezone)).timestamp()
        feeding = Feeding(sent=sorted((r for r in simulated.reports
                                       if began <= r.received_at < began + args.minutes * 60),
                                      key=lambda r: r.received_at))
        instants = [began + args.poll_every * k for k in range(1, int(args.minutes * 60 / args.poll_every) + 1)]
        polled, load_live = [(at, b"") for at in instants], os.getloadavg()
    elif args.load is not None:
        polled, feeding, began, load_live = pickle.loads(args.load.read_bytes())
    else:
        with tempfile.TemporaryDirectory(prefix="bench-live-replay-") as scratch:
            async def go() -> tuple[list[tuple[float, bytes]], Feeding, float]:
                async with scratch_database(os.environ.get("DATABASE_URL"), Path(scratch) / "pg",
                                            "bench_live_vs_replay") as dsn:
                    return await serve_live(args, dsn, Path(scratch) / "data", feed, simulated)
            polled, feeding, began = asyncio.run(go())
        load_live = os.getloadavg()
        if args.save is not None:
            args.save.write_bytes(pickle.dumps((polled, feeding, began, load_live)))
    if not args.replay_only:
        print_feeding(feeding, began, args.minutes, network.timezone)
    instants = [at for at, _ in polled]
    until = began + args.minutes * 60
    started = time.perf_counter()
    same = replay_served(network, feeding.sent, instants)
    morning = [r for r in simulated.reports if r.received_at < until]
    from_dawn = replay_served(network, sorted(morning, key=lambda r: r.received_at), instants)
    print(f"replayed {len(feeding.sent):,} and {len(morning):,} reports ({time.perf_counter() - started:.0f} s)")

    truth = index_to_gtfs_sequences(simulated.passages, network)
    actual = actual_from_passages(truth, network, [args.day])
    ran_by = {p.trip_id: p.vehicle_id for p in truth}
    replay = judge("replay, the same reports", same, network, actual, ran_by)
    dawn = judge("replay from the start of the day", from_dawn, network, actual, ran_by)
    print(f"{len(polled)} reads of the feed every {args.poll_every:g} s; wrong: share made by another bus than "
          f"the one that ran the trip; right: MAE s of those made by the bus that ran it")
    if args.replay_only:
        print("no live run: the first column is the replay of the reports from the start, 'live' below is it")
        print_side_by_side(replay, (dawn,))
        print_worst(replay, actual, ran_by)
        return
    live = judge("live (served over HTTP)", polled, network, actual, ran_by)
    print_side_by_side(live, (replay, dawn))
    print_worst(live, actual, ran_by)
    before = "" if args.load is not None else f"before {load_before[0]:.2f}, "
    print(f"load average {before}after the live run {load_live[0]:.2f} {load_live[1]:.2f} "
          f"{load_live[2]:.2f} (2 cores)")


if __name__ == "__main__":
    main()
