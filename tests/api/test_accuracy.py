"""/api/accuracy: what the self-checking predictor has judged, as the live state last published it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from tests.api.test_app import MORNING, report
from tests.clock import Clock
from tests.gtfs.tinyfeed import TINY_FEED, zip_feed
from transit.api.accuracy import pooled_accuracy
from transit.api.app import ServiceContext, init_app
from transit.gtfs.feed import load_feed
from transit.live.tracking import LiveTracking
from transit.prediction.accuracy import Accuracy, AccuracyKey
from transit.prediction.ensemble import DCF, MODEL, SelfCheckingPredictor
from transit.prediction.history import History
from transit.prediction.predictor import Predictor
from transit.tracking.tracker import Tracker


async def _ok() -> int:
    return 1


@pytest_asyncio.fixture(loop_scope="session")
async def judged() -> AsyncIterator[tuple[TestClient, LiveTracking]]:
    network = load_feed(zip_feed(TINY_FEED), "tiny.zip").network
    accuracy = Accuracy(half_life=1e9)
    for error in (-60.0, 20.0):
        accuracy.add(AccuracyKey("R1", 0, 1, MODEL), error)
    accuracy.add(AccuracyKey("R1", 0, 1, DCF), 200.0)
    live = LiveTracking(Tracker(network), Clock(MORNING),
                        predictor=SelfCheckingPredictor(network, Predictor(network, History()), accuracy))
    client = TestClient(TestServer(init_app(ServiceContext(network, 1, live, _ok, Clock(MORNING)))))
    await client.start_server()
    try:
        yield client, live
    finally:
        await client.close()


async def test_accuracy_is_served_per_route_and_pooled(judged: tuple[TestClient, LiveTracking]) -> None:
    client, live = judged
    assert live.snapshot.accuracy == ()  # nothing published before the first batch
    live.apply([report("V1", MORNING)])
    body = await (await client.get("/api/accuracy")).json()
    routes = {(r["route_id"], r["horizon"], r["method"]): r for r in body["routes"]}
    model = routes[("R1", "3-6 min", MODEL)]
    assert (model["scored"], model["mae_s"], model["bias_s"], model["within_band"]) == (2, 40.0, -20.0, 1.0)
    assert routes[("R1", "3-6 min", DCF)]["within_band"] == 0.0  # 200 s late: outside (-60, +150)
    assert {(r["route_id"], r["method"]) for r in body["pooled"]} == {("*", MODEL), ("*", DCF)}
    assert pooled_accuracy(live.snapshot.accuracy)[MODEL]["3-6 min"] == {
        "scored": 2, "mae_s": 40.0, "bias_s": -20.0, "within_band": 1.0}
