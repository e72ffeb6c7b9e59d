"""Benchmark: GPS ingest throughput and latency on the real path, end to end.

One subprocess runs the service (`transit serve`, the demo city imported as the
live schedule, against DATABASE_URL when set, else the embedded PostgreSQL in a
temporary folder); this process runs the load: N JT/T 808 terminals over
loopback that register and authenticate like real ones, then send location
reports of buses driving the demo city's routes (positions from a simulated
day, played in real time from now's time of day, fix times = send time) at a
total target rate, every ``--batch-every``-th message a 0x0704 of fresh fixes.

Printed: acked reports/s and ack latency p50/p99 (measured here, send to
0x8001), and from the service's /metrics the receipt->state latency p50/p99
and the tracker outcomes. Baseline in the same run: the same load against the
bare protocol path (the JT/T 808 server with an in-memory sink, as in
scripts/jt808_load.py), also in its own process.

Target (issue 3): >= 5,000 reports/s with p99 receipt->state < 50 ms.

    .venv/bin/python scripts/bench_ingest.py [--terminals 400] [--rate 5000] [--duration 30]

With DATABASE_URL set the demo city is imported there and made live: use a
throwaway database.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

HOST = "127.0.0.1"  # loopback only: this tool must never load someone else's server
MAX_DURATION = 120.0
TZ = ZoneInfo("Asia/Shanghai")
ROOT = Path(__file__).resolve().parent.parent
TRANSIT = [sys.executable, "-m", "transit.cli"]
# Before this or after that the demo city has few buses out: play the morning peak instead.
FALLBACK_START = timedelta(hours=7, minutes=30)
MIN_ACTIVE = 50


# ------------------------------------------------------------------ tracks


@dataclass(frozen=True)
class Track:
    """One simulated bus's fixes, fix-time order: where it is at any instant."""

    vehicle_id: str
    times: tuple[float, ...]
    points: tuple[tuple[float, float, float, float], ...]  # lat, lon, speed m/s, bearing

    def at(self, t: float) -> tuple[float, float, float, float]:
        """Linear between the fixes around ``t`` (held at either end)."""
        i = bisect.bisect_right(self.times, t)
        if i == 0:
            return self.points[0]
        if i == len(self.times):
            return self.points[-1]
        t0, t1 = self.times[i - 1], self.times[i]
        (a_lat, a_lon, speed, bearing), (b_lat, b_lon, _, _) = self.points[i - 1], self.points[i]
        f = (t - t0) / (t1 - t0) if t1 > t0 else 0.0
        return a_lat + (b_lat - a_lat) * f, a_lon + (b_lon - a_lon) * f, speed, bearing


def build_tracks(feed_zip: Path, seed: int, count: int, span: float) -> tuple[list[Track], str]:
    """``count`` tracks of buses on the road over the last ``span`` seconds of
    Tongchuan time, rebased so that 0 is ``span`` seconds ago; and what was chosen.

    The demo fleet is ~250 buses; beyond the buses out, a terminal follows a bus
    out 10 minutes later on the same route ("bus V012~1"), so several hundred
    terminals all drive real routes.
    """
    from feeds.democity import stop_demand
    from feeds.simulator import simulate_day
    from transit.gtfs.feed import load_feed, read_raw_tables

    data = feed_zip.read_bytes()
    network = load_feed(data, feed_zip.name).network
    now = datetime.now(TZ) - timedelta(seconds=span)
    # A service day starts at 03:00 for the demo (see transit.bootstrap).
    day: date = (now - timedelta(hours=3)).date()
    origin = datetime.combine(day, datetime.min.time(), tzinfo=TZ)
    start = now.replace(tzinfo=None) - datetime.combine(day, datetime.min.time())
    simulated = simulate_day(network, day, seed=seed + day.toordinal(),
                             demand=stop_demand(read_raw_tables(data, "bench")))
    by_vehicle: dict[str, dict[float, tuple[float, float, float, float]]] = {}
    for r in simulated.reports:
        by_vehicle.setdefault(r.vehicle_id, {})[r.timestamp] = (
            r.lat, r.lon, r.speed_mps or 0.0, r.bearing or 0.0)

    def active(at: timedelta) -> list[str]:
        begin = (origin + at).timestamp()
        return sorted(v for v, fixes in by_vehicle.items()
                      if min(fixes) <= begin + 30 and max(fixes) >= begin + span + 1200)

    chosen = active(start)
    if len(chosen) < MIN_ACTIVE:
        start = FALLBACK_START
        chosen = active(start)
    begin = (origin + start).timestamp()
    tracks = []
    for n in range(count):
        lap, vehicle = divmod(n, len(chosen))
        fixes = sorted(by_vehicle[chosen[vehicle]].items())
        shift = 600.0 * lap
        tracks.append(Track(chosen[vehicle] + (f"~{lap}" if lap else ""),
                            tuple(t - begin + shift for t, _ in fixes),
                            tuple(p for _, p in fixes)))
    hours, rest = divmod(int(start.total_seconds()), 3600)
    return tracks, (f"{day} from {hours:02d}:{rest // 60:02d} ({len(chosen)} buses out, "
                    f"{simulated.stats.vehicles} in the day)")


