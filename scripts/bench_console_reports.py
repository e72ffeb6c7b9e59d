"""Benchmark: the console's reports and sign screens on the demo city (40
lines, 526 stops and signs), with a whole simulated weekday stored.

    DATABASE_URL=... .venv/bin/python scripts/bench_console_reports.py [--pages 30] [--screens DIR]

The demo city and a simulated weekday of its fleet and riders (seed 7): the
day's true passages stored as stop events, its taps inferred into the day's
passenger flow and stored (``transit flow build``'s own code), the demo's
sign registry, a message showing on a line's signs, and running accuracy
scores for every line, direction, horizon and method (made up: the
accuracy page's cost depends only on how many rows there are). Then the
service's own application serves the console; one client, one request at a
time, as a user over every line:

- each report page and its CSV, the first load of the day (it computes the
  adherence and regularity of the day's stop events, and stores them) and
  then warm ones; the first load of the day in a service started afresh
  (it reads the stored day back); and, its stored copy deleted, the first
  load in another started afresh whose book has arrayed the network's calls
  as the service's start does (the day computed again, its store behind),
  five times;
- ``/console/signs`` (the health of the electronic signs, the messages) and
  one sign's page;
- in Chromium (Debian's, by Playwright; skipped without it) the time from
  navigation to the load event of the report pages.

Baseline in the same run: ``/health``. Target (issue 14): a page in under 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

PASSWORD = "bench password 0000"
NEVER_COMPUTED_VIEWS = 5  # services started afresh, one first view each
DAY = date(2026, 3, 11)  # a Wednesday
ADHERENCE_PATH = f"/console/reports/adherence?day={DAY.isoformat()}"
LOAD_TIME = ("(() => { const t = performance.getEntriesByType('navigation')[0];"
             " return (t.loadEventEnd - t.startTime) / 1000; })()")


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _line(name: str, seconds: list[float], note: str = "") -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    return (f"{name:<46} n={len(ms):<4} p50 {statistics.median(ms):7.1f} ms  p95 {p95:7.1f} ms"
            f"  max {ms[-1]:7.1f} ms  {note}")


def build_day():  # type: ignore[no-untyped-def]
    """The demo city, its day's stop events (true passages) and taps (pseudonymised)."""
    from feeds.democity import build_demo_feed, stop_demand
    from feeds.simulator.day import simulate_day
    from transit.gtfs.feed import load_feed
    from transit.gtfs.tables import write_tables
    from transit.privacy import pseudonymise
    from transit.records import StopEvent, Tap

    tables = build_demo_feed(7)
    data = write_tables(tables)
    network = load_feed(data, "demo.zip").network
    day = simulate_day(network, DAY, seed=7 + DAY.toordinal(), demand=stop_demand(tables))
    events = [StopEvent(DAY, p.trip_id, network.patterns[network.trips[p.trip_id].pattern_id]
                        .sequence_at(p.stop_sequence - 1), p.stop_id, p.vehicle_id, p.arrival, p.departure)
              for p in day.passages]
    taps = [Tap(t.tap_id, t.vehicle_id, t.timestamp, t.medium, pseudonymise(t.account, b"bench"), t.lat, t.lon,
                t.received_at) for t in day.taps]
    return network, data, events, taps


def made_up_accuracy(network):  # type: ignore[no-untyped-def]
    from transit.prediction.accuracy import MethodAccuracy
    from transit.prediction.ensemble import SCORED_METHODS
    from transit.prediction.scoring import BUCKETS, bucket_label

    return tuple(MethodAccuracy(route, direction, bucket_label(low, high), method, 50 + n, 20.0 + 10 * n, 5.0, 0.8)
                 for route in sorted(network.routes) for direction in (0, 1)
                 for n, (low, high, _, _) in enumerate(BUCKETS) for method in SCORED_METHODS)


async def store_day(pool, network, data, events, taps) -> int:  # type: ignore[no-untyped-def]
    import hashlib

    from feeds.flow.build import infer_day
    from transit.store.flow import replace_flow_day
    from transit.store.schedules import insert_version
    from transit.store.stop_events import upsert_stop_events

    version = await insert_version(pool, source="demo.zip", sha256=hashlib.sha256(data).hexdigest(), feed_zip=data,
                                   summary={}, start=None, end=None, make_live=True)
    for start in range(0, len(events), 20_000):
        await upsert_stop_events(pool, events[start:start + 20_000])
    flow, od, transfers = await asyncio.to_thread(infer_day, network, events, taps)
    await replace_flow_day(pool, flow, DAY, version, time.time(), od=od, transfers=transfers)
    return version


