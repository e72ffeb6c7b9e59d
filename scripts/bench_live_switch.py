"""Benchmark: how long a running demo service takes to serve a newly published
timetable, from the approver's publish (or roll-back) answered to ``/health``
showing the new version.

    .venv/bin/python scripts/bench_live_switch.py [--at 12:00 | --at none] [--lines 2] [--switches 3]

``transit demo``'s service (the demo city, 40 lines; no simulated fleet, so
the figures are the switch's own) on a throwaway database (DATABASE_URL's
server, else an embedded PostgreSQL), its clock at ``--at`` of today's
service day, with a simulated weekday's reports up to then stored (what a
switch restores, as a restart does; ``--at none``: none stored, clock at
06:30). A planner's draft rebuilding ``--lines`` lines is validated; an
approver approves and publishes it in the console (HTTP, as the browser
does), then rolls back and forth: ``--switches`` switches in all. Per switch:
publish answered -> ``/health`` shows the version (polled every 50 ms; the
probes that met the closed port are counted), and the service's own split:
the new version read while the old serves, and the listeners closed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.drafts (the demo draft)

PASSWORD = "bench password 0000"
ZONE = "Asia/Shanghai"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


async def _store_morning(dsn: str, data_dir: Path, seed: int, day: date, at: str) -> int:
    """The demo city stored as ``transit demo`` stores it, live, and the
    simulated reports of ``day`` received before ``at``; how many."""
    from feeds.democity.feed import write_demo_feed
    from feeds.simulator import simulate_day
    from transit.demo import demo_source_name
    from transit.gtfs.feed import load_feed_file
    from transit.model.service_days import parse_gtfs_time, to_unix
    from transit.store.embedded import create_pool
    from transit.store.migrate import apply_migrations
    from transit.store.reports import insert_reports
    from transit.versions import import_feed

    data_dir.mkdir(parents=True, exist_ok=True)
    feed = await asyncio.to_thread(load_feed_file, write_demo_feed(data_dir / demo_source_name(seed), seed))
    pool = await create_pool(dsn)
    try:
        await apply_migrations(pool)
        await import_feed(pool, feed)
        if at == "none":
            return 0
        until = to_unix(day, parse_gtfs_time(at + ":00"), feed.network.timezone)
        simulated = await asyncio.to_thread(simulate_day, feed.network, day, seed=seed)
        morning = [r for r in simulated.reports if r.received_at < until]
        for start in range(0, len(morning), 50_000):
            await insert_reports(pool, morning[start:start + 50_000])
        return len(morning)
    finally:
        await pool.close()


async def _people_and_draft(pool: object, version_id: int, lines: tuple[str, ...]) -> int:
    """An approver, a validated draft rebuilding ``lines`` by a planner; the draft's id."""
    from tests.drafts.stored import store_demo_draft
    from transit.console.access import Actor, Grant, Role, parse_grant
    from transit.console.approval import DraftAct
    from transit.console.audit import Act
    from transit.console.passwords import hash_password
    from transit.console.users import new_user
    from transit.model.service_days import service_day_of
    from transit.store.approvals import change_draft
    from transit.store.users import add_user

    draft_id = await store_demo_draft(pool, version_id, lines, 8 * 60)  # type: ignore[arg-type]
    await add_user(pool, new_user("bench", "", [parse_grant("approver")]),  # type: ignore[arg-type]
                   hash_password(PASSWORD), Act("shell:bench", "shell", time.time(), "bench"))
    now = time.time()
    await change_draft(pool, draft_id, DraftAct.VALIDATE, Actor("planner", (Grant(Role.PLANNER),)),  # type: ignore[arg-type]
                       at=now, today=service_day_of(now, ZONE))
    return draft_id


class Approver:
    """The approver's browser: one request at a time, with the session's cookies."""

    def __init__(self, client: object) -> None:
        self.client = client

    async def log_in(self) -> None:
        async with self.client.get("/console/login") as answer:  # type: ignore[attr-defined]
            csrf = _TOKEN.search(await answer.text()).group(1)  # type: ignore[union-attr]
        async with self.client.post("/console/login", allow_redirects=False, data={  # type: ignore[attr-defined]
                "username": "bench", "password": PASSWORD, "csrf_token": csrf}) as answer:
            assert answer.status == 303, answer.status

    async def act(self, page: str, action: str, **fields: str) -> float:
        """POST the act from ``page``'s form; when it was answered (perf counter)."""
        async with self.client.get(page) as answer:  # type: ignore[attr-defined]
            csrf = _TOKEN.search(await answer.text()).group(1)  # type: ignore[union-attr]
        async with self.client.post(action, allow_redirects=False,  # type: ignore[attr-defined]
                                    data={"csrf_token": csrf, **fields}) as answer:
            assert answer.status == 303, (action, answer.status, await answer.text())
        return time.perf_counter()