# ------------------------------------------------------------------ load


@dataclass
class Tally:
    sent_reports: int = 0
    acked_reports: int = 0
    refused: int = 0
    latencies: list[float] = field(default_factory=list)
    failures: list[BaseException] = field(default_factory=list)


async def run_terminal(n: int, track: Track, port: int, rate: float, duration: float,
                       batch_every: int, batch_size: int, start_at: float, tally: Tally) -> None:
    from feeds.jt808.messages import (
        BatchKind, BatchLocation, Edition, Location, PlatformGeneralResponse,
    )
    from feeds.jt808.terminal import TerminalClient, log_in

    edition = Edition.V2019 if n % 2 else Edition.V2013
    client = await TerminalClient.connect(HOST, port, f"139{n:08d}", edition)
    try:
        await log_in(client, track.vehicle_id, f"T{n:05d}", "BENCH")

        pending: dict[int, tuple[float, int]] = {}  # flow -> (sent at, reports)
        done_sending = asyncio.Event()

        async def read_acks() -> None:
            while pending or not done_sending.is_set():
                reply = (await client.receive()).body
                if isinstance(reply, PlatformGeneralResponse) and reply.reply_flow in pending:
                    sent_at, count = pending.pop(reply.reply_flow)
                    if reply.result == 0:
                        tally.acked_reports += count
                        tally.latencies.append(time.perf_counter() - sent_at)
                    else:
                        tally.refused += count

        # Fixes one second apart (JT/T 808 times are whole seconds: two in the same
        # second are duplicates), the last one about now: the bus's last few minutes,
        # uploaded faster than it drove them, each a fresh fix for the tracker.
        first_fix = int(start_at) - int(rate * duration) - 5
        fixes = 0

        def next_fix() -> Location:
            nonlocal fixes
            at = first_fix + fixes
            fixes += 1
            lat, lon, speed, bearing = track.at(at - first_fix)
            return Location.at(lat, lon, at, speed_mps=speed, direction=int(bearing) % 360)

        reading = asyncio.create_task(read_acks())
        interval = 1.0 / rate
        # Terminals start spread over one interval, all on the same wall clock.
        next_at = start_at + (n * interval / 7.0) % interval
        message = 0
        while next_at < start_at + duration:
            await asyncio.sleep(max(0.0, next_at - time.time()))
            message += 1
            if batch_every and message % batch_every == 0:
                items = tuple(next_fix() for _ in range(batch_size))
                body: Location | BatchLocation = BatchLocation(BatchKind.NORMAL, items)
                count = batch_size
            else:
                body, count = next_fix(), 1
            flow = client.next_flow()
            pending[flow] = (time.perf_counter(), count)
            tally.sent_reports += count
            await client.send(body, flow=flow)
            next_at += interval * count
        done_sending.set()
        try:
            await asyncio.wait_for(reading, timeout=10.0)
        except TimeoutError:
            reading.cancel()
    finally:
        await client.close()


async def load(tracks: Sequence[Track], port: int, args: argparse.Namespace) -> tuple[Tally, float]:
    tally = Tally()
    per_terminal = args.rate / len(tracks)
    start_at = time.time() + 2.0  # time for every terminal to log in first
    results = await asyncio.gather(*(
        run_terminal(n, track, port, per_terminal, args.duration, args.batch_every,
                     args.batch_size, start_at, tally)
        for n, track in enumerate(tracks)
    ), return_exceptions=True)
    elapsed = time.time() - start_at  # first send to last ack: a server that lags shows it
    tally.failures = [r for r in results if isinstance(r, BaseException)]
    return tally, elapsed


def quantile_ms(values: list[float], q: int) -> float:
    if len(values) < 2:
        return float("nan")
    return statistics.quantiles(values, n=100)[q - 1] * 1000


def print_load(name: str, tally: Tally, elapsed: float) -> None:
    print(f"{name:9s} sent {tally.sent_reports:,} reports, acked {tally.acked_reports:,}, "
          f"refused {tally.refused}: {tally.acked_reports / elapsed:,.0f} acked reports/s over "
          f"{elapsed:.1f} s; ack latency p50 {quantile_ms(tally.latencies, 50):.1f} ms, "
          f"p99 {quantile_ms(tally.latencies, 99):.1f} ms")
    if tally.failures:
        print(f"          {len(tally.failures)} terminals failed, first: {tally.failures[0]!r}")


