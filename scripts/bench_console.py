"""Benchmark: how long the console's log-in and pages take, on loopback.

    .venv/bin/python scripts/bench_console.py [--logins 20] [--pages 200] [--audit 5000]

The service's own application (``init_app`` with the console) over the demo
city (40 lines), on ``DATABASE_URL`` or an embedded PostgreSQL in a temporary
folder; one user, and ``--audit`` entries in the audit log. One client, one
request at a time (a dispatcher's browser): log-ins (the form, then the
post: argon2id checks the password), the home page, a page of the audit log
(200 entries) and the whole log as CSV. Baseline in the same run: ``/health``.
Target (issue 14): a page in under 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

PASSWORD = "bench password 0000"


def _line(name: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    return f"{name:<34} n={len(ms):<4} p50 {statistics.median(ms):7.1f} ms  p95 {p95:7.1f} ms  max {ms[-1]:7.1f} ms"


async def _timed(n: int, call: Callable[[], Awaitable[None]]) -> list[float]:
    spent = []
    for _ in range(n):
        started = time.perf_counter()
        await call()
        spent.append(time.perf_counter() - started)
    return spent


async def run(args: argparse.Namespace, dsn: str) -> None:
    import aiohttp
    from aiohttp import web

    from feeds.democity import build_demo_feed
    from transit.api.app import ServiceContext, init_app
    from transit.api.console import ConsoleSettings
    from transit.console.access import parse_grant
    from transit.console.audit import Act
    from transit.console.passwords import hash_password
    from transit.console.users import new_user
    from transit.gtfs.feed import load_feed
    from transit.gtfs.tables import write_tables
    from transit.live.tracking import LiveTracking
    from transit.store.audit import append_audit
    from transit.store.embedded import create_pool
    from transit.store.migrate import apply_migrations
    from transit.store.users import add_user
    from transit.tracking.tracker import Tracker

    network = load_feed(write_tables(build_demo_feed(7)), "demo.zip").network
    pool = await create_pool(dsn)
    await apply_migrations(pool)
    act = Act("shell:bench", "shell", time.time(), "bench")
    await add_user(pool, new_user("bench", "", [parse_grant("admin"), parse_grant("dispatcher")]),
                   hash_password(PASSWORD), act)
    async with pool.acquire() as conn:
        for n in range(args.audit):
            await append_audit(conn, act.entry("note", "thing", str(n), {"n": n}, {"n": n + 1}))
    context = ServiceContext(network, 1, LiveTracking(Tracker(network), time.time),
                             lambda: pool.fetchval("SELECT 1"), time.time)
    runner = web.AppRunner(init_app(context, store=pool, console=ConsoleSettings(), wall_clock=time.time))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    base = "http://{}:{}".format(*runner.addresses[0][:2])
    token = re.compile(r'name="csrf_token" value="([^"]+)"')
    print(f"demo city: {len(network.routes)} lines; audit log: {args.audit + 1} entries")
    try:
        async with aiohttp.ClientSession(base, cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
            async def get(path: str) -> None:
                async with client.get(path, allow_redirects=False) as answer:
                    assert answer.status == 200, (path, answer.status)
                    await answer.read()

            async def log_in() -> None:
                async with client.get("/console/login") as form:
                    csrf = token.search(await form.text()).group(1)  # type: ignore[union-attr]
                async with client.post("/console/login", allow_redirects=False, data={
                        "username": "bench", "password": PASSWORD, "csrf_token": csrf}) as answer:
                    assert answer.status == 303, answer.status

            lines = [_line("GET /health (baseline)", await _timed(args.pages, lambda: get("/health"))),
                     _line("log-in (form + post, argon2id)", await _timed(args.logins, log_in)),
                     _line("GET /console/", await _timed(args.pages, lambda: get("/console/"))),
                     _line("GET /console/audit (200 rows)", await _timed(args.pages, lambda: get("/console/audit"))),
                     _line(f"GET /console/audit.csv ({args.audit + 1} rows)",
                           await _timed(max(5, args.pages // 20), lambda: get("/console/audit.csv")))]
    finally:
        await runner.cleanup()
        await pool.close()
    print("\n".join(lines))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=20)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--audit", type=int, default=5000, help="audit entries to store first")
    args = parser.parse_args()
    from transit.store.embedded import scratch_database

    with tempfile.TemporaryDirectory(prefix="bench-console-") as scratch:
        async with scratch_database(os.environ.get("DATABASE_URL"), Path(scratch) / "pg", "bench_console") as dsn:
            await run(args, dsn)


if __name__ == "__main__":
    asyncio.run(main())