async def _until_version(client: object, version: int, within_s: float) -> tuple[float, int]:
    """When ``/health`` first showed ``version`` (perf counter), and how many probes met no service."""
    import aiohttp

    missed = 0
    deadline = time.perf_counter() + within_s
    while time.perf_counter() < deadline:
        try:
            async with client.get("/health") as answer:  # type: ignore[attr-defined]
                if answer.status == 200 and (await answer.json())["schedule_version"] == version:
                    return time.perf_counter(), missed
        except aiohttp.ClientConnectionError:
            missed += 1
        await asyncio.sleep(0.05)
    raise AssertionError(f"/health did not show version {version} within {within_s} s")


async def run(args: argparse.Namespace, dsn: str, data_dir: Path) -> None:
    import aiohttp
    from rich.console import Console

    from transit.bootstrap import open_service
    from transit.config import Config
    from transit.model.service_days import service_day_of
    from transit.store.embedded import create_pool

    day = service_day_of(time.time(), ZONE)
    started = time.perf_counter()
    reports = await _store_morning(dsn, data_dir, args.seed, day, args.at)
    print(f"demo city stored, {reports:,} reports of {day} before {args.at} "
          f"({time.perf_counter() - started:.0f} s)")
    start = datetime.strptime("06:30" if args.at == "none" else args.at, "%H:%M").time()
    config = Config(database_url=dsn, data_dir=data_dir, http_port=0, jt808_port=0, simulate=False, seed=args.seed)
    pool = await create_pool(dsn)
    rows = []
    try:
        async with open_service(config, Console(quiet=True), demo=True, day=day, start=start) as service:
            first = service.context.schedule_version
            lines = tuple(sorted(service.context.network.routes)[:args.lines])
            draft_id = await _people_and_draft(pool, first, lines)
            today = day.isoformat()
            async with aiohttp.ClientSession(service.http_url, cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
                approver = Approver(client)
                await approver.log_in()
                page = f"/console/drafts/{draft_id}"
                await approver.act(page, f"{page}/approve")
                answered = await approver.act(page, f"{page}/publish", service_date=today)
                published = int(await pool.fetchval("SELECT id FROM schedule_versions WHERE is_live"))
                rows.append(await _measured(service, client, "publish", answered, published))
                for n in range(1, args.switches):
                    target = first if n % 2 else published
                    answered = await approver.act("/console/versions", f"/console/versions/{target}/roll-back",
                                                  service_date=today)
                    rows.append(await _measured(service, client, "roll back", answered, target))
            service.check()
    finally:
        await pool.close()
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} (2 cores)")
    print("\n".join(rows))


async def _measured(service: object, client: object, act: str, answered: float, version: int) -> str:
    try:
        shown, missed = await _until_version(client, version, 300)
    except AssertionError:
        service.check()  # type: ignore[attr-defined]  # a crashed switch says why
        raise
    switch = service.switches[-1]  # type: ignore[attr-defined]
    assert switch.to_version == version
    return (f"{act:<10} -> version {version}: /health shows it {shown - answered:5.1f} s after the answer "
            f"(read while serving {switch.loaded_s:4.1f} s, closed {switch.down_s:4.1f} s; "
            f"{missed} probes refused)")


def main() -> None:
    import logging

    # The service's own account of each switch (schedule_switching, live_state_restored, schedule_switched).
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    for name in ("transit.bootstrap", "transit.live.restore"):
        logging.getLogger(name).setLevel(logging.INFO)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--at", default="12:00", help="service clock at start, HH:MM, with the reports "
                        "before it stored; none: no reports")
    parser.add_argument("--lines", type=int, default=2, help="lines the draft rebuilds")
    parser.add_argument("--switches", type=int, default=3, help="publish, then roll back and forth")
    args = parser.parse_args()
    from transit.store.embedded import scratch_database

    with tempfile.TemporaryDirectory(prefix="bench-live-switch-") as scratch:
        async def go() -> None:
            async with scratch_database(os.environ.get("DATABASE_URL"), Path(scratch) / "pg",
                                        "bench_live_switch") as dsn:
                await run(args, dsn, Path(scratch) / "data")
        asyncio.run(go())


if __name__ == "__main__":
    main()
