"""The tap push's edges without a database: the registry's reloads, a reader's
rate, and a database that cannot take the taps now (503: nothing acknowledged)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.clock import Clock
from transit.api.ratelimit import KeyPolicy
from transit.api.reader_auth import ReaderDirectory, RegistryUnavailable
from transit.api.tap_push import ReaderPush, add_tap_push_routes
from transit.ingest import RawTap, TapOutcome
from transit.readers import Reader, new_reader

NOW = 1_772_409_420.0
KEY = "r" * 43
HEADERS = {"X-Reader-Id": "POS-1", "X-Reader-Key": KEY}
TAP = {"txn_id": "T1", "card_id": "3100123412341234", "time": NOW - 5, "medium": "card"}


@dataclass
class Registry:
    readers: list[Reader] = field(default_factory=lambda: [new_reader("POS-1", "TC0001", KEY, NOW)])
    loads: int = 0
    down: bool = False

    async def __call__(self) -> list[Reader]:
        self.loads += 1
        if self.down:
            raise ConnectionError("database down")
        return list(self.readers)


async def test_the_registry_is_read_again_only_when_old() -> None:
    registry, clock = Registry(), Clock(100.0)
    directory = ReaderDirectory(registry, clock, max_age_s=5.0)
    assert (await directory.find("POS-1")) is not None and await directory.find("POS-9") is None
    assert registry.loads == 1  # a flood of unknown ids costs no reload
    registry.readers.append(new_reader("POS-9", "TC0009", KEY, NOW))
    clock.now += 5.0
    assert await directory.find("POS-9") is not None and registry.loads == 2
    registry.down, clock.now = True, clock.now + 10.0
    assert await directory.find("POS-9") is not None  # the last registry read is kept


async def test_a_registry_never_read_is_unavailable() -> None:
    directory = ReaderDirectory(Registry(down=True), Clock(0.0))
    with pytest.raises(RegistryUnavailable):
        await directory.find("POS-1")


@dataclass
class Sink:
    fail: bool = False
    calls: list[list[RawTap]] = field(default_factory=list)

    async def __call__(self, taps: Sequence[RawTap]) -> list[TapOutcome]:
        if self.fail:
            raise ConnectionError("database down")
        self.calls.append(list(taps))
        return [TapOutcome.STORED] * len(taps)


@dataclass
class Edge:
    client: TestClient
    sink: Sink
    registry: Registry
    clock: Clock


@pytest_asyncio.fixture(loop_scope="session")
async def edge() -> AsyncIterator[Edge]:
    sink, registry, clock = Sink(), Registry(), Clock(NOW)
    app = web.Application()
    add_tap_push_routes(app, ReaderPush(sink, ReaderDirectory(registry), KeyPolicy("reader", 0.5, 2)), clock)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        yield Edge(client, sink, registry, clock)
    finally:
        await client.close()


async def test_a_reader_over_its_rate_waits(edge: Edge) -> None:
    for _ in range(2):
        assert (await edge.client.post("/api/push/taps", json=[TAP], headers=HEADERS)).status == 200
    response = await edge.client.post("/api/push/taps", json=[TAP], headers=HEADERS)
    assert response.status == 429 and response.headers["Retry-After"] == "2"
    assert len(edge.sink.calls) == 2
    edge.clock.now += 2.0
    assert (await edge.client.post("/api/push/taps", json=[TAP], headers=HEADERS)).status == 200


async def test_a_database_that_cannot_take_them_is_a_503(edge: Edge) -> None:
    edge.sink.fail = True
    response = await edge.client.post("/api/push/taps", json=[TAP], headers=HEADERS)
    body = await response.json()
    assert response.status == 503 and body["error"]["code"] == "not_stored"
    assert "results" not in body
