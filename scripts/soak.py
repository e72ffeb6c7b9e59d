"""Soak: the whole service under load for N minutes, sampled every minute.

    .venv/bin/python scripts/soak.py                                  # 30 min, the soak profile
    .venv/bin/python scripts/soak.py --minutes 3                      # a short check first
    .venv/bin/python scripts/soak.py --ingest-only --reports-per-s 5000 --minutes 2 [--profile]

The service is the real one: ``transit demo`` with ``TRANSIT_SIMULATE=false``
(no simulated fleet), a fresh ``TRANSIT_DATA_DIR`` in a temporary folder (the
embedded PostgreSQL there), free ports on 127.0.0.1, its simulated clock at
``--start`` (default 08:00, the morning peak) of today and running at real
speed. Load, each kind from its own process so that one generator's queue does
not show as another's latency (127.0.0.1 only, every count bounded):

- fleet: JT/T 808 terminals registering by plate (open registration) and
  sending location reports, every ``--batch-every``-th message a 0x0704 of
  ``--batch-size``; positions from the demo city's simulated day. Beyond the
  buses really out, a terminal follows a bus ``--follow-s`` x lap behind on
  the same route (``V012~3``). One fix per terminal per second at most (JT/T
  808 times are whole seconds): with ``--terminals`` >= ``--reports-per-s``
  (the default) every fix is fresh, time = the service's now; with fewer
  terminals each sends faster than real time and its fixes start
  ``(rate - 1) x duration`` in the past and end now (scripts/bench_ingest.py's
  scheme: fine for a few minutes, for longer runs the buses are not live);
- signs: ``GET /signs/{id}/arrivals`` of random signs and formats, each path
  remembering its ETag (``If-None-Match``, as a sign does), open loop;
- app: ``/app/v1`` arrivals (70%), nearby stops, line, line vehicles, vehicle
  next stops; open loop (latency counted from the scheduled instant);
- ws: ``/live`` WebSocket clients subscribed to ``--ws-stops`` random stops
  (one in ten also to a line); delivery = receipt - the update's ``at``;
- push (``--push-rps``, default off): ``POST /api/push/reports`` with
  ``X-Push-Key``.

Every ``--sample-s`` (60 s): the service's RSS and open fds (/proc/PID/fd), its
CPU, the embedded PostgreSQL's RSS, event-loop lag from /metrics
(``loop_lag_ms``, when the service runs transit.api.loop_lag; else "-"), the
receipt->state p99 of that minute (/metrics ``recent``), and per load its
rate, errors and latency p50/p99/max; the load average (other work shares the
machine). At the end: a table, a PNG of every series against time, a JSON of
the samples, and a verdict on flatness over the last 2/3 of the run (RSS slope
under ``--rss-slope-max`` MiB/min after the ``--memory-warmup-min`` 40 minutes
in which a fresh service fills its bounded structures, so ``--minutes 60`` to
judge memory; fds not growing, no p99 trending up by more
than half its level, no errors, the offered load delivered). With
``--ingest-only``: the fleet alone, and the receipt->state p99 of the whole run
against the 50 ms target; ``--profile`` attaches py-spy (``pip install
py-spy``) to the service for the run and prints where its time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import csv
import gc
import json
import math
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

HOST = "127.0.0.1"  # loopback only: this tool must never load someone else's server
TZ = ZoneInfo("Asia/Shanghai")
PUSH_KEY = "demo-push-key"
APP_KEY = "soak-app-key"
MAX_MINUTES = 240
R2S_TARGET_MS = 50.0
TARGETS_P99_MS = {"signs": 20.0, "app": 30.0, "r2s": R2S_TARGET_MS}  # issue 3 and 5 targets


# ============================================================== shared helpers


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def emit(kind: str, **fields: object) -> None:
    print(json.dumps({"kind": kind, **fields}, separators=(",", ":")), flush=True)


def quantiles_ms(values: list[float]) -> dict[str, float | None]:
    """p50, p99, max of latencies given in seconds, in ms."""
    if not values:
        return {"p50": None, "p99": None, "max": None}
    ordered = sorted(values)
    n = len(ordered)

    def at(q: float) -> float:
        return round(ordered[min(n - 1, int(q * n))] * 1000, 2)

    return {"p50": at(0.5), "p99": at(0.99), "max": round(ordered[-1] * 1000, 2)}


@dataclass
class Window:
    """What one load did since the last sample."""

    latencies: list[float] = field(default_factory=list)  # seconds
    done: int = 0  # requests answered / reports acknowledged / updates received
    errors: int = 0
    counts: Counter[str] = field(default_factory=Counter)

    def take(self) -> dict[str, object]:
        out: dict[str, object] = {"done": self.done, "errors": self.errors,
                                  **quantiles_ms(self.latencies), "counts": dict(self.counts)}
        self.latencies, self.done, self.errors, self.counts = [], 0, 0, Counter()
        return out


class Worker:
    """A load process: ``ready``, then waits for ``go START_AT`` on stdin, then
    runs until START_AT + duration, emitting a ``sample`` at every mark."""

    def __init__(self, cfg: dict[str, Any]) -> None:
        self.cfg = cfg
        self.window = Window()
        self.totals: Counter[str] = Counter()
        self.state: dict[str, object] = {}  # gauges (e.g. clients connected)
        self.start_at = 0.0

    @property
    def end_at(self) -> float:
        return self.start_at + self.cfg["duration"]

    async def wait_go(self, **ready: object) -> None:
        emit("ready", worker=self.cfg["worker"], **ready)
        line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        self.start_at = float(line.split()[1])

    async def sample_marks(self) -> None:
        """A sample at every mark, with this process's own loop lag (a busy
        generator inflates the latencies it measures: this says by how much)."""
        from transit.api.loop_lag import LoopLagMonitor

        lag = LoopLagMonitor(interval_s=0.05, window_s=self.cfg["sample_s"])
        lag_task = asyncio.create_task(lag.run())
        mark = 1
        while True:
            at = self.start_at + mark * self.cfg["sample_s"]
            if at > self.end_at + 1e-6:
                break
            await asyncio.sleep(max(0.0, at - time.time()))
            taken = self.window.take()
            for key in ("done", "errors"):
                self.totals[key] += int(taken[key])  # type: ignore[call-overload]
            emit("sample", worker=self.cfg["worker"], mark=mark, **taken, **self.state,
                 gen_lag_p99=lag.read()["p99"])
            mark += 1
        lag_task.cancel()


def service_now(cfg: dict[str, Any]) -> float:
    """The service's clock (``transit demo`` runs a simulated clock at real speed)."""
    return time.time() + cfg["clock_offset"]


# ============================================================== fleet (JT/T 808)


@dataclass(frozen=True)
class Track:
    """One simulated bus's fixes (service-clock Unix times), ``shift`` s behind."""

    vehicle_id: str
    times: list[float]
    points: list[tuple[float, float, float, float]]  # lat, lon, speed m/s, bearing
    shift: float = 0.0

    def at(self, t: float) -> tuple[float, float, float, float]:
        """Linear between the fixes around ``t - shift`` (held at either end)."""
        t -= self.shift
        i = bisect.bisect_right(self.times, t)
        if i == 0:
            return self.points[0]
        if i == len(self.times):
            return self.points[-1]
        t0, t1 = self.times[i - 1], self.times[i]
        (a_lat, a_lon, speed, bearing), (b_lat, b_lon, _, _) = self.points[i - 1], self.points[i]
        f = (t - t0) / (t1 - t0) if t1 > t0 else 0.0
        return a_lat + (b_lat - a_lat) * f, a_lon + (b_lon - a_lon) * f, speed, bearing


