"""Benchmark: how long the console's timetable approval pages take, on loopback.

    .venv/bin/python scripts/bench_approval.py [--pages 50] [--lines 40] [--headway 10]

The service's own application (``init_app`` with the console) over the demo
city (40 lines, about 5,500 trips) stored as the live version, with two
weekday drafts each rebuilding ``--lines`` of its lines (both directions)
every ``--headway`` minutes, on ``DATABASE_URL`` or an embedded PostgreSQL in
a temporary folder. One client, one request at a time (an approver's
browser): a draft's page cold (its Marey chart from the rows stored with
the draft), the same draft's page with those rows taken away (as a draft
stored before them: its network is built), the drafts list, the other
draft's page ``--reading`` seconds after the list (which starts building the
networks of drafts stored without chart rows), a draft's page warm (each time another line direction's chart and
trip diff), the versions page, then the acts: validate, approve, publish (checks the feed
and stores it as the new live version). Baseline in the same run: ``/health``.
Target (issue 14): a page in under 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.drafts (the demo draft)

PASSWORD = "bench password 0000"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _line(name: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    return f"{name:<44} n={len(ms):<4} p50 {statistics.median(ms):8.1f} ms  p95 {p95:8.1f} ms  max {ms[-1]:8.1f} ms"


async def _timed(n: int, call: Callable[[int], Awaitable[None]]) -> list[float]:
    spent = []
    for i in range(n):
        started = time.perf_counter()
        await call(i)
        spent.append(time.perf_counter() - started)
    return spent


async def _store(pool: object, args: argparse.Namespace) -> tuple[int, list[int], list[str]]:
    """The demo city as the live version, two drafts and the users; (version, drafts, line ids)."""
    from feeds.democity import build_demo_feed
    from tests.drafts.stored import store_demo_draft
    from transit.console.access import parse_grant
    from transit.console.audit import Act
    from transit.console.passwords import hash_password
    from transit.console.users import new_user
    from transit.gtfs.feed import load_feed
    from transit.gtfs.tables import write_tables
    from transit.store.users import add_user
    from transit.versions import import_feed

    feed = load_feed(write_tables(build_demo_feed(7)), "demo.zip")
    version_id = await import_feed(pool, feed)  # type: ignore[arg-type]
    lines = sorted(feed.network.routes)[: args.lines]
    drafts = []
    for _ in range(2):
        started = time.perf_counter()
        made = await store_demo_draft(pool, version_id, tuple(lines), args.headway * 60)  # type: ignore[arg-type]
        drafts.append(made)
        print(f"draft of {len(lines)} lines made and stored in {time.perf_counter() - started:.1f} s")
    act = Act("shell:bench", "shell", time.time(), "bench")
    for name, grants in (("bench", ["approver"]), ("planner", ["planner"])):
        await add_user(pool, new_user(name, "", [parse_grant(g) for g in grants]),  # type: ignore[arg-type]
                       hash_password(PASSWORD), act)
    return version_id, drafts, lines


class Browser:
    """An approver's browser: one request at a time, with the session's cookies."""

    def __init__(self, client: object, pool: object) -> None:
        self.client = client
        self.pool = pool  # to take a draft's chart rows away (a draft stored before them)

    async def get(self, path: str) -> str:
        async with self.client.get(path, allow_redirects=False) as answer:  # type: ignore[attr-defined]
            assert answer.status == 200, (path, answer.status)
            return await answer.text()

    async def log_in(self, name: str) -> None:
        self.client.cookie_jar.clear()  # type: ignore[attr-defined]
        csrf = _TOKEN.search(await self.get("/console/login")).group(1)  # type: ignore[union-attr]
        async with self.client.post("/console/login", allow_redirects=False, data={  # type: ignore[attr-defined]
                "username": name, "password": PASSWORD, "csrf_token": csrf}) as answer:
            assert answer.status == 303, answer.status

    async def post(self, page: str, act: str, **fields: str) -> list[float]:
        """The act's POST (its form's page fetched first, untimed): seconds."""
        csrf = _TOKEN.search(await self.get(page)).group(1)  # type: ignore[union-attr]
        started = time.perf_counter()
        async with self.client.post(f"{page}/{act}", allow_redirects=False,  # type: ignore[attr-defined]
                                    data={"csrf_token": csrf, **fields}) as answer:
            assert answer.status == 303, (act, answer.status, await answer.text())
        return [time.perf_counter() - started]


async def _without_rows(browser: Browser, draft_id: int) -> list[float]:
    """A draft's first view as for a draft stored before its chart rows were:
    the page builds the draft's network (seconds)."""
    await browser.pool.execute("DELETE FROM draft_charts WHERE draft_id = $1", draft_id)  # type: ignore[attr-defined]
    return await _timed(1, lambda _: browser.get(f"/console/drafts/{draft_id}"))


