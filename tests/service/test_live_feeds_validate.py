"""Both GTFS-Realtime feeds as the running service serves them, checked by
gtfs-rt-validator (issue 10): not the builders in isolation, not replay, but
buses reporting over JT/T 808 into a live service on a schedule whose first
stops dwell (a bus arrives two minutes before it leaves), where a trip's
start_time must be the first arrival (E023), not the first departure."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
import pytest_asyncio
from google.transit import gtfs_realtime_pb2

from feeds.jt808.messages import Location
from feeds.jt808.terminal import TerminalClient, log_in
from tests.gtfs.tinyfeed import TINY_FEED, zip_feed
from tests.service.conftest import run_service
from transit.bootstrap import Service
from transit.config import Config
from transit.gtfs.feed import load_feed
from transit.model.service_days import service_day_of, service_day_origin
from transit.store.embedded import create_pool
from transit.store.migrate import apply_migrations
from transit.versions import import_feed

TZ = "Asia/Shanghai"
S1, S2, S3 = (35.0690, 109.0720), (35.0720, 109.0760), (35.0750, 109.0800)
DWELL_S = 120  # at the first stop: arrival two minutes before departure
RUN_S = 600  # S1 -> S3


def gtfs_time(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def dwelling_feed(now: float) -> bytes:
    """The tiny feed's stops and shape with a trip every 10 min around ``now``,
    each arriving at its first stop ``DWELL_S`` before it leaves."""
    day = service_day_of(now, TZ)
    now_s = int(now - service_day_origin(day, TZ).timestamp())
    first = (now_s // 600 - 3) * 600
    trips, stop_times = [], []
    for k in range(7):
        leave = first + 600 * k
        trip = f"D{k}"
        trips.append(f"R1,ALL,{trip},0,SH1,B{k},七一路口\n")
        stop_times.append(f"{trip},{gtfs_time(leave - DWELL_S)},{gtfs_time(leave)},S1,1\n"
                          f"{trip},{gtfs_time(leave + 300)},{gtfs_time(leave + 320)},S2,2\n"
                          f"{trip},{gtfs_time(leave + RUN_S)},{gtfs_time(leave + RUN_S)},S3,3\n")
    files = {k: v for k, v in TINY_FEED.items() if k != "calendar_dates"}
    files["trips"] = TINY_FEED["trips"].splitlines(keepends=True)[0] + "".join(trips)
    files["stop_times"] = TINY_FEED["stop_times"].splitlines(keepends=True)[0] + "".join(stop_times)
    files["calendar"] = ("service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
                         f"ALL,1,1,1,1,1,1,1,{day.year - 1}0101,{day.year + 1}1231\n")
    return zip_feed(files)


@dataclass(frozen=True)
class Live:
    service: Service
    gtfs: Path
    started: float


@pytest_asyncio.fixture(loop_scope="session")
async def live(empty_database_url: str, tmp_path: Path) -> AsyncIterator[Live]:
    started = time.time()
    zipped = dwelling_feed(started)
    gtfs = tmp_path / "dwelling.zip"
    gtfs.write_bytes(zipped)
    pool = await create_pool(empty_database_url)
    try:
        await apply_migrations(pool)
        await import_feed(pool, load_feed(zipped, "dwelling.zip"), make_live=True)
    finally:
        await pool.close()
    async with run_service(Config(database_url=empty_database_url, data_dir=tmp_path)) as service:
        yield Live(service, gtfs, started)


def along(fraction: float) -> tuple[float, float]:
    """A point on the S1-S2-S3 shape (straight legs), ``fraction`` of the way."""
    (a, b), share = ((S1, S2), fraction * 2) if fraction < 0.5 else ((S2, S3), fraction * 2 - 1)
    return a[0] + (b[0] - a[0]) * share, a[1] + (b[1] - a[1]) * share


async def report_over_jt808(service: Service, phone: str, plate: str,
                            fixes: list[tuple[float, tuple[float, float], float]]) -> None:
    assert service.jt808 is not None
    client = await TerminalClient.connect("127.0.0.1", service.jt808.port, phone)
    try:
        await log_in(client, plate, f"T{phone[-4:]}", "TC")
        for at, (lat, lon), speed in fixes:
            await client.send(Location.at(lat, lon, at, speed_mps=speed, direction=45))
            await client.receive()  # acknowledged: stored
    finally:
        await client.close()


async def fetch(http: aiohttp.ClientSession, path: str, folder: Path) -> tuple[Path, gtfs_realtime_pb2.FeedMessage]:
    async with http.get(path) as response:
        assert response.status == 200
        body = await response.read()
    out = folder / path.rsplit("/", 1)[1]
    out.write_bytes(body)
    return out, gtfs_realtime_pb2.FeedMessage.FromString(body)


@pytest.mark.slow
async def test_served_feeds_pass_the_validator_on_a_schedule_whose_first_stops_dwell(
        live: Live, tmp_path: Path) -> None:
    api = pytest.importorskip("gtfs_rt_validator.api",
                              reason="gtfs-rt-validator not installed (pip install gtfs-rt-validator)")
    now = time.time()
    # One bus left S1 four minutes ago and reports its way along (a terminal
    # uploading its last fixes at once); another stands at S1 for its next trip.
    running = [(now - 260 + 20 * k, along(min(1.0, (20 * k) / RUN_S)), 0.0 if k == 0 else 4.0)
               for k in range(13)]
    await report_over_jt808(live.service, "13800000011", "陕B10001", running)
    await report_over_jt808(live.service, "13800000012", "陕B10002",
                            [(now - 30, S1, 0.0), (now - 10, S1, 0.0)])
    await live.service.context.live.settle()

    async with aiohttp.ClientSession(live.service.http_url) as http:
        tu_path, trip_updates = await fetch(http, "/gtfs-rt/trip-updates.pb", tmp_path)
        vp_path, positions = await fetch(http, "/gtfs-rt/vehicle-positions.pb", tmp_path)

    on_trips = {e.vehicle.vehicle.id: e.vehicle.trip for e in positions.entity if e.vehicle.trip.trip_id}
    assert set(on_trips) == {"陕B10001", "陕B10002"}
    updated = {e.trip_update.trip.trip_id: e.trip_update.trip for e in trip_updates.entity}
    assert on_trips["陕B10001"].trip_id in updated and on_trips["陕B10002"].trip_id in updated
    # E023: the start time is the first arrival, two minutes before the departure.
    waiting = updated[on_trips["陕B10002"].trip_id]
    network = live.service.context.network
    trip = network.trips[waiting.trip_id]
    assert waiting.start_time == gtfs_time(int(trip.arrivals[0]))
    assert trip.departures[0] - trip.arrivals[0] == DWELL_S

    result = api.validate(api.Request(
        mode=api.Mode.MODERN, gtfs=live.gtfs,
        inputs=api.resolve_roles({"tu": str(tu_path), "vp": str(vp_path)}),
        at=datetime.fromtimestamp(time.time(), ZoneInfo(TZ)),
    ))
    result.write(tmp_path / "report")
    assert not result.has_errors(), f"validator errors {result.error_ids()}; see {tmp_path / 'report'}"


async def test_the_dwelling_feed_is_a_valid_schedule(tmp_path: Path) -> None:
    """The schedule the test serves is itself valid GTFS, with a trip running now."""
    now = time.time()
    loaded = load_feed(dwelling_feed(now), "dwelling.zip")
    day = service_day_of(now, TZ)
    now_s = now - service_day_origin(day, TZ).timestamp()
    assert any(t.departures[0] <= now_s <= t.arrivals[-1] for t in loaded.network.trips.values())
    assert all(t.departures[0] - t.arrivals[0] == DWELL_S for t in loaded.network.trips.values())
