"""Benchmark: the console's live view on the demo city (40 lines), loaded
with a simulated morning.

    DATABASE_URL=... .venv/bin/python scripts/bench_console_live.py [--pages 50] [--moves 20] [--start 07:30]

The demo city and a simulated day of its fleet (seed 7); the day's GPS
reports from ``--start`` minus 30 minutes are played into the live state
(tracker only) on a hand-set service clock, then the service's own
application serves the console. One client, one request at a time:
``/console/live`` (the map of every line, every live bus, the table of
lines), the busiest line's ladder, and their JSON. Baseline in the same
run: ``/health``.

The ladder's delay from report to screen: a logged-in Chromium (Debian's,
driven by Playwright; skipped without it) keeps the busiest line's ladder
open; each round waits a random part of a second (a report lands at any
moment of the socket's round), plays 10 s more of reports into the live
state and times until a bus on the page has moved. The same over the console's socket
without a browser (until a pushed ``line`` message differs). The socket
pushes every second (``push_every_s``). Targets (issue 14): a page in
under 1 s; the ladder moves within 2 s of a report.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

PASSWORD = "bench password 0000"
PHASES = random.Random(7)  # when in the socket's round each report lands
DAY = date(2026, 3, 11)  # a Wednesday


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _line(name: str, seconds: list[float], note: str = "") -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    return (f"{name:<40} n={len(ms):<4} p50 {statistics.median(ms):7.1f} ms  p95 {p95:7.1f} ms"
            f"  max {ms[-1]:7.1f} ms  {note}")


def build_city(start: str):  # type: ignore[no-untyped-def]
    from feeds.democity import build_demo_feed, stop_demand
    from feeds.simulator.day import simulate_day
    from transit.gtfs.feed import load_feed
    from transit.gtfs.tables import write_tables
    from transit.model.service_days import service_day_origin

    tables = build_demo_feed(7)
    network = load_feed(write_tables(tables), "demo.zip").network
    day = simulate_day(network, DAY, seed=7 + DAY.toordinal(), demand=stop_demand(tables))
    hours, minutes = (int(part) for part in start.split(":"))
    begin = service_day_origin(DAY, network.timezone).timestamp() + hours * 3600 + minutes * 60
    return network, list(day.reports), begin


class Player:
    """The day's reports, played into the live state in received order."""

    def __init__(self, live, clock: Clock, reports) -> None:  # type: ignore[no-untyped-def]
        self.live, self.clock, self.reports, self.next = live, clock, reports, 0

    def play_until(self, until: float) -> None:
        batch = []
        while self.next < len(self.reports) and self.reports[self.next].received_at <= until:
            batch.append(self.reports[self.next])
            self.next += 1
        self.clock.now = until
        self.live.apply(batch)


async def _timed(n: int, get, path: str, clock: Clock) -> tuple[list[float], int]:  # type: ignore[no-untyped-def]
    """``n`` requests, the service clock a second on before each (so every
    page computes its frame afresh, as a page a second later would)."""
    spent, size = [], 0
    for _ in range(n):
        clock.now += 1.0
        started = time.perf_counter()
        size = len(await get(path))
        spent.append(time.perf_counter() - started)
    return spent, size


async def _socket_delays(client, player: Player, route_id: str, moves: int) -> list[float]:  # type: ignore[no-untyped-def]
    import orjson

    delays = []
    async with client.ws_connect(f"/console/socket?view=line&route={route_id}") as socket:
        last = None
        while last is None:
            message = orjson.loads((await socket.receive(timeout=10)).data)
            last = message["buses"] if message["type"] == "line" else None
        for _ in range(moves):
            await asyncio.sleep(PHASES.uniform(0.0, 1.0))  # reports come at any moment of the push round
            player.play_until(player.clock.now + 10)
            reported = time.perf_counter()
            while True:
                message = orjson.loads((await socket.receive(timeout=10)).data)
                if message["type"] == "line" and message["buses"] != last:
                    delays.append(time.perf_counter() - reported)
                    last = message["buses"]
                    break
    return delays


LOAD_TIME = ("(() => { const t = performance.getEntriesByType('navigation')[0];"
             " return (t.loadEventEnd - t.startTime) / 1000; })()")