def build_fleet(cfg: dict[str, Any]) -> tuple[list[Track], str]:
    """``terminals`` tracks over the run's window from the demo city's simulated
    service day: the buses out, then followers ``follow_s`` x lap behind them."""
    from feeds.democity import stop_demand
    from feeds.simulator import simulate_day
    from transit.gtfs.feed import load_feed, read_raw_tables

    data = Path(cfg["feed_zip"]).read_bytes()
    network = load_feed(data, "soak").network
    now = service_now(cfg)
    day: date = (datetime.fromtimestamp(now, TZ) - timedelta(hours=3)).date()
    simulated = simulate_day(network, day, seed=cfg["seed"] + day.toordinal(),
                             demand=stop_demand(read_raw_tables(data, "soak")))
    laps = max(1, math.ceil(cfg["terminals"] / 100))  # enough history for any follower
    begin = now - cfg["fix_span_s"] - laps * cfg["follow_s"] - 600
    end = now + cfg["duration"] + 600
    fixes: dict[str, dict[float, tuple[float, float, float, float]]] = {}
    for r in simulated.reports:
        if begin <= r.timestamp <= end:
            fixes.setdefault(r.vehicle_id, {})[r.timestamp] = (
                r.lat, r.lon, r.speed_mps or 0.0, r.bearing or 0.0)
    out = sorted(v for v, f in fixes.items() if min(f) <= now + 60 and max(f) >= now)
    bases = [Track(v, sorted(fixes[v]), [fixes[v][t] for t in sorted(fixes[v])]) for v in out]
    tracks = []
    for n in range(cfg["terminals"]):
        lap, i = divmod(n, len(bases))
        base = bases[i]
        tracks.append(Track(base.vehicle_id + (f"~{lap}" if lap else ""), base.times, base.points,
                            shift=lap * cfg["follow_s"]))
    return tracks, f"{day}, {len(bases)} buses out, {simulated.stats.vehicles} in the day"


async def run_terminal(w: Worker, n: int, track: Track, rate: float) -> None:
    from feeds.jt808.messages import (
        BatchKind,
        BatchLocation,
        Edition,
        Location,
        PlatformGeneralResponse,
    )
    from feeds.jt808.terminal import TerminalClient, log_in

    cfg = w.cfg
    edition = Edition.V2019 if n % 2 else Edition.V2013
    async with w.gate:  # type: ignore[attr-defined]
        client = await TerminalClient.connect(HOST, cfg["jt808_port"], f"139{n:08d}", edition)
        await log_in(client, track.vehicle_id, f"S{n:06d}", "SOAK")
    w.state["terminals"] = int(w.state.get("terminals", 0)) + 1  # type: ignore[call-overload]
    await w.logged_in.wait()  # type: ignore[attr-defined]
    pending: dict[int, tuple[float, int]] = {}  # flow -> (sent at, reports)
    sending = True
    window = w.window

    async def read_acks() -> None:
        while pending or sending:
            reply = (await client.receive()).body
            if isinstance(reply, PlatformGeneralResponse) and reply.reply_flow in pending:
                sent_at, count = pending.pop(reply.reply_flow)
                if reply.result == 0:
                    window.done += count
                    window.latencies.append(time.perf_counter() - sent_at)
                else:
                    window.errors += count
                    window.counts[f"result_{reply.result}"] += count

    interval = 1.0 / rate
    spacing = max(1.0, interval)  # fix times: whole seconds, one per report
    phase = (n * 0.618034 % 1.0) * interval  # terminals spread over one interval
    # Fresh fixes (rate <= 1/s): a fix's time is the instant it is sent, on the
    # service's clock. Faster: one second apart, ending at about now at the end.
    first_fix = w.start_at + phase + cfg["clock_offset"] - cfg["fix_span_s"]
    reading = asyncio.create_task(read_acks())
    k = 0  # reports so far
    message = 0
    try:
        while True:
            message += 1
            count = cfg["batch_size"] if cfg["batch_every"] and message % cfg["batch_every"] == 0 else 1
            due = w.start_at + phase + (k + count - 1) * interval  # when its last fix is taken
            if due >= w.end_at:
                break
            await asyncio.sleep(max(0.0, due - time.time()))
            items = []
            for j in range(k, k + count):
                at = round(first_fix + j * spacing)
                lat, lon, speed, bearing = track.at(at)
                items.append(Location.at(lat, lon, at, speed_mps=speed, direction=int(bearing) % 360))
            k += count
            body = items[0] if count == 1 else BatchLocation(BatchKind.NORMAL, tuple(items))
            flow = client.next_flow()
            pending[flow] = (time.perf_counter(), count)
            await client.send(body, flow=flow)
        sending = False
        if not pending:
            reading.cancel()
        try:
            await asyncio.wait_for(reading, timeout=15.0)
        except asyncio.CancelledError:
            pass
        except TimeoutError:
            unacked = sum(c for _, c in pending.values())
            window.errors += unacked
            window.counts["unacked_at_end"] += unacked
        # Connected until just after the end, so the last sample counts every fd.
        await asyncio.sleep(max(0.0, w.end_at + 1.0 - time.time()))
    except (OSError, EOFError) as exc:
        window.errors += 1
        window.counts[f"closed_{type(exc).__name__}"] += 1
        reading.cancel()
    finally:
        await client.close()


async def fleet_worker(cfg: dict[str, Any]) -> None:
    w = Worker(cfg)
    started = time.perf_counter()
    tracks, chosen = build_fleet(cfg)
    gc.collect()
    gc.freeze()
    gc.disable()  # the generator's collector pauses would count as ack latency
    w.gate = asyncio.Semaphore(100)  # type: ignore[attr-defined]
    w.logged_in = asyncio.Event()  # type: ignore[attr-defined]
    rate = cfg["reports_per_s"] / cfg["terminals"]
    tasks = [asyncio.create_task(run_terminal(w, n, t, rate)) for n, t in enumerate(tracks)]
    while int(w.state.get("terminals", 0)) < len(tracks):  # type: ignore[call-overload]
        failed = [t for t in tasks if t.done() and t.exception() is not None]
        if failed:
            raise RuntimeError(f"{len(failed)} terminals failed to log in: {failed[0].exception()!r}")
        await asyncio.sleep(0.2)
    await w.wait_go(chosen=chosen, terminals=len(tracks), setup_s=round(time.perf_counter() - started, 1))
    w.logged_in.set()  # type: ignore[attr-defined]
    marks = asyncio.create_task(w.sample_marks())
    results = await asyncio.gather(*tasks, return_exceptions=True)
    await marks
    failures = [r for r in results if isinstance(r, BaseException)]
    emit("done", worker="fleet", failures=len(failures),
         first_failure=repr(failures[0]) if failures else None)


# ============================================================== HTTP (signs, app, push)