async def _measure(browser: Browser, args: argparse.Namespace, drafts: tuple[int, int], lines: list[str],
                   service_day: str) -> list[str]:
    cold_id, draft_id = drafts
    page = f"/console/drafts/{draft_id}"
    picks = [f"{line}:{d}" for line in lines for d in (0, 1)]
    get = browser.get
    await browser.log_in("bench")
    results = [_line("GET /health (baseline)", await _timed(args.pages, lambda _: get("/health"))),
               _line("GET draft page, cold (first view; its chart from the rows stored with it)",
                     await _timed(1, lambda _: get(f"/console/drafts/{cold_id}"))),
               _line("GET draft page, cold, the draft stored without chart rows (builds its network)",
                     await _without_rows(browser, cold_id)),
               _line("GET /console/drafts (list; warms the newest)",
                     await _timed(args.pages, lambda _: get("/console/drafts")))]
    await asyncio.sleep(args.reading)  # the approver reads the list
    results += [_line(f"GET draft page {args.reading:.0f} s after the list", await _timed(1, lambda _: get(page))),
                _line("GET draft page, warm, each line direction",
                      await _timed(args.pages, lambda i: get(f"{page}?pick={picks[i % len(picks)]}"))),
                _line("GET /console/versions", await _timed(args.pages, lambda _: get("/console/versions")))]
    print(f"draft page: {len(await get(page)) / 1000:.0f} kB")
    await browser.log_in("planner")
    results.append(_line("POST validate", await browser.post(page, "validate")))
    await browser.log_in("bench")
    results.append(_line("POST approve (freezes KPIs and diff)", await browser.post(page, "approve")))
    results.append(_line("POST publish (checks the feed, stores it)",
                         await browser.post(page, "publish", service_date=service_day)))
    return results


async def run(args: argparse.Namespace, dsn: str) -> None:
    import aiohttp
    from aiohttp import web

    from transit.api.app import ServiceContext, init_app
    from transit.api.console import ConsoleSettings
    from transit.live.tracking import LiveTracking
    from transit.model.service_days import service_day_of
    from transit.store.embedded import create_pool
    from transit.store.migrate import apply_migrations
    from transit.store.schedules import find_live_version
    from transit.tracking.tracker import Tracker
    from transit.versions import load_live_schedule

    pool = await create_pool(dsn)
    await apply_migrations(pool)
    version_id, drafts, lines = await _store(pool, args)
    network = (await load_live_schedule(pool)).network
    print(f"demo city: {len(network.routes)} lines, {len(network.trips)} trips")
    context = ServiceContext(network, version_id, LiveTracking(Tracker(network), time.time),
                             lambda: pool.fetchval("SELECT 1"), time.time)
    runner = web.AppRunner(init_app(context, store=pool, console=ConsoleSettings(), wall_clock=time.time))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    base = "http://{}:{}".format(*runner.addresses[0][:2])
    try:
        async with aiohttp.ClientSession(base, cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
            results = await _measure(Browser(client, pool), args, (drafts[0], drafts[1]), lines,
                                     service_day_of(time.time(), network.timezone).isoformat())
        live = await find_live_version(pool)
        assert live is not None and live.id != version_id, "the publication made no new live version"
    finally:
        await runner.cleanup()
        await pool.close()
    print("\n".join(results))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--lines", type=int, default=40, help="lines the draft rebuilds")
    parser.add_argument("--headway", type=int, default=10, help="the draft's headway, minutes")
    parser.add_argument("--reading", type=float, default=5.0, help="seconds between the list and the draft page")
    args = parser.parse_args()
    from transit.store.embedded import scratch_database

    with tempfile.TemporaryDirectory(prefix="bench-approval-") as scratch:
        async with scratch_database(os.environ.get("DATABASE_URL"), Path(scratch) / "pg", "bench_approval") as dsn:
            await run(args, dsn)


if __name__ == "__main__":
    asyncio.run(main())