async def _log_in(client) -> None:  # type: ignore[no-untyped-def]
    text = await (await client.get("/console/login")).text()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)  # type: ignore[union-attr]
    async with client.post("/console/login", allow_redirects=False, data={
            "username": "bench", "password": PASSWORD, "csrf_token": csrf}) as answer:
        assert answer.status == 303


async def _first_view(base: str) -> tuple[float, int]:
    """Seconds and bytes of the day's adherence page, the first request of a
    freshly logged-in client to a service started afresh."""
    import aiohttp

    async with aiohttp.ClientSession(base, cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        await _log_in(client)
        started = time.perf_counter()
        async with client.get(ADHERENCE_PATH, allow_redirects=False) as answer:
            body = await answer.read()
            assert answer.status == 200, (ADHERENCE_PATH, answer.status)
        return time.perf_counter() - started, len(body)


async def _http(base: str, pages: int, line: str, sign_id: str) -> list[str]:
    import aiohttp

    lines = []
    async with aiohttp.ClientSession(base, cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        async def get(path: str) -> tuple[float, int]:
            started = time.perf_counter()
            async with client.get(path, allow_redirects=False) as answer:
                body = await answer.read()
                assert answer.status == 200, (path, answer.status)
            return time.perf_counter() - started, len(body)

        await _log_in(client)
        day = DAY.isoformat()
        paths = [("/health", "GET /health (baseline)"), (f"/console/reports/adherence?day={day}", None),
                 (f"/console/reports/adherence?day={day}&line={line}", None),
                 (f"/console/reports/adherence.csv?day={day}", None), (f"/console/reports/regularity?day={day}", None),
                 (f"/console/reports/regularity.csv?day={day}", None), (f"/console/reports/ridership?day={day}", None),
                 (f"/console/reports/ridership.csv?day={day}", None), ("/console/reports/accuracy", None),
                 ("/console/reports/accuracy.csv", None), ("/console/reports", None), ("/console/signs", None),
                 (f"/console/signs/{sign_id}", None)]
        first, size = await get(paths[1][0])
        lines.append(_line(f"GET {paths[1][0]} (first: computes and stores the day)", [first],
                           f"{size / 1024:.0f} kB"))
        for path, name in paths:
            timed = [await get(path) for _ in range(pages)]
            lines.append(_line(name or f"GET {path}", [t for t, _ in timed], f"{timed[0][1] / 1024:.0f} kB"))
    return lines


async def _browser(base: str, pages: int, line: str, screens: Path | None) -> list[str]:
    from playwright.async_api import async_playwright

    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        return ["Chromium: not found (/usr/bin/chromium), browser figures skipped"]
    day = DAY.isoformat()
    shots = {f"/console/reports/adherence?day={day}&line={line}": "report-adherence-demo.png",
             f"/console/reports/ridership?day={day}": "report-ridership-demo.png",
             f"/console/reports/regularity?day={day}": "report-regularity-demo.png",
             "/console/signs": "signs-demo.png"}
    found: dict[str, list[float]] = {path: [] for path in shots}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(chromium), headless=True, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"])
        page = await browser.new_page(viewport={"width": 1400, "height": 1000})
        await page.goto(f"{base}/console/login?lang=en")
        await page.fill("#username", "bench")
        await page.fill("#password", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_url(f"{base}/console/")
        for _ in range(pages):
            for path, loads in found.items():
                await page.goto(f"{base}{path}", wait_until="load")
                loads.append(await page.evaluate(LOAD_TIME))
        if screens is not None:
            screens.mkdir(parents=True, exist_ok=True)
            for path, name in shots.items():
                await page.goto(f"{base}{path}", wait_until="load")
                await page.screenshot(path=str(screens / name), full_page=True)
        await browser.close()
    return [_line(f"Chromium load {path}", seconds) for path, seconds in found.items()]


async def run(args: argparse.Namespace, dsn: str) -> None:
    from aiohttp import web

    from signage.registry import demo_registry
    from transit.api.app import PassengerAccess, ServiceContext, init_app
    from transit.api.console import ConsoleSettings
    from transit.api.console.app import CONSOLE_APP
    from transit.api.console.reports import REPORTS
    from transit.api.ratelimit import parse_keys
    from transit.boards.messages import MessageTarget, TargetKind
    from transit.console.access import parse_grant
    from transit.console.audit import Act
    from transit.console.passwords import hash_password
    from transit.console.users import new_user
    from transit.live.tracking import LiveSnapshot, LiveTracking
    from transit.model.service_days import to_unix
    from transit.store.embedded import create_pool
    from transit.store.migrate import apply_migrations
    from transit.store.sign_messages import send_sign_message
    from transit.store.users import add_user
    from transit.tracking.tracker import Tracker

    started = time.perf_counter()
    network, data, events, taps = await asyncio.to_thread(build_day)
    print(f"demo city: {len(network.routes)} lines, {len(network.stops)} stops; {DAY}: {len(events):,} stop events,"
          f" {len(taps):,} taps, simulated in {time.perf_counter() - started:.0f} s")
    pool = await create_pool(dsn)
    await apply_migrations(pool)
    started = time.perf_counter()
    version = await store_day(pool, network, data, events, taps)
    print(f"stored and flow built in {time.perf_counter() - started:.0f} s")
    act = Act("bench", "sign_operator", time.time(), "bench")
    await add_user(pool, new_user("bench", "", [parse_grant("viewer"), parse_grant("sign_operator")]),
                   hash_password(PASSWORD), act)
    clock = Clock(to_unix(DAY, 17 * 3600, network.timezone))
    await send_sign_message(pool, MessageTarget(TargetKind.LINE, sorted(network.routes)[0]), "东风路施工，绕行北环路",
                            clock.now, clock.now + 3600, act)
    live = LiveTracking(Tracker(network), clock)
    live.snapshot = LiveSnapshot(clock.now, accuracy=made_up_accuracy(network))
    registry = demo_registry(network, 7)
    access = PassengerAccess(registry, "bench-admin-token-000", parse_keys("demo:demo-app-key:50:100"))
    books = []  # each service's report book: its store behind the page ends before the pool closes

    async def serve(prepared: bool = False) -> tuple[web.AppRunner, str]:
        app = init_app(ServiceContext(network, version, live, lambda: pool.fetchval("SELECT 1"), clock), access,
                       store=pool, console=ConsoleSettings(), wall_clock=time.time)
        books.append(app[CONSOLE_APP][REPORTS].book)
        if prepared:  # as the service's start does (the book's round, not run here, would compute the day)
            await books[-1].prepare()
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        return runner, "http://{}:{}".format(*runner.addresses[0][:2])

    runner, base = await serve()
    line = max(sorted(network.routes), key=lambda r: sum(1 for t in network.trips.values() if t.route_id == r))
    try:
        lines = await _http(base, args.pages, line, registry.list_signs()[0].sign_id)
        lines += await _browser(base, max(3, args.pages // 5), line, args.screens)
        await runner.cleanup()
        runner, base = await serve()  # a restarted service: nothing held in memory
        # The day stored by the first service's computation: read back, not computed.
        seconds, size = await _first_view(base)
        lines.append(_line(f"GET {ADHERENCE_PATH} (first in a restarted service: reads the stored day)",
                           [seconds], f"{size / 1024:.0f} kB"))
        views = []
        for _ in range(NEVER_COMPUTED_VIEWS):
            await runner.cleanup()
            await books[-1].stored()
            await pool.execute("DELETE FROM console_day_reports")  # the day never computed again
            runner, base = await serve(prepared=True)
            views.append(await _first_view(base))
        lines.append(_line(f"GET /console/reports/adherence?day={DAY.isoformat()} (never computed, calls arrayed"
                           " at start)", [t for t, _ in views], f"{views[0][1] / 1024:.0f} kB"))
    finally:
        await runner.cleanup()
        for book in books:
            await book.stored()
        await pool.close()
    print(f"busiest line {line}; load average {os.getloadavg()[0]:.1f}")
    print("\n".join(lines))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--screens", type=Path, help="save the report pages Chromium loads (English) as PNG here")
    args = parser.parse_args()
    from transit.store.embedded import open_database

    with tempfile.TemporaryDirectory(prefix="bench-console-reports-") as scratch:
        url = os.environ.get("DATABASE_URL")
        if url:  # a throwaway database on that server, dropped after
            import asyncpg

            name = f"bench_console_reports_{os.getpid()}"
            conn = await asyncpg.connect(url)
            await conn.execute(f'CREATE DATABASE "{name}"')
            await conn.close()
            try:
                await run(args, url.rsplit("/", 1)[0] + f"/{name}")
            finally:
                conn = await asyncpg.connect(url)
                await conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                await conn.close()
        else:
            async with open_database(None, Path(scratch) / "pg") as dsn:
                await run(args, dsn)


if __name__ == "__main__":
    asyncio.run(main())