class HttpConnection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection, one request in flight: status and ETag."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._waiter: asyncio.Future[tuple[int, str | None]] | None = None
        self.closed = False

    def connection_made(self, transport) -> None:  # type: ignore[no-untyped-def]
        self.transport = transport
        transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(buffer[:end]).decode("latin-1")
        status = int(head[9:12])
        headers = {}
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        body_at = end + 4
        if "content-length" in headers:
            stop = body_at + int(headers["content-length"])
            if len(buffer) < stop:
                return
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            stop = body_at
            while True:
                line_end = buffer.find(b"\r\n", stop)
                if line_end < 0:
                    return
                size = int(bytes(buffer[stop:line_end]).split(b";")[0], 16)
                stop = line_end + 2 + size + 2
                if len(buffer) < stop:
                    return
                if size == 0:
                    break
        else:  # 304, 204: no body
            stop = body_at
        del buffer[:stop]
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result((status, headers.get("etag")))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(ConnectionError("connection lost"))

    async def request(self, raw: bytes) -> tuple[int, str | None]:
        self._waiter = asyncio.get_running_loop().create_future()
        assert self.transport is not None
        self.transport.write(raw)
        return await self._waiter


def raw_request(path: str, headers: dict[str, str], method: str = "GET", body: bytes = b"") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in headers.items())
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return (head + "\r\n").encode() + body


