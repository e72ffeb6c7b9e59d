"""Both GTFS-Realtime feeds as the running service serves them, on the real
cases (WMATA 2026-02-16, Kaohsiung day 7), checked by gtfs-rt-validator
(issue 10: "served live, not only in replay").
Prints every snapshot's errors and warnings; exit status 1 if any has an error.

    .venv/bin/python scripts/validate_live_feeds.py [--case wmata|kaohsiung|all] [--at HH:MM]
        [--minutes 3] [--every-s 60] [--backlog-min 20]

Needs ../shared/data (a case without its data is skipped, said so) and
gtfs-rt-validator (pip install gtfs-rt-validator). DATABASE_URL: a server to
make the scratch database on, else an embedded one.

The service runs on a scratch database with the case's GTFS as its live
version and its clock set to the recorded day (``open_service(..., day=,
start=)``, real time from there); the recording's reports are pushed over
``POST /api/push/reports`` as they come due (the last ``backlog_min`` minutes
at once first, as terminals upload buffered fixes), with the feed's own trip
descriptors and no assignments. Every ``every_s`` seconds both feeds are
fetched from the service and validated against the GTFS at the service's time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
from google.transit import gtfs_realtime_pb2
from rich.console import Console

from transit.bootstrap import Service, open_service
from transit.config import Config
from transit.gtfs.feed import load_feed
from transit.records import VehicleReport
from transit.store.embedded import create_pool, scratch_database
from transit.store.migrate import apply_migrations
from transit.versions import import_feed

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
PUSH_KEY = "validate-push-key"
BATCH = 2_000


@dataclass(frozen=True)
class Case:
    name: str
    gtfs: Path
    day: date
    timezone: str  # the GTFS agency's
    reports: tuple[VehicleReport, ...]  # the day's, in time order


def wmata_case(folder: Path) -> Case | None:
    from feeds.replay.sources import load_day

    if not (folder / "gtfs.zip").exists():
        return None
    reports = load_day(folder / "vehicle_positions.csv.gz").day.reports
    return Case("WMATA 2026-02-16", folder / "gtfs.zip", date(2026, 2, 16), "America/New_York", _in_order(reports))


def kaohsiung_case(folder: Path, out: Path) -> Case | None:
    from feeds.kaohsiung.case import TIMEZONE, build_case
    from feeds.kaohsiung.files import write_case
    from feeds.kaohsiung.source import read_week
    from feeds.replay.sources import load_day

    if not (folder / "routes").exists():
        return None
    files = write_case(build_case(read_week(folder)), out)
    last = files.day_folders()[-1]
    reports = load_day(last).day.reports
    return Case(f"Kaohsiung {last.name} (day 7)", files.gtfs, date.fromisoformat(last.name), TIMEZONE,
                _in_order(reports))


def _in_order(reports: Sequence[VehicleReport]) -> tuple[VehicleReport, ...]:
    return tuple(sorted(reports, key=lambda r: r.timestamp))


def push_item(report: VehicleReport) -> dict[str, object]:
    """A report as ``POST /api/push/reports`` takes it, with the feed's trip descriptor."""
    item: dict[str, object] = {"vehicle_id": report.vehicle_id, "timestamp": report.timestamp,
                               "lat": report.lat, "lon": report.lon}
    optional = {"speed_mps": report.speed_mps, "bearing": report.bearing, "trip_id": report.trip_id,
                "route_id": report.route_id, "direction_id": report.direction_id,
                "start_date": None if report.start_date is None else report.start_date.isoformat()}
    item.update({k: v for k, v in optional.items() if v is not None})
    return item


@dataclass(frozen=True)
class Snapshot:
    at: datetime  # the service's time
    trip_updates: int
    vehicles: int
    errors: Counter[str]
    warnings: Counter[str]


async def push(http: aiohttp.ClientSession, reports: Sequence[VehicleReport]) -> int:
    """Push ``reports``; the number refused (each reason printed once)."""
    refused = 0
    for k in range(0, len(reports), BATCH):
        body = [push_item(r) for r in reports[k:k + BATCH]]
        async with http.post("/api/push/reports", json=body, headers={"X-Push-Key": PUSH_KEY}) as response:
            answer = await response.json()
            if response.status not in (200, 400) or "rejected" not in answer:  # 400: every item refused
                raise RuntimeError(f"push answered {response.status}: {answer}")
        refused += len(answer["rejected"])
    return refused


async def snapshot(http: aiohttp.ClientSession, service: Service, case: Case, folder: Path) -> Snapshot:
    api = __import__("gtfs_rt_validator.api", fromlist=["api"])
    folder.mkdir(parents=True)
    paths = {}
    counts = {}
    for role, path in (("tu", "/gtfs-rt/trip-updates.pb"), ("vp", "/gtfs-rt/vehicle-positions.pb")):
        async with http.get(path) as response:
            body = await response.read()
        paths[role] = folder / f"{role}.pb"
        paths[role].write_bytes(body)
        counts[role] = len(gtfs_realtime_pb2.FeedMessage.FromString(body).entity)
    at = datetime.fromtimestamp(service.context.clock(), ZoneInfo(service.context.network.timezone))
    result = await asyncio.to_thread(api.validate, api.Request(
        mode=api.Mode.MODERN, gtfs=case.gtfs, inputs=api.resolve_roles({k: str(v) for k, v in paths.items()}),
        at=at))
    result.write(folder / "report")
    errors = set(result.error_ids())
    others = set(result.run.notices.rule_ids()) - errors  # warnings and notes
    return Snapshot(at, counts["tu"], counts["vp"], Counter(errors), Counter(others))


