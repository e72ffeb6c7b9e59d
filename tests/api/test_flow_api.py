"""/api/flow on a real PostgreSQL: built days, stop counts per hour, a line's
load per segment and hour with its peak-load point; a day never built or a bad
day is a clear 404 or 400."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import asyncpg
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from tests.cli.observed import events_and_taps
from tests.clock import Clock
from tests.replay.helpers import _network_and_zip
from tests.simulator.helpers import WEEKDAY
from transit.api.app import ServiceContext, init_app
from transit.flow.day import infer_flow
from transit.live.tracking import LiveTracking
from transit.model.service_days import to_unix
from transit.store.flow import replace_flow_day
from transit.store.schedules import insert_version
from transit.tracking.tracker import Tracker

NOON = to_unix(WEEKDAY, 12 * 3600, "Asia/Shanghai")


async def _ok() -> int:
    return 1


@pytest_asyncio.fixture(loop_scope="session")
async def client(clean_pool: asyncpg.Pool) -> AsyncIterator[TestClient]:
    network, _ = _network_and_zip()
    app = init_app(ServiceContext(network, 1, LiveTracking(Tracker(network), Clock(NOON)), _ok, Clock(NOON)),
                   store=clean_pool)
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


async def test_a_built_day_is_served_by_stop_and_by_line(client: TestClient, clean_pool: asyncpg.Pool) -> None:
    network, data = _network_and_zip()
    version = await insert_version(clean_pool, source="small.zip", sha256=hashlib.sha256(data).hexdigest(), feed_zip=data, summary={},
                                   start=None, end=None, make_live=True)
    flow = infer_flow(network, *events_and_taps())
    await replace_flow_day(clean_pool, flow, WEEKDAY, version, NOON)

    (day,) = (await (await client.get("/api/flow/days")).json())["days"]
    assert day["service_date"] == str(WEEKDAY) and day["counts"]["taps"] == flow.counts.taps

    stops = (await (await client.get(f"/api/flow/{WEEKDAY}/stops?route_id=L2")).json())["stops"]
    assert stops and {s["route_id"] for s in stops} == {"L2"}
    expected = sum(s.boardings for s in flow.stops if s.route_id == "L2")
    assert abs(sum(s["boardings"] for s in stops) - expected) < 1e-6

    line = await (await client.get(f"/api/flow/{WEEKDAY}/lines/L1")).json()
    assert [d["direction_id"] for d in line["directions"]] == [0, 1]
    outbound = line["directions"][0]
    assert [s["segment"] for s in outbound["segments"]] == sorted(s["segment"] for s in outbound["segments"])
    peak = outbound["peak_load_point"]
    busiest = max(riders for s in outbound["segments"] for riders in s["riders_by_hour"].values())
    assert peak["load"] == busiest and peak["route_id"] == "L1"
    total = sum(s.load for s in flow.loads if (s.route_id, s.direction_id) == ("L1", 0))
    served = sum(r for s in outbound["segments"] for r in s["riders_by_hour"].values())
    assert abs(served - total) < 0.1 * len(outbound["segments"]) * 24  # rounded to 0.1 per hour


async def test_days_never_built_and_bad_days_say_so(client: TestClient, clean_pool: asyncpg.Pool) -> None:
    missing = await client.get("/api/flow/2025-01-01/stops")
    assert missing.status == 404
    assert "transit flow build --day 2025-01-01" in (await missing.json())["error"]["message"]
    bad = await client.get("/api/flow/yesterday/lines/L1")
    assert bad.status == 400 and "expected YYYY-MM-DD" in (await bad.json())["error"]["message"]
