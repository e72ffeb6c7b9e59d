"""The app API (/app/v1) on the tiny network with a hand-built live snapshot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.clock import Clock
from tests.gtfs.tinyfeed import TINY_FEED, zip_feed
from transit.api.app_api import API, add_app_routes
from transit.api.ratelimit import KeyPolicy
from transit.arrivals import StopTimetable
from transit.flow.crowding import Crowding, Occupancy
from transit.geo import distance_m, wgs84_to_gcj02
from transit.gtfs.feed import load_feed
from transit.live.tracking import LiveSnapshot
from transit.model.service_days import to_unix
from transit.prediction.publish import EMPTY_BOARD, update_board
from transit.prediction.types import StopPrediction, TripPrediction
from transit.tracking.state import StopStatus, TripRef, VehicleState

NETWORK = load_feed(zip_feed(TINY_FEED), "tiny.zip").network
DAY = date(2026, 3, 2)
NOW = to_unix(DAY, 8 * 3600, "Asia/Shanghai")  # T2 leaves S1 at 08:00, due at S2 08:04
KEY, SLOW_KEY = "k-app", "k-slow"
HEADERS = {"X-Api-Key": KEY}
T2 = TripRef("T2", "R1", 0, DAY, 8 * 3600, "B1")


def live_snapshot(now: float = NOW) -> LiveSnapshot:
    """TC0001 runs T2 two minutes late, next stop S2 (predicted at now + 400 s)."""
    bus = VehicleState("TC0001", now - 10, 35.0705, 109.0740, 6.0, 45.0, T2, 1, 2, "S2",
                       StopStatus.IN_TRANSIT_TO, 250.0, 120.0)
    stops = (StopPrediction(2, "S2", now + 400, now + 420, 30.0), StopPrediction(3, "S3", now + 700, None, 40.0))
    board = update_board(EMPTY_BOARD, "TC0001", [TripPrediction(T2, "TC0001", now - 10, 120.0, stops)], now)
    # 33.6 riders on board by today's taps: 42% of 80, all seats taken.
    crowding = Crowding("TC0001", "T2", DAY, 33.6, 42, Occupancy.STANDING_ROOM_ONLY, True, 41, now - 30)
    return LiveSnapshot(now, MappingProxyType({"TC0001": bus}), predictions=board,
                        crowding=MappingProxyType({"TC0001": crowding}))


CROWDING = {"status": "standing_room_only", "percentage": 42, "label": "较挤", "learned": True}


@dataclass
class Served:
    client: TestClient
    clock: Clock
    live: list[LiveSnapshot]  # live[0] is what the API reads
    api: web.Application

    async def get(self, path: str, status: int = 200, headers: dict[str, str] | None = HEADERS) -> dict:  # type: ignore[type-arg]
        response = await self.client.get(path, headers=headers)
        assert response.status == status, await response.text()
        assert response.content_type == "application/json"
        return await response.json()


@pytest_asyncio.fixture(loop_scope="session")
async def served() -> AsyncIterator[Served]:
    clock, live = Clock(NOW), [live_snapshot()]
    app = web.Application()
    api = add_app_routes(app, network=NETWORK, timetable=StopTimetable(NETWORK), snapshot=lambda: live[0],
                         clock=clock, keys={KEY: KeyPolicy("app", 1000.0, 1000), SLOW_KEY: KeyPolicy("slow", 1.0, 2)})
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield Served(client, clock, live, api)
    finally:
        await client.close()


async def test_nearby_stops_nearest_first_with_lines(served: Served) -> None:
    body = await served.get("/app/v1/stops/nearby?lat=35.0720&lon=109.0760&radius=300")
    assert [(s["stop_id"], s["distance_m"]) for s in body["stops"]] == [("S2", 0.0)]
    assert body["stops"][0]["lines"] == [{"route_id": "R1", "short_name": "1路"}]
    body = await served.get("/app/v1/stops/nearby?lat=35.0721&lon=109.0760&radius=3000")
    assert [s["stop_id"] for s in body["stops"]][0] == "S2"
    distances = [s["distance_m"] for s in body["stops"]]
    assert len(distances) == 3 and distances == sorted(distances)
    body = await served.get("/app/v1/stops/nearby?lat=35.0721&lon=109.0760&radius=3000&limit=1")
    assert len(body["stops"]) == 1


async def test_nearby_reads_and_writes_gcj02(served: Served) -> None:
    lat, lon = wgs84_to_gcj02(35.0720, 109.0760)
    body = await served.get(f"/app/v1/stops/nearby?lat={lat}&lon={lon}&radius=100&coords=gcj02")
    (s2,) = body["stops"]
    assert s2["stop_id"] == "S2" and s2["distance_m"] < 0.5
    assert (s2["lat"], s2["lon"]) == (round(lat, 6), round(lon, 6))
    assert distance_m(s2["lat"], s2["lon"], 35.0720, 109.0760) > 100  # really moved


async def test_bad_nearby_parameters_are_400(served: Served) -> None:
    for query in ["lat=35.07&lon=109.07&radius=50000", "lat=35.07&lon=109.07&radius=0", "lat=35.07&lon=109.07&radius=nan",
                  "lat=35.07&lon=109.07&radius=abc", "lon=109.07", "lat=95&lon=109.07", "lat=35.07&lon=109.07&coords=bd09"]:
        body = await served.get(f"/app/v1/stops/nearby?{query}", 400)
        assert body["error"]["code"] == "invalid_parameter", query


async def test_arrivals_mark_predicted_and_scheduled(served: Served) -> None:
    body = await served.get("/app/v1/stops/S2/arrivals")
    assert body["stop"]["name"] == "红旗街十字" and body["at"] == round(NOW)
    (line,) = body["lines"]
    assert (line["route_id"], line["short_name"]) == ("R1", "1路")
    (t2,) = line["arrivals"]
    assert t2 == {"trip_id": "T2", "headsign": "七一路口", "direction_id": 0, "time": round(NOW + 400),
                  "scheduled": round(NOW + 240), "minutes": 6, "source": "predicted", "vehicle_id": "TC0001",
                  "delay_s": 160, "uncertainty_s": 30, "crowding": CROWDING}
    served.live[0] = LiveSnapshot(NOW)  # nobody tracked: the timetable, marked
    (t2,) = (await served.get("/app/v1/stops/S2/arrivals"))["lines"][0]["arrivals"]
    assert (t2["source"], t2["vehicle_id"], t2["minutes"], t2["delay_s"], t2["crowding"]) == (
        "scheduled", None, 4, None, None)
    served.live[0] = live_snapshot()


async def test_arrivals_are_computed_once_per_snapshot_and_minute(served: Served) -> None:
    cache = served.api[API].arrivals
    await served.get("/app/v1/stops/S3/arrivals")
    builds = cache.builds
    for _ in range(3):
        await served.get("/app/v1/stops/S3/arrivals")
    assert cache.builds == builds
    served.clock.now = NOW + 61
    await served.get("/app/v1/stops/S3/arrivals")
    assert cache.builds == builds + 1
    served.live[0] = live_snapshot()
    await served.get("/app/v1/stops/S3/arrivals")
    assert cache.builds == builds + 2
    served.clock.now = NOW


async def test_line_stops_in_order_per_direction(served: Served) -> None:
    body = await served.get("/app/v1/lines/R1")
    (direction,) = body["directions"]
    assert (direction["direction_id"], direction["headsign"]) == (0, "七一路口")
    assert [(s["stop_id"], s["stop_sequence"]) for s in direction["stops"]] == [("S1", 1), ("S2", 2), ("S3", 3)]
    assert direction["stops"][0]["lat"] == 35.069
    gcj = await served.get("/app/v1/lines/R1?coords=gcj02")
    first = gcj["directions"][0]["stops"][0]
    assert (first["lat"], first["lon"]) == tuple(round(c, 6) for c in wgs84_to_gcj02(35.0690, 109.0720))


async def test_line_vehicles_with_next_stop_and_delay(served: Served) -> None:
    body = await served.get("/app/v1/lines/R1/vehicles")
    (bus,) = body["vehicles"]
    assert (bus["vehicle_id"], bus["lat"], bus["lon"], bus["delay_s"], bus["age_s"]) == ("TC0001", 35.0705, 109.074, 120, 10.0)
    assert bus["next_stop"] == {"stop_id": "S2", "name": "红旗街十字", "lat": 35.072, "lon": 109.076,
                                "stop_sequence": 2, "status": "in_transit_to", "arrival": round(NOW + 400)}
    assert bus["crowding"] == CROWDING
    gcj = (await served.get("/app/v1/lines/R1/vehicles?coords=gcj02"))["vehicles"][0]
    assert (gcj["lat"], gcj["lon"]) == tuple(round(c, 6) for c in wgs84_to_gcj02(35.0705, 109.0740))
    served.clock.now = NOW + 400  # silent for over 5 minutes: gone, not frozen
    assert (await served.get("/app/v1/lines/R1/vehicles"))["vehicles"] == []
    served.clock.now = NOW


async def test_vehicle_next_stops(served: Served) -> None:
    body = await served.get("/app/v1/vehicles/TC0001/next-stops")
    assert body["vehicle"]["trip_id"] == "T2"
    assert [(s["stop_id"], s["arrival"], s["minutes"]) for s in body["next_stops"]] == [
        ("S2", round(NOW + 400), 6), ("S3", round(NOW + 700), 11)]
    body = await served.get("/app/v1/vehicles/TC0009/next-stops", 404)
    assert body["error"]["code"] == "unknown_vehicle"


async def test_unknown_ids_are_clean_json_404s(served: Served) -> None:
    cases = {
        "/app/v1/stops/S9/arrivals": "unknown_stop",
        "/app/v1/stops/1'%20OR%20'1'='1/arrivals": "unknown_stop",
        "/app/v1/stops/%3Cscript%3Ealert(1)%3C%2Fscript%3E/arrivals": "unknown_stop",
        "/app/v1/lines/R1;DROP%20TABLE%20stops": "unknown_line",
        "/app/v1/lines/%3Cimg%20src=x%3E/vehicles": "unknown_line",
        "/app/v1/no/such/path": "not_found",
    }
    for path, code in cases.items():
        response = await served.client.get(path, headers=HEADERS)
        raw = await response.read()
        assert (response.status, response.content_type) == (404, "application/json"), path
        assert b"<" not in raw and b">" not in raw
        assert (await response.json())["error"]["code"] == code
    body = await served.get("/app/v1/stops/%3Cscript%3E/arrivals", 404)
    assert body["error"]["message"] == "no stop with stop_id '<script>'"


async def test_keys_missing_unknown_and_in_the_query(served: Served) -> None:
    body = await served.get("/app/v1/lines/R1", 401, headers=None)
    assert body["error"]["code"] == "missing_key"
    body = await served.get("/app/v1/lines/R1", 401, headers={"X-Api-Key": "nope"})
    assert body["error"]["code"] == "unknown_key"
    await served.get(f"/app/v1/lines/R1?key={KEY}", headers=None)


async def test_429_after_the_burst_with_retry_after(served: Served) -> None:
    slow = {"X-Api-Key": SLOW_KEY}
    served.clock.now = NOW + 1000  # a fresh full bucket whatever ran before
    await served.get("/app/v1/lines/R1", headers=slow)
    await served.get("/app/v1/lines/R1", headers=slow)
    response = await served.client.get("/app/v1/lines/R1", headers=slow)
    assert response.status == 429 and response.headers["Retry-After"] == "1"
    assert (await response.json())["error"]["code"] == "rate_limited"
    await served.get("/app/v1/lines/R1")  # another key is not limited
    served.clock.now += 1.0
    await served.get("/app/v1/lines/R1", headers=slow)
    served.clock.now = NOW
