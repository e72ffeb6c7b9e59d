"""A running service follows the live schedule version (docs/console.md,
"Timetable approval"): version A runs; B is published (here as a roll-back,
the act that needs no draft) and the service serves B within seconds, on the
same port, without a restart; a publication for a later service day waits
for that day on the clock the service is given; no report acknowledged
around the switch is lost; and a demo restart keeps what was published.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
import weakref
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
import pytest_asyncio
from rich.console import Console

from tests.clock import Clock
from tests.gtfs.tinyfeed import TINY_FEED, replace_line, with_changes, zip_feed
from tests.service.conftest import NEAR_S2, free_port
from transit.bootstrap import Service, open_service
from transit.config import Config
from transit.console.access import Actor, Grant, Role
from transit.demo import demo_source_name, ensure_demo_schedule
from transit.gtfs.feed import load_feed
from transit.model.network import Network
from transit.model.service_days import SERVICE_DAY_TURNS_AT, service_day_of
from transit.store import schedules
from transit.store.publications import list_publications, roll_back
from transit.store.reports import list_reports
from transit.versions import import_feed

ZONE = "Asia/Shanghai"
NEW_NAME = "王益汽车站—七一路口（新线）"
APPROVER = Actor("zhang", (Grant(Role.APPROVER),))
WATCH_EVERY_S = 0.3


@pytest_asyncio.fixture(loop_scope="session")
async def version_b(tiny_store: asyncpg.Pool) -> int:
    """The tiny feed (version A, live) and B beside it: the same with line 1 renamed."""
    feed = with_changes(routes=replace_line("routes", "王益汽车站—七一路口", NEW_NAME))
    return await import_feed(tiny_store, load_feed(feed, "tiny-b.zip"), make_live=False)


@contextlib.asynccontextmanager
async def following(database_url: str, data_dir: Path, wall_clock: Clock | None = None) -> AsyncIterator[Service]:
    config = Config(database_url=database_url, data_dir=data_dir, http_port=0, jt808_port=free_port(),
                    jt808_auth_key="test-key")
    async with open_service(config, Console(quiet=True), demo=False, watch_every_s=WATCH_EVERY_S,
                            **({} if wall_clock is None else {"wall_clock": wall_clock})) as running:
        yield running
        running.check()  # neither a generation's work nor the switching crashed


async def health_version(http: aiohttp.ClientSession) -> int:
    async with http.get("/health") as response:
        assert response.status == 200
        return int((await response.json())["schedule_version"])


async def wait_for_version(service: Service, version: int, within_s: float) -> float:
    """Seconds until /health, asked at the service's address, says ``version``."""
    started = time.monotonic()
    async with aiohttp.ClientSession() as http:
        while time.monotonic() - started < within_s:
            with contextlib.suppress(aiohttp.ClientConnectionError):
                async with http.get(f"{service.http_url}/health") as response:
                    if response.status == 200 and (await response.json())["schedule_version"] == version:
                        return time.monotonic() - started
            await asyncio.sleep(0.1)
    raise AssertionError(f"/health did not show version {version} within {within_s} s")


async def line_name(base: str) -> str:
    async with aiohttp.ClientSession(base) as http, http.get("/api/lines/R1") as response:
        assert response.status == 200
        return str((await response.json())["long_name"])


async def test_a_publication_from_today_switches_the_running_service(
    tiny_store: asyncpg.Pool, version_b: int, empty_database_url: str, tmp_path: Path
) -> None:
    version_a = (await schedules.find_live_version(tiny_store)).id  # type: ignore[union-attr]
    async with following(empty_database_url, tmp_path) as service:
        base = service.http_url
        assert service.context.schedule_version == version_a
        assert await line_name(base) == "王益汽车站—七一路口"
        old_live = weakref.ref(service.context.live)
        old_network = id(service.context.network)  # a Network takes no weak reference (slots)
        now = time.time()
        today = service_day_of(now, ZONE)
        await roll_back(tiny_store, version_b, APPROVER, at=now, today=today, effective_from=today)
        await wait_for_version(service, version_b, within_s=10)
        assert service.http_url == base  # the same port
        assert await line_name(base) == NEW_NAME
        (switch,) = service.switches
        assert (switch.from_version, switch.to_version) == (version_a, version_b)
        assert 0 <= switch.down_s <= switch.total_s < 10
        # The old generation's live state is gone, not kept frozen (``settle_heap``),
        assert old_live() is None
        # and nothing keeps its network (the new one was made while it lived: another address).
        gc.unfreeze()
        gc.collect()
        networks = {id(o) for o in gc.get_objects() if isinstance(o, Network)}
        assert id(service.context.network) in networks and old_network not in networks


