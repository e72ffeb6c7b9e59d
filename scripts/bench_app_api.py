"""Benchmark: the app API's arrivals call under load on loopback, with a bare
aiohttp handler as the baseline in the same run and the same server process.

    .venv/bin/python scripts/bench_app_api.py [--clients 100] [--rate 3000] [--seconds 12]

Server (a child process, 127.0.0.1 only): the demo city (build_demo_feed +
load_feed), its simulated Monday replayed through LiveTracking with the
Predictor at real speed from 08:00 (morning peak), a new snapshot every second,
so arrivals are rebuilt per snapshot as in service; the last 10 simulated
minutes before 08:00 are applied first so buses are tracked from the start.
Routes: the app API (add_app_routes, one key with a high rate) and ``/bare``,
a handler returning a constant JSON body (the cost floor of aiohttp itself).

Client (this process): 100 keep-alive HTTP/1.1 connections, each asking for
arrivals at a random stop, in two phases per target: closed loop (each client
sends its next request when the answer comes: the saturation throughput) and
open loop at ``--rate`` requests/s in total (requests on a fixed schedule,
latency counted from the scheduled instant so a slow server cannot hide its
queue). The load generator is a minimal asyncio protocol, not aiohttp's
client: on a 2-core machine the client shares the CPU and must cost less
than the server. Targets (issue 5): >= 3,000 requests/s, p99 < 30 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing as mp
import random
import socket
import time
from dataclasses import dataclass
from datetime import date

import numpy as np

KEY = "bench-key"
DAY = date(2026, 11, 23)  # a Monday
START_S = 8 * 3600  # service-day seconds: the morning peak
WARMUP_S = 600.0


# ---- server process ----------------------------------------------------------------


class SimClock:
    """The simulated day's time: fixed while warming up, then real speed."""

    def __init__(self, at: float) -> None:
        self.at = at
        self._wall0: float | None = None

    def go(self) -> None:
        self._wall0 = time.monotonic()

    def __call__(self) -> float:
        return self.at if self._wall0 is None else self.at + time.monotonic() - self._wall0


def serve(pipe, seed: int, server_gc: bool) -> None:  # type: ignore[no-untyped-def]
    from aiohttp import web

    from feeds.democity import build_demo_feed, stop_demand
    from feeds.simulator import simulate_day
    from transit.api.app_api import add_app_routes
    from transit.api.ratelimit import KeyPolicy
    from transit.arrivals import StopTimetable
    from transit.bootstrap import settle_heap
    from transit.gtfs.feed import load_feed
    from transit.gtfs.tables import write_tables
    from transit.live.tracking import LiveTracking
    from transit.model.service_days import to_unix
    from transit.prediction.history import History
    from transit.prediction.predictor import Predictor
    from transit.tracking.tracker import Tracker

    started = time.perf_counter()
    tables = build_demo_feed(seed)
    network = load_feed(write_tables(tables), "demo.zip").network
    day = simulate_day(network, DAY, seed=seed + DAY.toordinal(), demand=stop_demand(tables))
    start = to_unix(DAY, START_S, network.timezone)
    clock = SimClock(start - WARMUP_S)
    live = LiveTracking(Tracker(network), clock, predictor=Predictor(network, History()))
    reports = [r for r in day.reports if r.received_at >= start - WARMUP_S]
    i = 0
    while clock.at < start:  # warm-up: one batch per simulated minute
        clock.at = min(start, clock.at + 60.0)
        j = i
        while j < len(reports) and reports[j].received_at <= clock.at:
            j += 1
        live.apply(reports[i:j])
        i = j
    setup_s = time.perf_counter() - started
    n_reports = len(day.reports)
    del day, tables
    settle_heap()  # as the service does once loaded (transit.bootstrap)
    if not server_gc:  # --no-server-gc: shows what the collector's pauses cost (see docs/app-api.md)
        gc.disable()
    stats = {"snapshots": 0, "applied": 0, "apply_ms_max": 0.0, "loop_stall_ms_max": 0.0}

    async def replay() -> None:
        nonlocal i
        clock.go()
        tick = time.monotonic()
        while True:
            tick += 1.0
            await asyncio.sleep(max(0.0, tick - time.monotonic()))
            now, j = clock(), i
            while j < len(reports) and reports[j].received_at <= now:
                j += 1
            t0 = time.perf_counter()
            live.apply(reports[i:j])
            stats["apply_ms_max"] = max(stats["apply_ms_max"], round((time.perf_counter() - t0) * 1000, 1))
            stats["snapshots"] += 1
            stats["applied"] += j - i
            i = j

    async def watch_lag() -> None:
        # The event loop's longest stall (a snapshot build, a GC pause, the OS).
        while True:
            t0 = time.perf_counter()
            await asyncio.sleep(0.01)
            lag = (time.perf_counter() - t0 - 0.01) * 1000
            stats["loop_stall_ms_max"] = max(stats["loop_stall_ms_max"], round(lag, 1))

    async def bare(request: web.Request) -> web.Response:
        return web.Response(body=b'{"ok":true}', content_type="application/json")

    async def bench_stats(request: web.Request) -> web.Response:
        snapshot = live.snapshot
        return web.json_response({**stats, "vehicles_live": len(snapshot.list_live(clock(), 300.0)),
                                  "predicted_trips": len(snapshot.predictions.by_trip)})

    async def main() -> None:
        app = web.Application()
        add_app_routes(app, network=network, timetable=StopTimetable(network), snapshot=lambda: live.snapshot,
                       clock=clock, keys={KEY: KeyPolicy("bench", rate=1e6, burst=1_000_000)})
        app.router.add_get("/bare", bare)
        app.router.add_get("/bench/stats", bench_stats)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        port = runner.addresses[0][1]
        task = asyncio.create_task(replay())
        asyncio.create_task(watch_lag())
        pipe.send((port, sorted(network.stops), setup_s, n_reports))
        await asyncio.get_running_loop().run_in_executor(None, pipe.recv)  # until told to stop
        task.cancel()
        await runner.cleanup()

    asyncio.run(main())