def http_json(port: int, path: str, headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(f"http://{HOST}:{port}{path}", headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


class SignRequests:
    """Random sign, random format; ``If-None-Match`` with the path's last ETag."""

    def __init__(self, cfg: dict[str, Any], rng: random.Random) -> None:
        with open(cfg["signs_csv"], encoding="utf-8") as f:
            self.signs = list(csv.DictReader(f))
        self.rng = rng
        self.etags: dict[str, str] = {}

    def next(self) -> tuple[str, bytes]:
        sign = self.rng.choice(self.signs)
        formats = ["json", "voice"] + (["led"] if int(sign["led_columns"] or 0) > 0 else [])
        path = f"/signs/{sign['sign_id']}/arrivals?format={self.rng.choice(formats)}"
        headers = {"X-Sign-Token": sign["token"], "X-Sign-Version": "soak 1.0"}
        if path in self.etags:
            headers["If-None-Match"] = self.etags[path]
        return path, raw_request(path, headers)

    def answered(self, path: str, status: int, etag: str | None) -> bool:
        if etag:
            self.etags[path] = etag
        return status in (200, 304)


class AppRequests:
    """The app's calls in a plausible mix; vehicle ids from the fleet's plates."""

    def __init__(self, cfg: dict[str, Any], rng: random.Random) -> None:
        self.stops = http_json(cfg["http_port"], "/api/stops")["stops"]
        self.lines = [line["route_id"] for line in http_json(cfg["http_port"], "/api/lines")["lines"]]
        self.vehicles: list[str] = cfg.get("vehicle_ids") or []
        self.rng = rng
        self.headers = {"X-Api-Key": APP_KEY}

    def next(self) -> tuple[str, bytes]:
        rng, pick = self.rng, self.rng.random()
        if pick < 0.70:
            path = f"/app/v1/stops/{rng.choice(self.stops)['stop_id']}/arrivals"
        elif pick < 0.80:
            stop = rng.choice(self.stops)
            path = (f"/app/v1/stops/nearby?lat={stop['lat'] + rng.uniform(-0.003, 0.003):.6f}"
                    f"&lon={stop['lon'] + rng.uniform(-0.003, 0.003):.6f}&radius=500")
        elif pick < 0.90:
            path = f"/app/v1/lines/{rng.choice(self.lines)}/vehicles"
        elif pick < 0.95 or not self.vehicles:
            path = f"/app/v1/lines/{rng.choice(self.lines)}"
        else:
            path = f"/app/v1/vehicles/{rng.choice(self.vehicles)}/next-stops"
        return path, raw_request(path, self.headers)

    def answered(self, path: str, status: int, etag: str | None) -> bool:
        # A bus not live (no trip yet) is a 404 the app handles: an answer, not an error.
        return status == 200 or (status == 404 and "/vehicles/" in path and "next-stops" in path)


class PushRequests:
    """One report per request from ``push_vehicles`` HTTP-only vehicles, fresh fixes."""

    def __init__(self, cfg: dict[str, Any], rng: random.Random) -> None:
        self.cfg = cfg
        self.stops = http_json(cfg["http_port"], "/api/stops")["stops"]
        self.rng = rng
        self.last: dict[str, int] = {}

    def next(self) -> tuple[str, bytes]:
        vehicle = f"PUSH{self.rng.randrange(self.cfg['push_vehicles']):03d}"
        at = max(int(service_now(self.cfg)), self.last.get(vehicle, 0) + 1)
        self.last[vehicle] = at
        stop = self.stops[hash(vehicle) % len(self.stops)]
        body = json.dumps([{"vehicle_id": vehicle, "timestamp": at, "lat": stop["lat"],
                            "lon": stop["lon"], "speed_mps": 0.0}]).encode()
        return "/api/push/reports", raw_request("/api/push/reports", {"X-Push-Key": PUSH_KEY},
                                                "POST", body)

    def answered(self, path: str, status: int, etag: str | None) -> bool:
        return status == 200


async def http_worker(cfg: dict[str, Any]) -> None:
    """Open loop at ``rate`` over ``connections``; latency from the scheduled
    instant, so a server that falls behind cannot hide its queue."""
    w = Worker(cfg)
    rng = random.Random(cfg["worker"])
    kind = {"signs": SignRequests, "app": AppRequests, "push": PushRequests}[cfg["worker"]]
    requests: Any = kind(cfg, rng)
    loop = asyncio.get_running_loop()
    port, connections, rate = cfg["http_port"], cfg["connections"], cfg["rate"]

    async def connect() -> HttpConnection:
        return (await loop.create_connection(HttpConnection, HOST, port))[1]

    conns = [await connect() for _ in range(connections)]
    gc.collect()
    gc.freeze()
    gc.disable()
    await w.wait_go()
    window = w.window
    interval = connections / rate

    async def client(k: int) -> None:
        conn = conns[k]
        due = w.start_at + interval * k / connections
        while due < w.end_at:
            if due > time.time():
                await asyncio.sleep(due - time.time())
            path, raw = requests.next()
            try:
                status, etag = await asyncio.wait_for(conn.request(raw), timeout=30.0)
            except (ConnectionError, TimeoutError, OSError) as exc:
                window.errors += 1
                window.counts[type(exc).__name__] += 1
                if conn.transport is not None:
                    conn.transport.close()
                try:
                    conn = await connect()
                except OSError:
                    await asyncio.sleep(1.0)
                due += interval
                continue
            window.latencies.append(time.time() - due)
            window.counts[str(status)] += 1
            if requests.answered(path, status, etag):
                window.done += 1
            else:
                window.errors += 1
            due += interval
        await asyncio.sleep(max(0.0, w.end_at + 1.0 - time.time()))  # connected until the end
        if conn.transport is not None:
            conn.transport.close()

    marks = asyncio.create_task(w.sample_marks())
    await asyncio.gather(*(client(k) for k in range(connections)))
    await marks
    emit("done", worker=cfg["worker"])


# ============================================================== WebSocket clients


async def ws_worker(cfg: dict[str, Any]) -> None:
    import orjson
    from websockets.asyncio.client import connect

    w = Worker(cfg)
    rng = random.Random(5)
    stops = [s["stop_id"] for s in http_json(cfg["http_port"], "/api/stops")["stops"]]
    lines = [line["route_id"] for line in http_json(cfg["http_port"], "/api/lines")["lines"]]
    url = f"ws://{HOST}:{cfg['http_port']}/live"
    gate = asyncio.Semaphore(100)
    connected = asyncio.Event()
    w.state["ws_clients"] = 0
    window = w.window

    async def one(n: int) -> None:
        seq = 0
        subscription = {"stops": rng.sample(stops, cfg["ws_stops"])}
        if n % 10 == 0:
            subscription["lines"] = [rng.choice(lines)]
        while time.time() < (w.end_at if w.start_at else math.inf):
            async with gate:
                try:
                    ws = await connect(url, open_timeout=30, ping_interval=None, max_size=2**22)
                except (OSError, TimeoutError) as exc:
                    window.errors += 1
                    window.counts[f"connect_{type(exc).__name__}"] += 1
                    await asyncio.sleep(1.0)
                    continue
            w.state["ws_clients"] = int(w.state["ws_clients"]) + 1  # type: ignore[call-overload]
            if w.state["ws_clients"] == cfg["ws_clients"]:
                connected.set()
            try:
                await ws.recv()  # hello
                await ws.send(json.dumps({"subscribe": subscription}))
                seq = 0
                end = w.end_at if w.start_at else math.inf
                async for raw in ws:
                    received = service_now(cfg)
                    message = orjson.loads(raw)
                    if message["type"] == "error":
                        window.errors += 1
                        window.counts["error_" + str(message.get("code"))] += 1
                    if message["type"] != "update":
                        continue
                    if message["seq"] != seq + 1:
                        window.counts["gaps"] += 1
                    seq = message["seq"]
                    if w.start_at and message["reason"] == "change":
                        window.done += 1
                        window.latencies.append(received - message["at"])
                    if time.time() >= end:
                        break
                else:
                    window.errors += 1  # the server closed it
                    window.counts[f"closed_{ws.close_code}"] += 1
            except Exception as exc:  # noqa: BLE001 - a dropped client is a figure here
                window.errors += 1
                window.counts[f"ended_{type(exc).__name__}"] += 1
            finally:
                w.state["ws_clients"] = int(w.state["ws_clients"]) - 1  # type: ignore[call-overload]
                await ws.close()

    tasks = [asyncio.create_task(one(n)) for n in range(cfg["ws_clients"])]
    try:
        await asyncio.wait_for(connected.wait(), timeout=300)
    except TimeoutError:
        pass  # go with those connected; the samples show how many
    gc.collect()
    gc.freeze()
    gc.disable()
    await w.wait_go(clients=cfg["ws_clients"])
    marks = asyncio.create_task(w.sample_marks())
    await marks
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    emit("done", worker="ws")


def run_worker(cfg: dict[str, Any]) -> None:
    raise_fd_limit()
    kind = cfg["worker"]
    work = {"fleet": fleet_worker, "ws": ws_worker}.get(kind, http_worker)
    asyncio.run(work(cfg))


# ============================================================== the service


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def get_metrics(port: int) -> dict[str, Any]:
    return http_json(port, "/metrics")  # type: ignore[no-any-return]


def start_service(args: argparse.Namespace, data_dir: Path, out_dir: Path) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    ports = {"http_port": free_port(), "jt808_port": free_port()}
    env = {**os.environ, "TRANSIT_DATA_DIR": str(data_dir), "TRANSIT_SIMULATE": "false",
           "TRANSIT_HTTP_HOST": HOST, "TRANSIT_HTTP_PORT": str(ports["http_port"]),
           "TRANSIT_JT808_HOST": HOST, "TRANSIT_JT808_PORT": str(ports["jt808_port"]),
           "TRANSIT_LOG_LEVEL": "WARNING", "TRANSIT_SEED": str(args.seed),
           "TRANSIT_APP_API_KEYS": f"soak:{APP_KEY}:1000000:1000000",
           "TRANSIT_PUSH_KEYS": f"soak:{PUSH_KEY}:1000000:1000000"}
    for name in ("DATABASE_URL", "TRANSIT_GTFSRT_POLL_URLS", "TRANSIT_SIGNS_REGISTRY",
                 "TRANSIT_JT808_BINDINGS", "TRANSIT_SPEED"):
        env.pop(name, None)
    command = [str(ROOT / ".venv" / "bin" / "transit"), "demo", "--start", args.start]
    cwd = ROOT
    if args.service_root is not None:  # another checkout of the service, this venv
        cwd = args.service_root.resolve()
        command = [sys.executable, "-m", "transit.cli", "demo", "--start", args.start]
        env["PYTHONPATH"] = str(cwd)
    if args.day:
        command += ["--day", args.day]
    log = (out_dir / "service.log").open("wb")
    # Its own session, as a deployed service: with the kernel's autogroup
    # scheduling (on here) the service then shares the CPU with the machine's
    # other sessions as one of them, rather than with this script's load generators.
    service = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    deadline = time.monotonic() + 300
    while True:
        if service.poll() is not None:
            raise RuntimeError(f"the service exited with status {service.returncode}; see {log.name}")
        try:
            http_json(ports["http_port"], "/health")
            break
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError("the service did not answer /health within 300 s") from None
            time.sleep(0.5)
    return service, ports


def stop_service(service: subprocess.Popen[bytes]) -> None:
    """SIGINT, as Ctrl-C: the service closes in order, its PostgreSQL included."""
    if service.poll() is None:
        service.send_signal(signal.SIGINT)
        try:
            service.wait(timeout=60)
        except subprocess.TimeoutExpired:
            service.kill()
            service.wait()


def postgres_pss_mib(data_dir: Path) -> float | None:
    """The embedded server (its command line names the data folder) and its
    backends, proportional set size summed: shared buffers count once, not
    once per backend that touched them (RSS would grow with every page read)."""
    import psutil

    for p in psutil.process_iter(["name", "cmdline"]):
        try:
            if (p.info["name"] or "").startswith("postgres") and \
                    str(data_dir) in " ".join(p.info["cmdline"] or ()):
                family = [p, *p.children(recursive=True)]
                return round(sum(q.memory_full_info().pss for q in family) / 2**20, 1)
        except psutil.Error:
            continue
    return None


# ============================================================== coordinator


@dataclass
class Proc:
    name: str
    process: asyncio.subprocess.Process
    lines: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    ready: dict[str, Any] | None = None
    done: dict[str, Any] | None = None


async def spawn_worker(name: str, cfg: dict[str, Any], out_dir: Path) -> Proc:
    process = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--worker", json.dumps({**cfg, "worker": name}),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=(out_dir / f"worker-{name}.log").open("wb"), cwd=ROOT, limit=2**24)
    proc = Proc(name, process)

    async def pump() -> None:
        assert process.stdout is not None
        async for raw in process.stdout:
            try:
                message = json.loads(raw)
            except ValueError:
                continue
            if message["kind"] == "ready":
                proc.ready = message
            elif message["kind"] == "done":
                proc.done = message
            await proc.lines.put(message)

    proc.pump = asyncio.create_task(pump())  # type: ignore[attr-defined]
    return proc


async def wait_ready(procs: list[Proc], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for proc in procs:
        while proc.ready is None:
            if proc.process.returncode is not None:
                raise RuntimeError(f"worker {proc.name} exited ({proc.process.returncode}) before ready")
            if time.monotonic() > deadline:
                raise RuntimeError(f"worker {proc.name} not ready within {timeout:.0f} s")
            await asyncio.sleep(0.2)


async def next_sample(proc: Proc, mark: int, timeout: float) -> dict[str, Any] | None:
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        try:
            message = await asyncio.wait_for(proc.lines.get(), remaining)
        except TimeoutError:
            return None
        if message["kind"] == "sample" and message["mark"] >= mark:
            return message


def sample_service(pid: int, data_dir: Path, cpu_before: float, wall: float) -> dict[str, Any]:
    import psutil

    process = psutil.Process(pid)
    cpu = sum(process.cpu_times()[:2])
    return {
        "rss_mib": round(process.memory_info().rss / 2**20, 1),
        "fds": len(os.listdir(f"/proc/{pid}/fd")),
        "cpu_s": cpu,
        "cpu_pct": round(100 * (cpu - cpu_before) / wall, 1) if wall > 0 else None,
        "pg_pss_mib": postgres_pss_mib(data_dir),
        "load1": round(os.getloadavg()[0], 2),
    }


def load_of(uptime: str) -> str:
    """The 1-minute load average of an ``uptime`` line."""
    return uptime.rpartition("load average:")[2].split(",")[0].strip() or "?"


def uptime_line() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, timeout=5,
                              check=False).stdout.strip()
    except OSError:
        return "load average: " + " ".join(f"{x:.2f}" for x in os.getloadavg())


async def coordinate(args: argparse.Namespace, data_dir: Path, out_dir: Path) -> dict[str, Any]:
    import psutil

    started = time.perf_counter()
    service, ports = start_service(args, data_dir, out_dir)
    profiler: subprocess.Popen[bytes] | None = None
    procs: list[Proc] = []
    try:
        metrics = get_metrics(ports["http_port"])
        offset = metrics["at"] - time.time()
        duration = args.minutes * 60.0
        rate_per_terminal = args.reports_per_s / args.terminals
        base = {
            **ports, "clock_offset": offset, "duration": duration, "sample_s": args.sample_s,
            "seed": args.seed, "feed_zip": str(data_dir / f"demo-city-seed{args.seed}.zip"),
            "signs_csv": str(data_dir / "signs.csv"),
        }
        loads: dict[str, dict[str, Any]] = {}
        if args.reports_per_s > 0:
            loads["fleet"] = {
                "terminals": args.terminals, "reports_per_s": args.reports_per_s,
                "batch_every": args.batch_every, "batch_size": args.batch_size,
                "follow_s": args.follow_s,
                "fix_span_s": max(0.0, duration * (rate_per_terminal - 1.0)),
            }
        if args.sign_rps > 0:
            loads["signs"] = {"rate": args.sign_rps, "connections": args.sign_connections}
        if args.app_rps > 0:
            loads["app"] = {"rate": args.app_rps, "connections": args.app_connections,
                            "vehicle_ids": [f"TC{n:04d}" for n in range(1, 249)]}
        if args.push_rps > 0:
            loads["push"] = {"rate": args.push_rps, "connections": 4, "push_vehicles": 50}
        if args.ws_clients > 0:
            loads["ws"] = {"ws_clients": args.ws_clients, "ws_stops": args.ws_stops}
        print(f"service up: demo city seed {args.seed}, clock {datetime.fromtimestamp(metrics['at'], TZ):%Y-%m-%d %H:%M:%S} "
              f"Tongchuan, http {ports['http_port']}, jt808 {ports['jt808_port']} "
              f"({time.perf_counter() - started:.0f} s); data {data_dir}", flush=True)
        describe_load(args)
        procs = [await spawn_worker(name, {**base, **cfg}, out_dir) for name, cfg in loads.items()]
        await wait_ready(procs, timeout=600)
        for proc in procs:
            extra = {k: v for k, v in proc.ready.items() if k not in ("kind", "worker")}  # type: ignore[union-attr]
            if extra:
                print(f"  {proc.name}: {extra}", flush=True)
        before = uptime_line()
        print(f"before: {before}", flush=True)
        start_at = time.time() + 2.0
        for proc in procs:
            assert proc.process.stdin is not None
            proc.process.stdin.write(f"go {start_at}\n".encode())
            await proc.process.stdin.drain()
        if args.profile is not None:
            profiler = start_profiler(service.pid, duration, args.profile, out_dir)
        await asyncio.sleep(max(0.0, start_at - time.time()))
        at_start = get_metrics(ports["http_port"])
        samples: list[dict[str, Any]] = []
        header_printed = False
        cpu_before, wall_before = sample_service(service.pid, data_dir, 0.0, 0.0)["cpu_s"], time.time()
        workers_cpu = {p.name: psutil.Process(p.process.pid) for p in procs}
        workers_before = {n: sum(w.cpu_times()[:2]) for n, w in workers_cpu.items()}
        marks = round(duration / args.sample_s)
        for mark in range(1, marks + 1):
            at = start_at + mark * args.sample_s
            # Just before the mark: at the last one the terminals start closing.
            await asyncio.sleep(max(0.0, at - 0.5 - time.time()))
            if service.poll() is not None:
                raise RuntimeError(f"the service died (status {service.returncode}); see service.log")
            try:
                m = await asyncio.to_thread(get_metrics, ports["http_port"])
            except OSError as exc:
                m = {"error": repr(exc)}
            now = time.time()
            s = {"minute": round(mark * args.sample_s / 60, 2), **sample_service(
                service.pid, data_dir, cpu_before, now - wall_before)}
            gen_cpu = {}
            for name, w in workers_cpu.items():
                try:
                    used = sum(w.cpu_times()[:2])
                except psutil.Error:
                    continue
                gen_cpu[name] = round(100 * (used - workers_before[name]) / (now - wall_before), 1)
                workers_before[name] = used
            s["gen_cpu_pct"] = gen_cpu
            cpu_before, wall_before = s["cpu_s"], now
            s.update(from_metrics(m))
            for proc in procs:
                got = await next_sample(proc, mark, timeout=20.0)
                s[proc.name] = None if got is None else {
                    k: v for k, v in got.items() if k not in ("kind", "worker", "mark")}
            samples.append(s)
            if not header_printed:
                print(table_header(), flush=True)
                header_printed = True
            print(table_row(s, args.sample_s), flush=True)
        after = uptime_line()
        print(f"after:  {after}", flush=True)
        for proc in procs:
            try:
                await asyncio.wait_for(proc.process.wait(), timeout=60)
            except TimeoutError:
                proc.process.kill()
        at_end = get_metrics(ports["http_port"])
        if profiler is not None:
            try:
                profiler.wait(timeout=60)
            except subprocess.TimeoutExpired:
                profiler.send_signal(signal.SIGINT)
                profiler.wait(timeout=30)
        return {"args": vars(args) | {"profile": str(args.profile) if args.profile else None},
                "samples": samples, "at_start": at_start, "at_end": at_end,
                "uptime_before": before, "uptime_after": after,
                "started_utc": datetime.fromtimestamp(start_at, ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M"),
                "load_before": load_of(before), "load_after": load_of(after),
                "workers_done": {p.name: p.done for p in procs}}
    finally:
        for proc in procs:
            if proc.process.returncode is None:
                proc.process.kill()
        stop_service(service)


def start_profiler(pid: int, duration: float, path: Path, out_dir: Path) -> subprocess.Popen[bytes]:
    """py-spy attached to the service for ``duration`` s, raw stacks to ``path``."""
    return subprocess.Popen(
        [py_spy(), "record", "--pid", str(pid), "--format", "raw", "--nonblocking",
         "--rate", "100", "--duration", str(int(duration)), "-o", str(path)],
        stdout=subprocess.DEVNULL, stderr=(out_dir / "py-spy.log").open("wb"))


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(found).exists():
        raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy")
    return found


def from_metrics(m: dict[str, Any]) -> dict[str, Any]:
    if "error" in m:
        return {"metrics_error": m["error"]}
    latency = m.get("latency_receipt_to_state_ms") or {}
    recent = latency.get("recent") or {}
    lag = m.get("loop_lag_ms") or {}
    jt808 = m.get("jt808") or {}
    return {
        "r2s_p50": recent.get("p50"), "r2s_p99": recent.get("p99"), "r2s_count": recent.get("count"),
        "r2s_window_s": recent.get("window_s"),
        "lag_p50": lag.get("p50"), "lag_p99": lag.get("p99"), "lag_max": lag.get("max"),
        "vehicles_live": m.get("vehicles_live"),
        "reports_stored": (m.get("ingest") or {}).get("reports_stored"),
        "jt808_open": jt808.get("connections_open"), "jt808_throttled": jt808.get("throttled"),
        "jt808_sink_failures": jt808.get("sink_failures"),
    }


def describe_load(args: argparse.Namespace) -> None:
    parts = []
    if args.reports_per_s > 0:
        r = args.reports_per_s / args.terminals
        fresh = "fresh fixes" if r <= 1 else f"fixes from {args.minutes * (r - 1):.0f} min ago to now"
        parts.append(f"fleet {args.terminals} JT/T 808 terminals, {args.reports_per_s:,.0f} reports/s "
                     f"({fresh}; every {args.batch_every}th message a 0x0704 of {args.batch_size})")
    if args.sign_rps > 0:
        parts.append(f"signs {args.sign_rps:,.0f} req/s on {args.sign_connections} connections")
    if args.app_rps > 0:
        parts.append(f"app {args.app_rps:,.0f} req/s on {args.app_connections} connections")
    if args.push_rps > 0:
        parts.append(f"push {args.push_rps:,.0f} req/s")
    if args.ws_clients > 0:
        parts.append(f"{args.ws_clients:,} WebSocket clients x {args.ws_stops} stops")
    print(f"load for {args.minutes:g} min: " + "; ".join(parts), flush=True)


# ---------------------------------------------------------------- table


COLUMNS = [
    ("min", 5), ("load1", 5), ("cpu%", 5), ("RSS", 7), ("fds", 5), ("lag99", 6), ("lagmx", 6),
    ("r2s99", 6), ("rep/s", 6), ("ack99", 7), ("sgn/s", 6), ("sgn99", 6), ("app/s", 6),
    ("app99", 6), ("ws", 5), ("ws99", 6), ("err", 5), ("gen", 5), ("gcpu%", 5),
]


def table_header() -> str:
    legend = ("cpu%: service process; RSS MiB; lag: service event-loop lag p99 / max (ms); "
              "r2s99: receipt->state p99 (ms); ack99, sgn99, app99: p99 (ms); ws99: WebSocket "
              "delivery p99 (ms); err: errors of all loads; gen: worst generator loop-lag p99 (ms); gcpu%: load generators' CPU")
    return legend + "\n" + " ".join(f"{name:>{width}}" for name, width in COLUMNS)


def fmt(value: object, width: int, digits: int = 1) -> str:
    if value is None:
        return f"{'-':>{width}}"
    if isinstance(value, float):
        return f"{value:>{width}.{digits}f}"
    return f"{value!s:>{width}}"


def load_value(s: dict[str, Any], name: str, key: str) -> Any:
    part = s.get(name)
    return None if part is None else part.get(key)


def per_s(s: dict[str, Any], name: str, sample_s: float) -> float | None:
    done = load_value(s, name, "done")
    return None if done is None else done / sample_s


def errors_of(s: dict[str, Any]) -> int:
    return sum(int(load_value(s, n, "errors") or 0) for n in ("fleet", "signs", "app", "push", "ws"))


def gen_lag(s: dict[str, Any]) -> float | None:
    lags = [load_value(s, n, "gen_lag_p99") for n in ("fleet", "signs", "app", "push", "ws")]
    lags = [x for x in lags if x is not None]
    return max(lags) if lags else None


def table_row(s: dict[str, Any], sample_s: float) -> str:
    values = [
        fmt(s["minute"], 5, 0), fmt(s["load1"], 5), fmt(s["cpu_pct"], 5, 0), fmt(s["rss_mib"], 7),
        fmt(s["fds"], 5), fmt(s.get("lag_p99"), 6), fmt(s.get("lag_max"), 6), fmt(s.get("r2s_p99"), 6),
        fmt(per_s(s, "fleet", sample_s), 6, 0), fmt(load_value(s, "fleet", "p99"), 7),
        fmt(per_s(s, "signs", sample_s), 6, 0), fmt(load_value(s, "signs", "p99"), 6),
        fmt(per_s(s, "app", sample_s), 6, 0), fmt(load_value(s, "app", "p99"), 6),
        fmt(load_value(s, "ws", "ws_clients"), 5), fmt(load_value(s, "ws", "p99"), 6, 0),
        fmt(errors_of(s), 5), fmt(gen_lag(s), 5, 0),
        fmt(sum((s.get("gen_cpu_pct") or {}).values()) or None, 5, 0),
    ]
    return " ".join(values)


# ---------------------------------------------------------------- verdict


def least_squares_slope(x: list[float], y: list[float]) -> float:
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxx = sum((a - mx) ** 2 for a in x)
    return sum((a - mx) * (b - my) for a, b in zip(x, y)) / sxx if sxx else 0.0


def theil_sen_slope(x: list[float], y: list[float]) -> float:
    slopes = sorted((y[j] - y[i]) / (x[j] - x[i])
                    for i in range(len(x)) for j in range(i + 1, len(x)) if x[j] != x[i])
    return slopes[len(slopes) // 2] if slopes else 0.0


SERIES = {  # name -> (label, getter), latencies in ms
    "rss": ("service RSS (MiB)", lambda s: s["rss_mib"]),
    "fds": ("open fds", lambda s: s["fds"]),
    "lag_p99": ("event-loop lag p99 (ms)", lambda s: s.get("lag_p99")),
    "r2s_p99": ("receipt->state p99 (ms)", lambda s: s.get("r2s_p99")),
    "ack_p99": ("JT/T 808 ack p99 (ms)", lambda s: load_value(s, "fleet", "p99")),
    "sign_p99": ("sign poll p99 (ms)", lambda s: load_value(s, "signs", "p99")),
    "app_p99": ("app request p99 (ms)", lambda s: load_value(s, "app", "p99")),
    "ws_p99": ("WebSocket delivery p99 (ms)", lambda s: load_value(s, "ws", "p99")),
}


# What fills while a soak that starts empty warms up, then stays (docs/soak.md,
# "Memory investigation"): the tracker keeps each trip's fixes back to the
# oldest a late report can reach (30 min late, 2 min ahead, dropped 300 at a
# time: ~37 min at one fix a second), the self-checking predictor its samples
# for the 30-min horizon. At the soak load they grow the service ~0.6 MiB/min
# until then: a slope over those minutes measures the warm-up, not a leak.
MEMORY_WARMUP_MIN = 40.0


def judge_rss(samples: list[dict[str, Any]], args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """(lines, failures) of the RSS verdict: its slope after the memory warm-up
    (and the first third). A run too short for that shows the slope, not judged."""
    start = max(args.minutes / 3, args.memory_warmup_min)
    tail = [s for s in samples if s["minute"] > start + 1e-9]
    judged = len(tail) >= 3
    if not judged:
        tail = [s for s in samples if s["minute"] > args.minutes / 3 + 1e-9]
    x, rss = [s["minute"] for s in tail], [s["rss_mib"] for s in tail]
    slope = least_squares_slope(x, rss)
    step = max((b - a, t) for a, b, t in zip(rss, rss[1:], x[1:]))
    line = (f"RSS over minutes {x[0]:g}-{x[-1]:g}: {rss[0]:.1f} -> {rss[-1]:.1f} MiB, slope {slope:+.2f} "
            f"MiB/min (limit {args.rss_slope_max:g}; largest one-sample step {step[0]:+.1f} MiB at "
            f"minute {step[1]:g}): ")
    if not judged:
        return [line + f"NOT JUDGED, inside the {args.memory_warmup_min:g}-min memory warm-up "
                f"(--minutes {start + 20:g} judges minutes {start:g}-{start + 20:g})"], []
    ok = slope <= args.rss_slope_max
    return [line + ("flat" if ok else "GROWING")], [] if ok else [f"RSS slope {slope:+.2f} MiB/min"]


def judge(result: dict[str, Any], args: argparse.Namespace) -> tuple[bool, list[str]]:
    """Flat over the last 2/3 of the run (RSS: after the memory warm-up), no
    errors, the load delivered."""
    samples = result["samples"]
    tail = [s for s in samples if s["minute"] > args.minutes / 3 + 1e-9]
    if len(tail) < 3:
        return False, [f"too few samples after minute {args.minutes / 3:.1f} to judge flatness ({len(tail)})"]
    x = [s["minute"] for s in tail]
    span = x[-1] - x[0]
    lines, failures = judge_rss(samples, args)
    fds = [s["fds"] for s in tail]
    fd_slope = least_squares_slope(x, fds)
    ok = fd_slope * span <= max(5.0, 0.02 * (sum(fds) / len(fds)))
    lines.append(f"open fds: {min(fds)}-{max(fds)}, slope {fd_slope:+.2f}/min: {'flat' if ok else 'GROWING'}")
    if not ok:
        failures.append(f"fds slope {fd_slope:+.2f}/min")
    for name in ("lag_p99", "r2s_p99", "ack_p99", "sign_p99", "app_p99", "ws_p99"):
        label, get = SERIES[name]
        pairs = [(s["minute"], get(s)) for s in tail if get(s) is not None]
        if len(pairs) < 3:
            continue
        xs, ys = [p[0] for p in pairs], [float(p[1]) for p in pairs]
        slope = theil_sen_slope(xs, ys)
        level = sorted(ys)[len(ys) // 2]
        rise = slope * (xs[-1] - xs[0])
        ok = rise <= 0.5 * level + 2.0  # ms: a p99 may wobble; a trend is a rise of half its level
        lines.append(f"{label}: median {level:.1f}, range {min(ys):.1f}-{max(ys):.1f}, "
                     f"trend {slope:+.2f}/min ({rise:+.1f} over the window): "
                     f"{'no trend' if ok else 'TRENDING UP'}")
        if not ok:
            failures.append(f"{label} trending up ({rise:+.1f} ms)")
    errors = sum(errors_of(s) for s in samples)
    counts: Counter[str] = Counter()
    for s in samples:
        for n in ("fleet", "signs", "app", "push", "ws"):
            counts.update({f"{n}:{k}": v for k, v in (load_value(s, n, "counts") or {}).items()
                           if not k.isdigit() or k not in ("200", "304")})
    lines.append(f"errors: {errors}" + (f" ({dict(counts)})" if errors else ""))
    if errors:
        failures.append(f"{errors} errors")
    offered = {"fleet": args.reports_per_s, "signs": args.sign_rps, "app": args.app_rps,
               "push": args.push_rps}
    for name, rate in offered.items():
        if rate <= 0:
            continue
        done = [per_s(s, name, args.sample_s) or 0.0 for s in samples]
        got = sum(done) / len(done)
        ok = got >= 0.95 * rate
        lines.append(f"{name}: {got:,.0f}/s answered of {rate:,.0f}/s offered"
                     f"{'' if ok else ': LOAD NOT DELIVERED'}")
        if not ok:
            failures.append(f"{name} delivered {got:,.0f}/s of {rate:,.0f}/s")
    if args.ws_clients:
        low = min((load_value(s, "ws", "ws_clients") or 0) for s in samples)
        lines.append(f"WebSocket clients connected: at least {low} of {args.ws_clients} at every sample")
        if low < args.ws_clients:
            failures.append(f"WebSocket clients down to {low}")
    unjudged = " (RSS not judged: the run is shorter than the memory warm-up)" \
        if "NOT JUDGED" in lines[0] else ""
    return not failures, lines + [("SOAK PASS: flat, no errors, load delivered" + unjudged if not failures
                                   else "SOAK FAIL: " + "; ".join(failures))]


def whole_run_r2s(result: dict[str, Any]) -> str:
    """Receipt->state over the run: the cumulative histogram at the end (no
    report arrives before the load starts)."""
    end = result["at_end"]["latency_receipt_to_state_ms"]
    p99 = end["p99"]
    verdict = "-" if p99 is None else ("met" if p99 < R2S_TARGET_MS else "MISSED")
    return (f"receipt->state over the run: {end['count']:,} reports, p50 {end['p50']} ms, "
            f"p99 {p99} ms (target < {R2S_TARGET_MS:g} ms: {verdict})")


# ---------------------------------------------------------------- plot


def plot(result: dict[str, Any], args: argparse.Namespace, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    samples = result["samples"]
    x = [s["minute"] for s in samples]
    fig, axes = plt.subplots(3, 2, figsize=(10, 8.5), sharex=True)

    def series(get):  # type: ignore[no-untyped-def]
        return [get(s) if get(s) is not None else float("nan") for s in samples]

    ax = axes[0][0]
    ax.plot(x, series(lambda s: s["rss_mib"]), "o-", ms=3, label="service")
    pg = series(lambda s: s.get("pg_pss_mib"))
    if any(not math.isnan(v) for v in pg):
        ax.plot(x, pg, "s--", ms=3, label="embedded PostgreSQL (PSS, all processes)")
    ax.set_title("memory (MiB)")
    ax.legend(fontsize=8)
    ax = axes[0][1]
    fds = series(lambda s: s["fds"])
    ax.plot(x, fds, "o-", ms=3)
    ax.set_ylim(min(fds) - max(10.0, 0.02 * min(fds)), max(fds) + max(10.0, 0.02 * max(fds)))
    ax.set_title("service open fds")
    ax = axes[1][0]
    ax.plot(x, series(lambda s: s.get("lag_p99")), "o-", ms=3, label="p99")
    ax.plot(x, series(lambda s: s.get("lag_max")), "^:", ms=3, label="max")
    ax.plot(x, series(gen_lag), "x--", ms=3, label="load generators p99")
    ax.set_title("event-loop lag (ms)")
    ax.set_yscale("log")
    ax.legend(fontsize=8)
    ax = axes[1][1]
    for name in ("r2s_p99", "ack_p99", "sign_p99", "app_p99", "ws_p99"):
        label, get = SERIES[name]
        ys = series(get)
        if any(not math.isnan(v) for v in ys):
            ax.plot(x, ys, "o-", ms=3, label=label.replace(" p99 (ms)", ""))
    ax.set_yscale("log")
    ax.set_title("p99 latency (ms)")
    ax.legend(fontsize=7)
    ax = axes[2][0]
    for name, label in (("fleet", "reports/s"), ("signs", "sign polls/s"), ("app", "app req/s"),
                        ("push", "push req/s")):
        ys = series(lambda s, n=name: per_s(s, n, args.sample_s))
        if any(not math.isnan(v) for v in ys):
            ax.plot(x, ys, "o-", ms=3, label=label)
    ws = series(lambda s: load_value(s, "ws", "ws_clients"))
    if any(not math.isnan(v) for v in ws):
        ax.plot(x, ws, "s--", ms=3, label="WebSocket clients")
    ax.set_title("load")
    ax.legend(fontsize=7)
    ax.set_xlabel("minute")
    ax = axes[2][1]
    ax.plot(x, series(lambda s: s["cpu_pct"]), "o-", ms=3, label="service CPU %")
    ax.plot(x, series(lambda s: s["load1"] * 100), "x--", ms=3, label="load average x 100")
    ax.set_title("CPU (2 cores)")
    ax.legend(fontsize=8)
    ax.set_xlabel("minute")
    for row in axes:
        for a in row:
            a.grid(True, alpha=0.3)
    fig.suptitle(f"scripts/soak.py, {args.minutes:g} min from {result['started_utc']} UTC "
                 f"(load average {result['load_before']} -> {result['load_after']})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=72)
    plt.close(fig)


# ---------------------------------------------------------------- profile


def summarise_profile(path: Path, top: int = 25) -> str:
    """py-spy raw stacks: where the service's busy samples go (self and inclusive)."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    files: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [f for f in stack.split(";") if f and not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        total += count
        own[frames[-1]] += count
        for f in set(frames):
            inclusive[f] += count
        for f in {f.split("(", 1)[-1].split(":")[0] for f in frames}:
            files[f] += count
    if not total:
        return "no samples"

    def short(frame: str) -> str:
        return frame.replace(str(ROOT) + "/", "").replace(str(Path(sys.prefix)), "venv")

    out = [f"{total:,} busy samples (py-spy, 100/s, idle excluded)", "", "by file (inclusive):"]
    out += [f"  {100 * n / total:5.1f}%  {short(f)}" for f, n in files.most_common(top + 15)
            if not any(m in f for m in ("asyncio/", "runpy", "cli.py")) and short(f) != "transit"][:top]
    out += ["", "inclusive (the event loop's own frames left out):"]
    out += [f"  {100 * n / total:5.1f}%  {short(f)}" for f, n in inclusive.most_common(top + 15)
            if not any(m in f for m in ("asyncio/", "runpy", "cli.py"))][:top]
    out += ["", "self:"]
    out += [f"  {100 * n / total:5.1f}%  {short(f)}" for f, n in own.most_common(top)]
    return "\n".join(out)


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--sample-s", type=float, default=60.0)
    parser.add_argument("--reports-per-s", type=float, default=400.0, help="JT/T 808 reports/s, all terminals")
    parser.add_argument("--terminals", type=int, help="default: one per report per second, at least 400")
    parser.add_argument("--batch-every", type=int, default=10, help="every Nth message a 0x0704 (0: never)")
    parser.add_argument("--batch-size", type=int, default=5)
    parser.add_argument("--follow-s", type=float, default=120.0,
                        help="a follower terminal drives its bus's route this many s x lap behind")
    parser.add_argument("--sign-rps", type=float, default=50.0)
    parser.add_argument("--sign-connections", type=int, default=50)
    parser.add_argument("--app-rps", type=float, default=50.0)
    parser.add_argument("--app-connections", type=int, default=50)
    parser.add_argument("--ws-clients", type=int, default=2000)
    parser.add_argument("--ws-stops", type=int, default=3)
    parser.add_argument("--push-rps", type=float, default=0.0)
    parser.add_argument("--ingest-only", action="store_true",
                        help="the fleet alone: no signs, app, WebSocket or push load")
    parser.add_argument("--start", default="08:00", help="the service's simulated time of day, HH:MM")
    parser.add_argument("--day", help="service day, YYYY-MM-DD (default today)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rss-slope-max", type=float, default=1.0, help="MiB/min")
    parser.add_argument("--memory-warmup-min", type=float, default=MEMORY_WARMUP_MIN,
                        help="RSS is judged after this many minutes (see MEMORY_WARMUP_MIN)")
    parser.add_argument("--out", type=Path, default=Path("soak-out"), help="folder for PNG, JSON, logs")
    parser.add_argument("--png", type=Path, help="default OUT/soak.png")
    parser.add_argument("--profile", nargs="?", const=True, default=None, metavar="FILE",
                        help="py-spy the service during the load (raw stacks to FILE, default OUT/profile.txt)")
    parser.add_argument("--service-root", type=Path, metavar="DIR",
                        help="run the service from another checkout (python -m transit.cli, this venv)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        run_worker(json.loads(args.worker))
        return
    if not 0 < args.minutes <= MAX_MINUTES:
        parser.error(f"--minutes must be in (0, {MAX_MINUTES}]")
    if args.ingest_only:
        args.sign_rps = args.app_rps = args.push_rps = 0.0
        args.ws_clients = 0
    if args.terminals is None:
        args.terminals = max(400, math.ceil(args.reports_per_s))
    if args.reports_per_s > 0 and args.terminals < 1:
        parser.error("--terminals must be positive")
    args.out.mkdir(parents=True, exist_ok=True)
    if args.profile is True:
        args.profile = args.out / "profile.txt"
    elif args.profile is not None:
        args.profile = Path(args.profile)
    if args.profile is not None:
        py_spy()
    raise_fd_limit()
    with tempfile.TemporaryDirectory(prefix="soak-") as data_dir:
        result = asyncio.run(coordinate(args, Path(data_dir), args.out))
    (args.out / "soak.json").write_text(json.dumps(result, indent=1, default=str))
    png = args.png or args.out / "soak.png"
    plot(result, args, png)
    print()
    print(whole_run_r2s(result))
    end = result["at_end"]
    print(f"stored {end['ingest']['reports_stored']:,} reports; tracker {end['tracker']}; "
          f"jt808 throttled {end['jt808']['throttled']}, sink failures {end['jt808']['sink_failures']}, "
          f"refused {end['jt808']['reports_refused']}")
    if result["samples"] and result["samples"][-1].get("lag_p99") is None:
        print("event-loop lag: not in /metrics (the service does not run transit.api.loop_lag yet)")
    passed, lines = judge(result, args)
    for line in lines:
        print(line)
    if args.profile is not None and Path(args.profile).exists():
        print()
        print(summarise_profile(Path(args.profile)))
    print(f"\nPNG {png}  samples {args.out / 'soak.json'}  service log {args.out / 'service.log'}")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