async def run_case(case: Case, at: clock_time, minutes: float, every_s: float, backlog_min: float,
                   database_url: str | None, scratch: Path, say: Callable[[str], None] = print) -> list[Snapshot]:
    """Serve ``case`` from ``at`` for ``minutes`` (real time) and validate both
    feeds every ``every_s`` seconds; the snapshots, each said as it is taken."""
    async with scratch_database(database_url, scratch / "db", prefix="validate_live") as dsn:
        pool = await create_pool(dsn)
        try:
            await apply_migrations(pool)
            await import_feed(pool, load_feed(case.gtfs.read_bytes(), case.gtfs.name), make_live=True)
        finally:
            await pool.close()
        start = datetime.combine(case.day, at, tzinfo=ZoneInfo(case.timezone)).timestamp()
        opened = time.monotonic()
        config = Config(database_url=dsn, data_dir=scratch, http_port=0, jt808_port=0,
                        push_keys=f"validate:{PUSH_KEY}:1000:1000")
        async with open_service(config, Console(quiet=True), demo=False, day=case.day, start=at,
                                wall_clock=lambda: start + time.monotonic() - opened) as service:
            async with aiohttp.ClientSession(service.http_url) as http:
                return await _feed_and_validate(http, service, case, minutes, every_s, backlog_min, scratch, say)


def an_hour_in(case: Case) -> clock_time:
    """An hour after the case's first report, in its timezone."""
    first = datetime.fromtimestamp(case.reports[0].timestamp + 3600, ZoneInfo(case.timezone))
    return first.time().replace(microsecond=0)


async def _feed_and_validate(http: aiohttp.ClientSession, service: Service, case: Case, minutes: float,
                             every_s: float, backlog_min: float, scratch: Path,
                             say: Callable[[str], None]) -> list[Snapshot]:
    clock = service.context.clock
    now = clock()
    first = next((k for k, r in enumerate(case.reports) if r.timestamp >= now - backlog_min * 60), len(case.reports))
    sent = next((k for k, r in enumerate(case.reports) if r.timestamp > now), len(case.reports))
    refused = await push(http, case.reports[first:sent])
    say(f"  backlog: {sent - first:,} reports of the last {backlog_min:.0f} min pushed ({refused} refused)")
    end = time.monotonic() + minutes * 60
    next_check = time.monotonic() + every_s
    snapshots = []
    while time.monotonic() < end:
        await asyncio.sleep(1.0)
        now = clock()
        due = next((k for k in range(sent, len(case.reports)) if case.reports[k].timestamp > now),
                   len(case.reports))
        refused += await push(http, case.reports[sent:due])
        sent = due
        if time.monotonic() >= next_check:
            await service.context.live.settle()
            found = await snapshot(http, service, case, scratch / f"snapshot{len(snapshots)}")
            snapshots.append(found)
            say(f"  {found.at:%H:%M:%S}: {found.trip_updates} trip updates, {found.vehicles} vehicles; "
                  f"errors {dict(found.errors) or 'none'}; warnings {dict(found.warnings) or 'none'}")
            next_check += every_s
    say(f"  {sent - first:,} reports pushed in all, {refused} refused")
    return snapshots


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", choices=("wmata", "kaohsiung", "all"), default="all")
    parser.add_argument("--at", type=clock_time.fromisoformat, default=None,
                        help="the recorded day's time of day the service starts at (default: an hour "
                        "after its first report)")
    parser.add_argument("--minutes", type=float, default=3.0, help="real minutes served per case (default 3)")
    parser.add_argument("--every-s", type=float, default=60.0, help="seconds between validated snapshots")
    parser.add_argument("--backlog-min", type=float, default=20.0,
                        help="minutes of reports before the start pushed at once (default 20)")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    try:
        __import__("gtfs_rt_validator.api")
    except ImportError:
        print("gtfs-rt-validator not installed: pip install gtfs-rt-validator")
        return 2
    failed = False
    with tempfile.TemporaryDirectory() as scratch:
        cases = []
        if args.case in ("wmata", "all"):
            cases.append(("WMATA", lambda: wmata_case(args.data / "wmata-2026-02-16")))
        if args.case in ("kaohsiung", "all"):
            cases.append(("Kaohsiung", lambda: kaohsiung_case(args.data / "kaohsiung-2018-11",
                                                               Path(scratch) / "kaohsiung")))
        for name, build in cases:
            case = build()
            if case is None:
                print(f"{name}: skipped, no data under {args.data}")
                continue
            at = args.at or an_hour_in(case)
            print(f"{case.name}: service from {at} for {args.minutes:g} min, "
                  f"{len(case.reports):,} reports in the day")
            folder = Path(scratch) / name
            folder.mkdir()
            snapshots = asyncio.run(run_case(case, at, args.minutes, args.every_s, args.backlog_min,
                                             os.environ.get("DATABASE_URL"), folder))
            bad = [s for s in snapshots if s.errors]
            print(f"  {len(snapshots)} snapshots validated: "
                  + ("no errors" if not bad else f"{len(bad)} with errors"))
            failed = failed or bool(bad) or not snapshots
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