async def test_a_publication_for_a_later_day_waits_for_that_day(
    tiny_store: asyncpg.Pool, version_b: int, empty_database_url: str, tmp_path: Path
) -> None:
    version_a = (await schedules.find_live_version(tiny_store)).id  # type: ignore[union-attr]
    clock = Clock(time.time())
    today = service_day_of(clock.now, ZONE)
    tomorrow = today + timedelta(days=1)
    # The service day turns at 03:00: a second before, it is still today's.
    turn = datetime.combine(tomorrow, datetime.min.time(), ZoneInfo(ZONE)) + SERVICE_DAY_TURNS_AT
    async with following(empty_database_url, tmp_path, wall_clock=clock) as service:
        await roll_back(tiny_store, version_b, APPROVER, at=clock.now, today=today, effective_from=tomorrow)
        clock.now = turn.timestamp() - 1
        await asyncio.sleep(WATCH_EVERY_S * 6)
        async with aiohttp.ClientSession(service.http_url) as http:
            assert await health_version(http) == version_a
        assert (await schedules.find_live_version(tiny_store)).id == version_a  # type: ignore[union-attr]
        assert service.switches == []

        clock.now = turn.timestamp() + 1
        await wait_for_version(service, version_b, within_s=10)
        assert await line_name(service.http_url) == NEW_NAME
    (publication,) = await list_publications(tiny_store)
    assert publication.applied_at == turn.timestamp() + 1  # taken effect by the watch, on its clock
    assert publication.previous_version_id == version_a


async def test_no_acknowledged_report_is_lost_across_a_switch(
    tiny_store: asyncpg.Pool, version_b: int, empty_database_url: str, tmp_path: Path
) -> None:
    """A bus pushes a report every 50 ms, each sent again until acknowledged
    (as a feed does); the switch happens meanwhile. Every report acknowledged
    is stored, and the new generation's live state has the bus."""
    acknowledged: list[float] = []
    async with following(empty_database_url, tmp_path) as service:
        base = service.http_url
        switched = asyncio.Event()

        async def push() -> None:
            async with aiohttp.ClientSession(base) as http:
                extra = 10  # reports after the switch, so the new generation takes some too
                while extra:
                    stamp = round(time.time(), 3)  # stored to the microsecond
                    report = {"vehicle_id": "TC0009", "timestamp": stamp, "lat": NEAR_S2[0], "lon": NEAR_S2[1]}
                    while True:
                        try:
                            async with http.post("/api/push/reports", json=[report],
                                                 headers={"X-Push-Key": "demo-push-key"}) as response:
                                if response.status == 200 and (await response.json())["accepted"] == 1:
                                    acknowledged.append(stamp)
                                    break
                        except aiohttp.ClientError:
                            pass  # the port closed for the switch: send it again
                        await asyncio.sleep(0.05)
                    extra -= switched.is_set()
                    await asyncio.sleep(0.05)

        pusher = asyncio.create_task(push())
        await asyncio.sleep(0.5)
        now = time.time()
        today = service_day_of(now, ZONE)
        await roll_back(tiny_store, version_b, APPROVER, at=now, today=today, effective_from=today)
        await wait_for_version(service, version_b, within_s=10)
        switched.set()
        await asyncio.wait_for(pusher, 20)
        stored = await list_reports(tiny_store, "TC0009", acknowledged[0] - 1, acknowledged[-1] + 1)
        assert sorted(round(r.timestamp, 3) for r in stored) == sorted(acknowledged)
        await service.context.live.settle()
        async with aiohttp.ClientSession(base) as http, http.get("/api/vehicles") as response:
            vehicles = (await response.json())["vehicles"]
        assert [v["vehicle_id"] for v in vehicles] == ["TC0009"]
    # Acknowledged before the switch began and after it: the pushes spanned it.
    (switch,) = service.switches
    assert min(acknowledged) < switch.noticed_at < max(acknowledged)


async def test_a_demo_restart_keeps_the_published_version(
    tiny_store: asyncpg.Pool, version_b: int, tmp_path: Path
) -> None:
    """``transit demo`` makes its city live at start, but never over a version
    an approver published: a restart after a switch serves what the switch did."""
    city = await import_feed(tiny_store, load_feed(zip_feed(TINY_FEED), demo_source_name(7)), make_live=True)
    config = Config(data_dir=tmp_path)
    await ensure_demo_schedule(tiny_store, config, Console(quiet=True))
    assert (await schedules.find_live_version(tiny_store)).id == city  # type: ignore[union-attr]
    now = time.time()
    today = service_day_of(now, ZONE)
    await roll_back(tiny_store, version_b, APPROVER, at=now, today=today, effective_from=today)
    await ensure_demo_schedule(tiny_store, config, Console(quiet=True))
    assert (await schedules.find_live_version(tiny_store)).id == version_b  # type: ignore[union-attr]