# ---- load generator -----------------------------------------------------------------


class Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection: one request in flight at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._waiter: asyncio.Future[int] | None = None

    def connection_made(self, transport) -> None:  # type: ignore[no-untyped-def]
        self.transport = transport
        transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(buffer[:end]).lower()
        at = head.find(b"content-length:")
        length = int(head[at + 15: head.find(b"\r\n", at) if head.find(b"\r\n", at) > 0 else None])
        if len(buffer) < end + 4 + length:
            return
        status = int(head[9:12])
        del buffer[: end + 4 + length]
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(status)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(ConnectionError("connection lost"))

    async def request(self, raw: bytes) -> int:
        self._waiter = asyncio.get_running_loop().create_future()
        assert self.transport is not None
        self.transport.write(raw)
        return await self._waiter


@dataclass
class Phase:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: np.ndarray

    def line(self) -> str:
        p50, p99 = np.percentile(self.latencies_ms, [50, 99]) if len(self.latencies_ms) else (float("nan"),) * 2
        return (f"{self.name:<38} {self.requests / self.seconds:>9,.0f} req/s   p50 {p50:6.2f} ms   "
                f"p99 {p99:6.2f} ms   errors {self.errors}")


async def run_phase(name: str, port: int, requests: list[bytes], clients: int, seconds: float,
                    rate: float | None) -> Phase:
    """``clients`` connections for ``seconds``: closed loop when ``rate`` is None,
    else open loop at ``rate`` requests/s in total (each client rate/clients)."""
    loop = asyncio.get_running_loop()
    connections = [(await loop.create_connection(Connection, "127.0.0.1", port))[1] for _ in range(clients)]
    latencies: list[float] = []
    errors = 0
    rng = random.Random(1)
    begin = loop.time()
    deadline = begin + seconds

    async def client(conn: Connection, k: int) -> None:
        nonlocal errors
        interval = clients / rate if rate else 0.0
        due = begin + interval * k / clients  # spread the clients' phases over one interval
        while True:
            now = loop.time()
            if rate:
                if due >= deadline:
                    return
                if due > now:
                    await asyncio.sleep(due - now)
                sent_at = due  # open loop: latency from the scheduled instant
                due += interval
            else:
                if now >= deadline:
                    return
                sent_at = now
            status = await conn.request(rng.choice(requests))
            latencies.append((loop.time() - sent_at) * 1000)
            if status != 200:
                errors += 1

    await asyncio.gather(*(client(c, k) for k, c in enumerate(connections)))
    elapsed = loop.time() - begin
    for conn in connections:
        assert conn.transport is not None
        conn.transport.close()
    return Phase(name, len(latencies), errors, elapsed, np.asarray(latencies))


def raw_get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: {KEY}\r\n\r\n".encode()


async def load(port: int, stops: list[str], args: argparse.Namespace) -> list[Phase]:
    arrivals = [raw_get(f"/app/v1/stops/{s}/arrivals") for s in stops]
    bare = [raw_get("/bare")]
    each = args.seconds / 4
    await run_phase("warm-up", port, arrivals, args.clients, 0.5, None)
    return [
        await run_phase("bare handler, closed loop", port, bare, args.clients, each, None),
        await run_phase("arrivals, closed loop", port, arrivals, args.clients, each, None),
        await run_phase(f"bare handler, open loop {args.rate:,.0f}/s", port, bare, args.clients, each, args.rate),
        await run_phase(f"arrivals, open loop {args.rate:,.0f}/s", port, arrivals, args.clients, each, args.rate),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--rate", type=float, default=3000.0, help="open-loop requests/s, all clients together")
    parser.add_argument("--seconds", type=float, default=12.0, help="load time, all four phases together (max 15)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-server-gc", action="store_true",
                        help="disable the cyclic GC in the server after loading (default: frozen, still on)")
    args = parser.parse_args()
    args.seconds = min(args.seconds, 15.0)
    ours, theirs = mp.get_context("spawn").Pipe()
    server = mp.get_context("spawn").Process(target=serve, args=(theirs, args.seed, not args.no_server_gc), daemon=True)
    server.start()
    port, stops, setup_s, reports = ours.recv()
    print(f"server: demo city, {len(stops)} stops, {reports:,} simulated reports replayed at real speed "
          f"from {DAY} 08:00 (setup {setup_s:.0f} s); 127.0.0.1:{port}")
    # The load generator's own collector pauses would count as server latency
    # in the open loop; it holds no cycles worth collecting for 15 s.
    gc.disable()
    phases = asyncio.run(load(port, stops, args))
    gc.enable()

    async def server_stats() -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /bench/stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        body = (await reader.read()).split(b"\r\n\r\n", 1)[1]
        writer.close()
        return body

    stats = asyncio.run(server_stats())
    ours.send("stop")
    server.join(10)
    print(f"{args.clients} clients, {args.seconds / 4:.1f} s per phase, server GC "
          f"{'off' if args.no_server_gc else 'on (frozen after loading)'}")
    for phase in phases:
        print(phase.line())
    print(f"live state during the run: {stats.decode()}")


if __name__ == "__main__":
    main()