# ------------------------------------------------------------------ processes


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def get_json(url: str) -> dict:  # type: ignore[type-arg]
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def wait_until_up(process: subprocess.Popen[bytes], health: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the service exited with status {process.returncode}")
        try:
            get_json(health)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the service did not answer {health} within {timeout:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGINT, as Ctrl-C: the service closes its resources in order."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def prepare_city(data_dir: Path, env: dict[str, str], seed: int) -> Path:
    feed_zip = data_dir / f"demo-city-seed{seed}.zip"
    subprocess.run([*TRANSIT, "demo-city", str(feed_zip), "--seed", str(seed)],
                   env=env, check=True, cwd=ROOT, stderr=subprocess.DEVNULL)
    subprocess.run([*TRANSIT, "import-gtfs", str(feed_zip)],
                   env=env, check=True, cwd=ROOT, stderr=subprocess.DEVNULL)
    return feed_zip


def bench_service(args: argparse.Namespace, data_dir: Path) -> None:
    http_port, jt808_port = free_port(), free_port()
    env = {**os.environ, "TRANSIT_DATA_DIR": str(data_dir), "TRANSIT_HTTP_HOST": HOST,
           "TRANSIT_HTTP_PORT": str(http_port), "TRANSIT_JT808_HOST": HOST,
           "TRANSIT_JT808_PORT": str(jt808_port), "TRANSIT_LOG_LEVEL": "WARNING",
           "TRANSIT_SEED": str(args.seed)}
    env.pop("TRANSIT_GTFSRT_POLL_URLS", None)
    started = time.perf_counter()
    feed_zip = prepare_city(data_dir, env, args.seed)
    span = args.rate / args.terminals * args.duration + 10
    tracks, chosen = build_tracks(feed_zip, args.seed, args.terminals, span)
    print(f"demo city seed {args.seed} imported, {chosen} simulated "
          f"({time.perf_counter() - started:.0f} s)")
    print(f"{len(tracks)} terminals, {args.rate:,.0f} reports/s offered for {args.duration:.0f} s, "
          f"every {args.batch_every}th message a 0x0704 of {args.batch_size}")
    command = [*TRANSIT, "serve"]
    if args.profile is not None:
        command = [str(Path(sys.executable).parent / "py-spy"), "record", "--format", "raw",
                   "--nonblocking", "-o", str(args.profile), "--", *command]
    service = subprocess.Popen(command, env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
                               if args.quiet else None)
    try:
        base = f"http://{HOST}:{http_port}"
        wait_until_up(service, f"{base}/health", 120.0)
        baseline_metrics = get_json(f"{base}/metrics")
        tally, elapsed = asyncio.run(load(tracks, jt808_port, args))
        metrics = get_json(f"{base}/metrics")
    finally:
        stop(service)
    print_load("service", tally, elapsed)
    latency = metrics["latency_receipt_to_state_ms"]
    jt808 = metrics["jt808"]
    stored = metrics["ingest"]["reports_stored"] - baseline_metrics["ingest"]["reports_stored"]
    print(f"          receipt->state p50 {latency['p50']} ms, p99 {latency['p99']} ms "
          f"(of {latency['count']:,} reports); stored {stored:,}; vehicles live "
          f"{metrics['vehicles_live']}")
    print(f"          tracker outcomes {metrics['tracker']}")
    print(f"          jt808 throttled {jt808['throttled']}, sink failures {jt808['sink_failures']}, "
          f"connections {jt808['connections_opened']}")
    bench_baseline(args, tracks)


def bench_baseline(args: argparse.Namespace, tracks: Sequence[Track]) -> None:
    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--memory-server", str(port)], cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex((HOST, port)) == 0:
                    break
            time.sleep(0.1)
        tally, elapsed = asyncio.run(load(tracks, port, args))
    finally:
        stop(server)
    print_load("baseline", tally, elapsed)


async def memory_server(port: int) -> None:
    """The bare protocol path: JT/T 808 server, sink keeps reports in memory."""
    from feeds.jt808.bindings import OPEN_REGISTRATION
    from feeds.jt808.server import Jt808Server, ServerConfig
    from transit.records import VehicleReport

    stored: list[VehicleReport] = []

    async def memory_sink(reports: Sequence[VehicleReport]) -> dict[int, object]:
        stored.extend(reports)
        return {}  # nothing refused

    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopped.set)
    async with Jt808Server(memory_sink, OPEN_REGISTRATION, time.time,
                           ServerConfig(auth_key=b"bench")) as server:
        await server.start(HOST, port)
        await stopped.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--terminals", type=int, default=400)
    parser.add_argument("--rate", type=float, default=5000.0, help="total reports per second")
    parser.add_argument("--duration", type=float, default=30.0,
                        help=f"seconds, at most {MAX_DURATION:.0f}")
    parser.add_argument("--batch-every", type=int, default=10,
                        help="every Nth message is a 0x0704 (0: never)")
    parser.add_argument("--batch-size", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quiet", action="store_true", help="hide the service's log")
    parser.add_argument("--profile", type=Path, metavar="FILE",
                        help="run the service under py-spy (pip install py-spy), raw stacks to FILE")
    parser.add_argument("--memory-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_server is not None:
        asyncio.run(memory_server(args.memory_server))
        return
    if not 0 < args.duration <= MAX_DURATION:
        parser.error(f"--duration must be in (0, {MAX_DURATION:.0f}]")
    if args.terminals < 1 or args.rate <= 0:
        parser.error("--terminals and --rate must be positive")
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as data_dir:
        bench_service(args, Path(data_dir))


if __name__ == "__main__":
    main()
