"""The console with its live view and alarms, served by the service's own
application factory over the hand-made line of ``tests.console.live_helpers``
on a real PostgreSQL, its background work (the alarm watch, the socket's
rounds) running fast; the live state is whatever snapshot a test sets."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from types import MappingProxyType

import asyncpg
from aiohttp.test_utils import TestClient, TestServer

from tests.clock import Clock
from tests.console.live_helpers import NETWORK, departures
from transit.api.app import BACKGROUND, ServiceContext, init_app
from transit.api.console import ConsoleSettings
from transit.live.tracking import LiveSnapshot, LiveTracking
from transit.records import StopEvent
from transit.tracking.state import VehicleState
from transit.tracking.tracker import Tracker

SETTINGS = ConsoleSettings(alarm_every_s=0.05, alarm_clear_after_s=30.0, push_every_s=0.05)


async def _ok() -> int:
    return 1


def set_live(live: LiveTracking, now: float, vehicles: Iterable[VehicleState],
             events: Sequence[StopEvent] = ()) -> None:
    """Make the live state these vehicles and departures, as at ``now``."""
    live.snapshot = LiveSnapshot(now, MappingProxyType({v.vehicle_id: v for v in vehicles}),
                                 departures=departures(events))


@asynccontextmanager
async def live_console(pool: asyncpg.Pool, clock: Clock, settings: ConsoleSettings = SETTINGS
                       ) -> AsyncIterator[tuple[TestClient, LiveTracking]]:
    """A client of the console, and the live state it shows; the clock is
    both the service's and the sessions' (one hand-set clock)."""
    live = LiveTracking(Tracker(NETWORK), clock)
    app = init_app(ServiceContext(NETWORK, 1, live, _ok, clock), store=pool, console=settings, wall_clock=clock)
    client = TestClient(TestServer(app))
    await client.start_server()
    tasks = [asyncio.create_task(work(), name=name) for name, work in app[BACKGROUND]
             if name.startswith("console_")]
    try:
        yield client, live
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await client.close()


async def eventually(check: Callable[[], Awaitable[bool]], within_s: float = 5.0) -> None:
    """Wait until ``check()`` holds (the watch and the socket run every 50 ms)."""
    deadline = time.monotonic() + within_s
    while not await check():
        assert time.monotonic() < deadline, "did not happen in time"
        await asyncio.sleep(0.02)
