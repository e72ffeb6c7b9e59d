"""Benchmark: POS readers pushing taps to ``POST /api/push/taps`` on loopback.

    DATABASE_URL=postgresql://... .venv/bin/python scripts/bench_tap_push.py \
        [--readers 200] [--pushes 10] [--taps 20]

The live state runs on the demo city (seed 7). A scratch database is created
on the server of ``DATABASE_URL`` (and dropped after), ``--readers`` readers
are registered, and each pushes ``--pushes`` bodies of ``--taps`` new taps one
after another, all readers at once, through the real path (authentication,
checks, pseudonymisation, one statement per push, live state); then every body
again (all duplicates). Prints taps per second and the latency of a push (p50,
p99). Baseline in the same run: the same taps written by the group-commit
writer the simulator's taps take
(``insert_taps``), which answers nothing per tap.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import time
from functools import partial

import asyncpg
from aiohttp import ClientSession, web

from feeds.democity import build_demo_feed
from transit.api.ratelimit import KeyPolicy
from transit.api.reader_auth import ReaderDirectory
from transit.api.tap_items import PushedTap
from transit.api.tap_push import ReaderPush, add_tap_push_routes
from transit.console.audit import Act
from transit.gtfs.feed import load_feed
from transit.gtfs.tables import write_tables
from transit.ingest import Ingest, to_tap
from transit.live.tracking import LiveTracking
from transit.readers import new_reader
from transit.records import PaymentMedium
from transit.store.batching import BatchWriter
from transit.store.embedded import create_pool
from transit.store.migrate import apply_migrations
from transit.store.readers import add_readers, list_readers
from transit.store.reports import insert_reports
from transit.store.taps import insert_taps, store_new_taps
from transit.tracking.tracker import Tracker

KEY = "bench-reader-key-" + "0" * 32
Bodies = dict[str, list[list[dict[str, object]]]]  # reader -> its pushes, each a list of taps


def _bodies(readers: int, pushes: int, taps: int, now: float) -> Bodies:
    return {f"R{r:04d}": [[{"txn_id": f"R{r:04d}-{p:03d}-{t:03d}", "card_id": f"3100{r:04d}{p:04d}{t:04d}",
                            "time": now - 5, "medium": "card", "amount_fen": 200, "lat": 35.07, "lon": 109.07}
                           for t in range(taps)] for p in range(pushes)] for r in range(readers)}


async def _reader(http: ClientSession, url: str, reader: str, bodies: list[list[dict[str, object]]],
                  latencies: list[float], expect: str) -> None:
    headers = {"X-Reader-Id": reader, "X-Reader-Key": KEY}
    for body in bodies:
        started = time.perf_counter()
        async with http.post(url, json=body, headers=headers) as response:
            answer = await response.json()
        latencies.append(time.perf_counter() - started)
        assert response.status == 200 and {r["status"] for r in answer["results"]} == {expect}, answer


async def _round(url: str, bodies: Bodies, expect: str) -> tuple[float, list[float]]:
    latencies: list[float] = []
    async with ClientSession() as http:
        started = time.perf_counter()
        await asyncio.gather(*(_reader(http, url, r, b, latencies, expect) for r, b in bodies.items()))
        return time.perf_counter() - started, latencies


def _line(name: str, taps: int, seconds: float, latencies: list[float]) -> None:
    q = statistics.quantiles(latencies, n=100)
    print(f"{name:<22} {taps:>8,} taps {seconds:6.2f} s {taps / seconds:>9,.0f} taps/s   "
          f"push p50 {q[49] * 1000:6.1f} ms  p99 {q[98] * 1000:6.1f} ms")


async def main(args: argparse.Namespace) -> None:
    server = os.environ["DATABASE_URL"]
    name = f"bench_tap_push_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(server)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        pool = await create_pool(server.rsplit("/", 1)[0] + f"/{name}")
        try:
            await apply_migrations(pool)
            await _run(pool, args)
        finally:
            await pool.close()
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


async def _run(pool: asyncpg.Pool, args: argparse.Namespace) -> None:
    now = time.time()
    await add_readers(pool, [new_reader(f"R{r:04d}", f"TC{r:04d}", KEY, now) for r in range(args.readers)],
                      Act("bench", "bench", now))
    live = LiveTracking(Tracker(load_feed(write_tables(build_demo_feed(7)), "demo.zip").network), time.time)
    writer_task = asyncio.create_task(live.run())
    async with (BatchWriter(partial(insert_reports, pool)) as reports,
                BatchWriter(partial(insert_taps, pool)) as taps):
        ingest = Ingest(reports, taps, live, b"bench", partial(store_new_taps, pool))
        app = web.Application()
        add_tap_push_routes(app, ReaderPush(ingest.submit_taps, ReaderDirectory(partial(list_readers, pool)),
                                            KeyPolicy("reader", 1000.0, 1000)), time.time)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/api/push/taps"
        bodies = _bodies(args.readers, args.pushes, args.taps, now)
        total = args.readers * args.pushes * args.taps
        print(f"{args.readers} readers x {args.pushes} pushes x {args.taps} taps, all readers at once")
        _line("new taps", total, *await _round(url, bodies, "stored"))
        _line("the same again", total, *await _round(url, bodies, "duplicate"))
        await runner.cleanup()
        await pool.execute("TRUNCATE taps")
        started = time.perf_counter()
        rows = [to_tap(PushedTap(t["txn_id"], "TC" + r[1:], t["time"], PaymentMedium.CARD, t["card_id"], t["lat"],
                                 t["lon"], now, None, t["amount_fen"], None, r), b"bench")
                for r, pushes in bodies.items() for body in pushes for t in body]
        await asyncio.gather(*(taps.write(rows[i:i + args.taps]) for i in range(0, len(rows), args.taps)))
        seconds = time.perf_counter() - started
        print(f"{'baseline group commit':<22} {total:>8,} taps {seconds:6.2f} s {total / seconds:>9,.0f} taps/s"
              "   (no answer per tap; checks and hashing included)")
    writer_task.cancel()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--pushes", type=int, default=10)
    parser.add_argument("--taps", type=int, default=20)
    asyncio.run(main(parser.parse_args()))
