"""Live push under load: N WebSocket clients on 127.0.0.1, each subscribed to a
few stops of the demo city, while the live state changes at real speed.

Three processes: this one (coordinator), a server (the demo city's network,
LiveTracking fed with a simulated day's GPS reports at real speed, the
Predictor, the push hub, ``GET /live``) and one or more client processes
(``websockets`` clients). The coordinator prints, for the updates the clients
received:

- delivery: receipt time - ``at`` (the snapshot the update was computed from);
- from change (upper bound): receipt - ``since`` (the previous hub round's
  snapshot; the change happened after it);

and the server's RSS, sampled every 10 s, with its slope after the clients
connected (flat: under 1 MiB/min and under 5 % growth).

    .venv/bin/pip install -e '.[bench]'        # once: the websockets clients
    .venv/bin/python scripts/bench_ws.py --clients 5000 --duration 120
    .venv/bin/python scripts/bench_ws.py --clients 5000 --duration 600

Target (issue 5): every change delivered within 2 s, memory flat.
When Tongchuan is outside 06:30-20:00, both processes run on a clock shifted to
08:00 today (``--offset``), so that buses run.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import resource
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere
TZ = ZoneInfo("Asia/Shanghai")
TARGET_S = 2.0
SAMPLE_EVERY_S = 10.0
WARM_UP_S = 300.0  # reports applied at once before the run, so buses are on trips


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def emit(kind: str, **fields: object) -> None:
    print(json.dumps({"kind": kind, **fields}), flush=True)


# server

async def serve(args: argparse.Namespace) -> None:
    import psutil
    from aiohttp import web

    from feeds.democity import build_demo_feed
    from feeds.simulator.day import simulate_day
    from feeds.simulator.live import stream
    from transit.api.live_push import PushLimits, add_live_push_routes
    from transit.arrivals import StopTimetable
    from transit.bootstrap import settle_heap
    from transit.gtfs.feed import load_feed
    from transit.gtfs.tables import write_tables
    from transit.live.tracking import LiveTracking
    from transit.prediction.history import History
    from transit.prediction.predictor import Predictor
    from transit.records import VehicleReport
    from transit.tracking.tracker import Tracker

    raise_fd_limit()
    offset = args.offset

    def clock() -> float:
        return time.time() + offset

    network = load_feed(write_tables(build_demo_feed(args.seed)), "demo-city.zip").network
    day = (datetime.fromtimestamp(clock(), TZ) - timedelta(hours=3)).date()
    simulated = simulate_day(network, day, seed=args.seed + day.toordinal())
    live = LiveTracking(Tracker(network), clock, predictor=Predictor(network, History()))
    start = clock()
    warm = [r for r in simulated.reports if start - WARM_UP_S <= r.received_at < start]
    for i in range(0, len(warm), 500):
        live.apply(warm[i:i + 500])
    Path(args.stops_file).write_text(json.dumps(sorted(network.stops)))
    settle_heap()  # as the service does once loaded

    app = web.Application()
    hub = add_live_push_routes(app, network=network, timetable=StopTimetable(network),
                               snapshot=lambda: live.snapshot, clock=clock, limits=PushLimits())
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", args.port, backlog=4096)
    await site.start()
    port = runner.addresses[0][1]

    async def feed(item: object) -> None:
        if isinstance(item, VehicleReport):
            live.submit([item])

    tasks = [asyncio.create_task(live.run()), asyncio.create_task(hub.run()),
             asyncio.create_task(stream(simulated, clock(), 1.0, feed, now=time.monotonic, sleep=asyncio.sleep))]
    emit("ready", port=port, warm_reports=len(warm), vehicles=len(live.snapshot.vehicles))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    process = psutil.Process()
    begun = time.monotonic()
    while not stop.is_set():
        stats = hub.stats()
        emit("rss", t=round(time.monotonic() - begun, 1), rss_mib=round(process.memory_info().rss / 2**20, 1),
             clients=stats.clients, sessions=stats.sessions, views=stats.watched_views, updates=stats.updates,
             slow_readers=stats.slow_readers, tick_ms=round(stats.last_tick_s * 1000, 1),
             predictions=len(live.snapshot.predictions.by_trip), cpu_s=round(sum(process.cpu_times()[:2]), 1))
        try:
            await asyncio.wait_for(stop.wait(), SAMPLE_EVERY_S)
        except TimeoutError:
            pass
    for task in tasks:
        task.cancel()
    await runner.cleanup()


# clients

async def clients(args: argparse.Namespace) -> None:
    import orjson
    from websockets.asyncio.client import connect

    raise_fd_limit()
    # The load generator's own collector pauses would count as delivery delay;
    # it holds no cycles worth collecting for the run.
    gc.disable()
    stops = json.loads(Path(args.stops_file).read_text())
    rng = random.Random(args.index)
    delivery: list[float] = []
    from_change: list[float] = []
    counts = {"connected": 0, "failed": 0, "updates": 0, "gaps": 0, "errors": 0, "closed": 0}
    gate = asyncio.Semaphore(200)  # connections opened at once
    measuring_from = time.monotonic() + args.connect_s
    loop_deadline = asyncio.get_running_loop().time() + args.connect_s + args.duration

    async def one(n: int) -> None:
        async with gate:
            try:
                ws = await connect(args.url, open_timeout=30, ping_interval=None, max_size=2**22)
            except (OSError, TimeoutError) as exc:
                counts["failed"] += 1
                if counts["failed"] <= 3:
                    print(f"connect failed: {exc!r}", file=sys.stderr)
                return
        counts["connected"] += 1
        seq = 0
        try:
            await ws.recv()  # hello
            chosen = rng.sample(stops, args.stops_per_client)
            await ws.send(json.dumps({"subscribe": {"stops": chosen}}))
            async with asyncio.timeout_at(loop_deadline):
                async for raw in ws:
                    received = time.time() + args.offset
                    message = orjson.loads(raw)
                    if message["type"] == "error":
                        counts["errors"] += 1
                    if message["type"] != "update":
                        continue
                    counts["gaps"] += message["seq"] != seq + 1
                    seq = message["seq"]
                    if message["reason"] != "change" or time.monotonic() < measuring_from:
                        continue
                    counts["updates"] += 1
                    delivery.append(received - message["at"])
                    if message["since"] is not None:
                        from_change.append(received - message["since"])
        except TimeoutError:
            pass
        except Exception as exc:  # noqa: BLE001 - a dropped connection is a figure here
            counts["closed"] += 1
            if counts["closed"] <= 3:
                print(f"client {n} ended: {exc!r}", file=sys.stderr)
        finally:
            await ws.close()

    await asyncio.gather(*(one(n) for n in range(args.count)))
    emit("clients", counts=counts, delivery=delivery, from_change=from_change)


# coordinator

def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def slope_mib_per_min(samples: list[tuple[float, float]]) -> float:
    n = len(samples)
    if n < 2:
        return float("nan")
    mt = sum(t for t, _ in samples) / n
    mr = sum(r for _, r in samples) / n
    var = sum((t - mt) ** 2 for t, _ in samples)
    return 60.0 * sum((t - mt) * (r - mr) for t, r in samples) / var


def clock_offset() -> float:
    now = datetime.now(TZ)
    if clock_time(6, 30) <= now.time() <= clock_time(20, 0):
        return 0.0
    return datetime.combine(now.date(), clock_time(8, 0), tzinfo=TZ).timestamp() - now.timestamp()


def coordinate(args: argparse.Namespace) -> int:
    raise_fd_limit()
    offset = clock_offset() if args.offset is None else args.offset
    stops_file = f"/tmp/bench_ws_stops_{int(time.time())}.json"
    me = [sys.executable, str(Path(__file__).resolve())]
    common = ["--offset", str(offset), "--stops-file", stops_file, "--seed", str(args.seed)]
    server = subprocess.Popen([*me, "--role", "server", "--port", str(args.port), *common],
                              stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    ready = json.loads(server.stdout.readline())
    print(f"server ready on port {ready['port']}: {ready['vehicles']} buses after warm-up, "
          f"clock offset {offset:.0f} s", flush=True)
    samples: list[dict] = []  # type: ignore[type-arg]

    def read_server() -> None:
        for line in server.stdout:  # type: ignore[union-attr]
            sample = json.loads(line)
            samples.append(sample)
            print(f"  t={sample['t']:>6.0f}s rss={sample['rss_mib']:>7.1f} MiB clients={sample['clients']} "
                  f"views={sample['views']} updates={sample['updates']} slow={sample['slow_readers']} "
                  f"tick={sample['tick_ms']} ms predictions={sample['predictions']} cpu={sample['cpu_s']} s",
                  flush=True)

    import threading
    threading.Thread(target=read_server, daemon=True).start()
    per = [args.clients // args.client_procs + (i < args.clients % args.client_procs) for i in range(args.client_procs)]
    procs = [subprocess.Popen([*me, "--role", "clients", "--url", f"ws://127.0.0.1:{ready['port']}/live",
                               "--count", str(n), "--index", str(i), "--duration", str(args.duration),
                               "--connect-s", str(args.connect_s), "--stops-per-client", str(args.stops_per_client),
                               *common], stdout=subprocess.PIPE, text=True)
             for i, n in enumerate(per)]
    started = time.monotonic()
    results = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)
    delivery = [x for r in results for x in r["delivery"]]
    from_change = [x for r in results for x in r["from_change"]]
    counts = {k: sum(r["counts"][k] for r in results) for k in results[0]["counts"]}
    print(f"\nclients: {counts} ({time.monotonic() - started:.0f} s)")
    for name, values in (("delivery (recv - at)", delivery), ("from change, upper bound (recv - since)", from_change)):
        late = sum(v > TARGET_S for v in values)
        print(f"{name}: n={len(values)} p50={percentile(values, 0.5):.3f} s p99={percentile(values, 0.99):.3f} s "
              f"max={max(values, default=float('nan')):.3f} s; over {TARGET_S:.0f} s: {late} (target 0)")
    # Resume buffers are bounded per session but start empty: memory rises
    # until they are full, then must stay flat. Judged after --fill-s.
    settled = [(s["t"], s["rss_mib"]) for s in samples if s["t"] >= args.connect_s + args.fill_s]
    if len(settled) >= 2:
        slope = slope_mib_per_min(settled)
        growth = (settled[-1][1] - settled[0][1]) / settled[0][1]
        flat = abs(slope) < 1.0 and growth < 0.05
        print(f"server RSS from {args.fill_s:.0f} s after connect: {settled[0][1]:.1f} -> {settled[-1][1]:.1f} MiB over "
              f"{settled[-1][0] - settled[0][0]:.0f} s, slope {slope:+.2f} MiB/min, growth {growth:+.1%}: "
              f"{'flat' if flat else 'NOT flat'}")
    Path(stops_file).unlink(missing_ok=True)
    ok = counts["failed"] == 0 and max(from_change, default=0.0) <= TARGET_S
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--role", choices=("coordinator", "server", "clients"), default="coordinator")
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--stops-per-client", type=int, default=3)
    parser.add_argument("--duration", type=float, default=120.0, help="measured seconds after connecting")
    parser.add_argument("--connect-s", type=float, default=30.0, help="seconds allowed to connect everyone")
    parser.add_argument("--fill-s", type=float, default=0.0,
                        help="seconds after connecting left out of the memory slope, while the "
                             "bounded resume buffers fill (use 180 with --duration 600)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--offset", type=float, default=None)
    parser.add_argument("--stops-file")
    parser.add_argument("--url")
    parser.add_argument("--count", type=int)
    parser.add_argument("--index", type=int, default=0)
    args = parser.parse_args()
    if args.role == "server":
        asyncio.run(serve(args))
        return 0
    if args.role == "clients":
        asyncio.run(clients(args))
        return 0
    return coordinate(args)


if __name__ == "__main__":
    sys.exit(main())
