"""/api/flow on a real PostgreSQL: built days, stop counts per hour, a line's
load per segment and hour with its peak-load point, OD matrices by stop and by
zone, transfers and journeys; a day never built or a bad day is a clear 404 or 400."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import asyncpg
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from tests.cli.observed import events_and_taps
from tests.clock import Clock
from tests.replay.helpers import _network_and_zip
from feeds.flow.build import infer_day
from tests.simulator.helpers import WEEKDAY
from transit.api.app import ServiceContext, init_app
from transit.flow.day import DayFlow
from transit.flow.transfers import JourneyCounts, TransferFlow, Transfers
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
    flow = await _store_day(clean_pool)

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


async def _store_day(pool: asyncpg.Pool, transfers: Transfers | None = None) -> DayFlow:
    """The small simulated day built and stored (with ``transfers`` in place of
    its own: its two lines run 1 km apart, nobody changes between them)."""
    network, data = _network_and_zip()
    version = await insert_version(pool, source="small.zip", sha256=hashlib.sha256(data).hexdigest(), feed_zip=data,
                                   summary={}, start=None, end=None, make_live=True)
    flow, od, inferred = infer_day(network, *events_and_taps())
    await replace_flow_day(pool, flow, WEEKDAY, version, NOON, od=od, transfers=transfers or inferred)
    return flow


async def test_od_by_stop_and_zone_sums_to_the_boardings(client: TestClient, clean_pool: asyncpg.Pool) -> None:
    flow = await _store_day(clean_pool)
    line = await (await client.get(f"/api/flow/{WEEKDAY}/od?level=stop&route_id=L1")).json()
    assert (line["level"], line["route_id"], line["cell_km"]) == ("stop", "L1", None)
    pairs = line["pairs"]
    assert pairs and all(p["origin"].startswith("L1-") and p["destination"].startswith("L1-") for p in pairs)
    assert [p["riders"] for p in pairs] == sorted((p["riders"] for p in pairs), reverse=True)
    on_l1 = sum(s.boardings for s in flow.stops if s.route_id == "L1")
    assert abs(line["riders"] - on_l1) < 0.01 * len(pairs)  # each pair rounded to 0.01
    busiest = pairs[0]
    assert abs(sum(busiest["riders_by_hour"].values()) - busiest["riders"]) < 0.01 * 24
    assert 0 < busiest["chained"] <= busiest["riders"] + 0.01

    network_wide = await (await client.get(f"/api/flow/{WEEKDAY}/od")).json()
    assert abs(network_wide["riders"] - flow.counts.placed) < 0.01 * len(network_wide["pairs"])
    zones = await (await client.get(f"/api/flow/{WEEKDAY}/od?level=zone&cell_km=0.5")).json()
    assert zones["cell_km"] == 0.5 and 0 < len(zones["pairs"]) < len(network_wide["pairs"])
    assert abs(zones["riders"] - network_wide["riders"]) < 0.01 * len(network_wide["pairs"])
    # Each line runs along one row of 500 m cells (L2 is 1 km north of L1): no pair changes row.
    assert all(p["origin"].split("c")[0] == p["destination"].split("c")[0] for p in zones["pairs"])
    assert {p["origin"].split("c")[0] for p in zones["pairs"]} == {"r0", "r2"}

    for query, status, code in (("level=line", 400, "bad_level"), ("level=zone&cell_km=-1", 400, "bad_cell_km"),
                                ("route_id=L9", 404, "unknown_line")):
        answer = await client.get(f"/api/flow/{WEEKDAY}/od?{query}")
        assert answer.status == status and (await answer.json())["error"]["code"] == code


async def test_transfers_and_journeys_are_served(client: TestClient, clean_pool: asyncpg.Pool) -> None:
    change = TransferFlow(WEEKDAY, "L1", "L2", "L1-0-S05", "L2-1-S08", 1001.5, 12, 310.5, 240.0)
    await _store_day(clean_pool, Transfers((change,), (JourneyCounts(WEEKDAY, 100, 88, {1: 76, 2: 12}),)))
    answer = await (await client.get(f"/api/flow/{WEEKDAY}/transfers")).json()
    assert answer["journeys"] == {"legs": 100, "journeys": 88, "transfers": 12, "legs_per_journey": 1.1364,
                                  "by_legs": {"1": 76, "2": 12}}
    assert answer["transfers"] == [{"from_route_id": "L1", "to_route_id": "L2", "from_stop_id": "L1-0-S05",
                                    "to_stop_id": "L2-1-S08", "walk_m": 1001.5, "transfers": 12,
                                    "mean_wait_s": 310.5, "median_wait_s": 240.0}]
    assert (await (await client.get(f"/api/flow/{WEEKDAY}/transfers?route_id=L2")).json())["transfers"]
    assert (await (await client.get(f"/api/flow/{WEEKDAY}/transfers?route_id=L3")).json())["transfers"] == []
    days = (await (await client.get("/api/flow/days")).json())["days"]
    assert days[0]["journeys"]["transfers"] == 12
    assert (await client.get("/api/flow/2025-01-01/transfers")).status == 404


async def test_days_never_built_and_bad_days_say_so(client: TestClient, clean_pool: asyncpg.Pool) -> None:
    missing = await client.get("/api/flow/2025-01-01/stops")
    assert missing.status == 404
    assert "transit flow build --day 2025-01-01" in (await missing.json())["error"]["message"]
    bad = await client.get("/api/flow/yesterday/lines/L1")
    assert bad.status == 400 and "expected YYYY-MM-DD" in (await bad.json())["error"]["message"]