async def _browser(base: str, player: Player, route_id: str, pages: int, moves: int,
                   screens: Path | None) -> dict[str, list[float]]:
    """In Chromium: load times of the two pages (navigation start to the load
    event, script run), and the ladder's delays from report to moved bus."""
    from playwright.async_api import async_playwright

    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        return {}
    found: dict[str, list[float]] = {"/console/live": [], f"/console/lines/{route_id}": []}
    delays = found["report -> ladder moved in Chromium"] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(chromium), headless=True, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"])
        page = await browser.new_page(viewport={"width": 1500, "height": 1000})
        await page.goto(f"{base}/console/login")
        await page.fill("#username", "bench")
        await page.fill("#password", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_url(f"{base}/console/")
        for _ in range(pages):
            for path, loads in list(found.items())[:2]:
                player.clock.now += 1.0
                await page.goto(f"{base}{path}?lang=en", wait_until="load")
                loads.append(await page.evaluate(LOAD_TIME))
                if screens is not None:
                    name = "live-demo.png" if path.endswith("/live") else "ladder-demo.png"
                    await page.screenshot(path=str(screens / name), full_page=True)
        await page.goto(f"{base}/console/lines/{route_id}")
        await page.wait_for_timeout(1500)  # the socket open and its first push drawn
        for _ in range(moves):
            before = await page.evaluate("[...document.querySelectorAll('#buses g')]"
                                         ".map(g => g.dataset.vehicle + g.getAttribute('transform')).join()")
            await asyncio.sleep(PHASES.uniform(0.0, 1.0))
            player.play_until(player.clock.now + 10)
            reported = time.perf_counter()
            await page.wait_for_function(
                "before => [...document.querySelectorAll('#buses g')]"
                ".map(g => g.dataset.vehicle + g.getAttribute('transform')).join() !== before",
                arg=before, timeout=10_000, polling=10)
            delays.append(time.perf_counter() - reported)
        await browser.close()
    return found


async def _http(args: argparse.Namespace, base: str, clock: Clock, player: Player, busiest: str) -> list[str]:
    """Log in, time the pages and their JSON, then the socket's pushes."""
    import aiohttp

    lines = []
    async with aiohttp.ClientSession(base, cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        async def get(path: str) -> bytes:
            async with client.get(path, allow_redirects=False) as answer:
                assert answer.status == 200, (path, answer.status)
                return await answer.read()

        form = (await get("/console/login")).decode()
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        async with client.post("/console/login", allow_redirects=False, data={
                "username": "bench", "password": PASSWORD, "csrf_token": csrf}) as answer:
            assert answer.status == 303
        for name, path in (("GET /health (baseline)", "/health"), ("GET /console/live", "/console/live"),
                           (f"GET /console/lines/{busiest}", f"/console/lines/{busiest}"),
                           ("GET /console/live.json", "/console/live.json"),
                           (f"GET /console/lines/{busiest}.json", f"/console/lines/{busiest}.json")):
            spent, size = await _timed(args.pages, get, path, clock)
            lines.append(_line(name, spent, f"{size / 1024:.0f} kB"))
        lines.append(_line("report -> socket push (ladder)",
                           await _socket_delays(client, player, busiest, args.moves)))
    return lines


async def run(args: argparse.Namespace, dsn: str) -> None:
    from aiohttp import web

    from transit.api.app import BACKGROUND, ServiceContext, init_app
    from transit.api.console import ConsoleSettings
    from transit.console.access import parse_grant
    from transit.console.audit import Act
    from transit.console.passwords import hash_password
    from transit.console.users import new_user
    from transit.live.tracking import LiveTracking
    from transit.store.embedded import create_pool
    from transit.store.migrate import apply_migrations
    from transit.store.users import add_user
    from transit.tracking.tracker import Tracker

    started = time.perf_counter()
    network, reports, begin = await asyncio.to_thread(build_city, args.start)
    print(f"demo city: {len(network.routes)} lines, {len(network.stops)} stops; a day of {len(reports):,} reports"
          f" simulated in {time.perf_counter() - started:.0f} s")
    clock = Clock(begin - 1800)
    live = LiveTracking(Tracker(network), clock)
    player = Player(live, clock, [r for r in reports if r.received_at >= begin - 1800])
    while clock.now < begin:
        player.play_until(clock.now + 30)
    pool = await create_pool(dsn)
    await apply_migrations(pool)
    await add_user(pool, new_user("bench", "", [parse_grant("dispatcher")]), hash_password(PASSWORD),
                   Act("shell:bench", "shell", time.time(), "bench"))
    app = init_app(ServiceContext(network, 1, live, lambda: pool.fetchval("SELECT 1"), clock), store=pool,
                   console=ConsoleSettings(), wall_clock=time.time)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    tasks = [asyncio.create_task(work()) for name, work in app[BACKGROUND] if name.startswith("console_")]
    base = "http://{}:{}".format(*runner.addresses[0][:2])
    frame_live = live.snapshot.list_live(clock.now, 300)
    busiest = max(sorted(network.routes), key=lambda r: sum(1 for v in frame_live if v.trip and v.trip.route_id == r))
    at = datetime.fromtimestamp(clock.now, ZoneInfo(network.timezone)).strftime("%H:%M")
    print(f"at {at} in Tongchuan's day: {len(frame_live)} buses live; busiest line {busiest}")
    lines = []
    try:
        lines += await _http(args, base, clock, player, busiest)
        for name, seconds in (await _browser(base, player, busiest, max(5, args.pages // 5), args.moves,
                                              args.screens)).items():
            lines.append(_line(name if name.startswith("report") else f"Chromium load {name}", seconds))
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await runner.cleanup()
        await pool.close()
    print("\n".join(lines))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--moves", type=int, default=20)
    parser.add_argument("--start", default="07:30", help="simulated time of day the measures start at")
    parser.add_argument("--screens", type=Path, help="save the pages Chromium loads (English) as PNG here")
    args = parser.parse_args()
    from transit.store.embedded import scratch_database

    with tempfile.TemporaryDirectory(prefix="bench-console-live-") as scratch:
        async with scratch_database(os.environ.get("DATABASE_URL"), Path(scratch) / "pg", "bench_console_live") as dsn:
            await run(args, dsn)


if __name__ == "__main__":
    asyncio.run(main())
