"""The poller over real HTTP: repeats dropped, errors survived, sink failures retried."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer

from feeds.gtfsrt.poller import PollStats, poll
from tests.gtfsrt.helpers import position_message
from transit.records import VehicleReport

T0 = 1_771_257_500


@dataclass
class Feed:
    """What the fake operator serves: one (status, body) per request, the last repeated."""

    responses: list[tuple[int, bytes]] = field(default_factory=list)
    requests: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        status, body = self.responses[min(self.requests, len(self.responses) - 1)]
        self.requests += 1
        return web.Response(status=status, body=body,
                            content_type="application/x-protobuf")


@dataclass
class Sink:
    batches: list[list[VehicleReport]] = field(default_factory=list)
    fail_next: int = 0

    async def __call__(self, reports: Sequence[VehicleReport]) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise ConnectionError("database down")
        self.batches.append(list(reports))


class Clock:
    def __init__(self) -> None:
        self.now = float(T0 + 100)
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class Served:
    feed: Feed
    url: str
    session: aiohttp.ClientSession


@pytest_asyncio.fixture(loop_scope="session")
async def served() -> AsyncIterator[Served]:
    feed = Feed()
    app = web.Application()
    app.router.add_get("/vehicle_positions.pb", feed.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession() as session:
        try:
            yield Served(feed, str(server.make_url("/vehicle_positions.pb")), session)
        finally:
            await server.close()


def fixes(*pairs: tuple[str, int]) -> bytes:
    return position_message(*((v, v, t, 38.9, -77.0) for v, t in pairs))


async def run(served: Served, sink: Sink, clock: Clock, polls: int) -> PollStats:
    return await poll(served.url, sink, interval_s=30, session=served.session, clock=clock,
                      sleep=clock.sleep, max_polls=polls)


async def test_repeated_fixes_are_delivered_once(served: Served) -> None:
    served.feed.responses = [
        (200, fixes(("A", T0), ("B", T0))),
        (200, fixes(("A", T0), ("B", T0 + 30))),  # A has not moved on: a repeat
        (200, fixes(("A", T0 + 31), ("B", T0 + 30))),
    ]
    sink, clock = Sink(), Clock()
    stats = await run(served, sink, clock, polls=3)
    delivered = [[(r.vehicle_id, r.timestamp) for r in batch] for batch in sink.batches]
    assert delivered == [[("A", T0), ("B", T0)], [("B", T0 + 30)], [("A", T0 + 31)]]
    assert (stats.fetches, stats.delivered, stats.repeated) == (3, 4, 2)
    assert served.feed.requests == 3
    assert clock.sleeps == [30, 30]
    assert sink.batches[0][0].received_at == T0 + 100


async def test_a_fix_older_than_one_delivered_is_stale(served: Served) -> None:
    # Two servers behind one URL, one of them lagging.
    served.feed.responses = [(200, fixes(("A", T0 + 30))), (200, fixes(("A", T0)))]
    sink, clock = Sink(), Clock()
    stats = await run(served, sink, clock, polls=2)
    assert (stats.delivered, stats.stale) == (1, 1)


async def test_fetch_errors_are_counted_and_polling_goes_on(served: Served) -> None:
    served.feed.responses = [
        (503, b"busy"),
        (200, b"<html>not protobuf</html>"),
        (200, fixes(("A", T0))),
    ]
    sink, clock = Sink(), Clock()
    stats = await run(served, sink, clock, polls=3)
    assert stats.fetch_errors == 2 and stats.delivered == 1
    assert "not a GTFS-Realtime FeedMessage" in (stats.last_error or "")
    assert [r.vehicle_id for r in sink.batches[0]] == ["A"]


async def test_unreachable_feed_is_a_counted_error() -> None:
    sink, clock = Sink(), Clock()
    async with aiohttp.ClientSession() as session:
        stats = await poll("http://127.0.0.1:9/nothing", sink, interval_s=5, session=session,
                           clock=clock, sleep=clock.sleep, max_polls=2, timeout_s=2)
    assert (stats.fetches, stats.fetch_errors, sink.batches) == (2, 2, [])


async def test_sink_failure_is_retried_on_the_next_fetch(served: Served) -> None:
    served.feed.responses = [(200, fixes(("A", T0)))]  # the same message every time
    sink, clock = Sink(fail_next=1), Clock()
    stats = await run(served, sink, clock, polls=3)
    assert stats.sink_errors == 1
    assert [[r.timestamp for r in b] for b in sink.batches] == [[T0]]
    assert stats.repeated == 1  # the third fetch: already delivered on the second


async def test_skipped_entities_are_tallied(served: Served) -> None:
    served.feed.responses = [(200, position_message(("A", "A", None, 38.9, -77.0),
                                                    ("B", "B", T0, 38.9, -77.0)))]
    sink, clock = Sink(), Clock()
    stats = await run(served, sink, clock, polls=1)
    assert stats.skipped == {"no_timestamp": 1} and stats.delivered == 1


async def test_interval_must_be_positive(served: Served) -> None:
    with pytest.raises(ValueError):
        await poll(served.url, Sink(), interval_s=0, session=served.session, clock=Clock(),
                   max_polls=1)
