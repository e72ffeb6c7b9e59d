"""Our GTFS-Realtime VehiclePositions feed: ``/gtfs-rt/vehicle-positions.pb``
(protobuf, for consumers) and ``.json`` (the same message, for people).

A poll is a lookup: the feed is built at most once per live snapshot, and
rebuilt otherwise only when a vehicle in it has gone stale (a quiet fleet
publishes no new snapshot, yet its buses must still drop out after 5 min).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import orjson
from aiohttp import web

from feeds.gtfsrt.vehicle_positions import build_vehicle_positions, vehicle_positions_json
from transit.live.tracking import LiveSnapshot
from transit.model.network import Network

PROTOBUF = "application/x-protobuf"


@dataclass(frozen=True, slots=True)
class RenderedFeed:
    snapshot: LiveSnapshot  # the snapshot it was built from: the cache key, by identity
    valid_until: float  # when its oldest vehicle turns stale, Unix s
    protobuf: bytes
    json: bytes


class VehiclePositionsCache:
    """The rendered feed of the newest snapshot; owned by the app, read by handlers."""

    def __init__(self, network: Network, max_age_s: float) -> None:
        self._network = network
        self._max_age_s = max_age_s
        self._feed: RenderedFeed | None = None
        self.builds = 0

    def get(self, snapshot: LiveSnapshot, now: float) -> RenderedFeed:
        feed = self._feed
        if feed is not None and feed.snapshot is snapshot and now < feed.valid_until:
            return feed
        live = snapshot.list_live(now, self._max_age_s)
        message = build_vehicle_positions(live, self._network, now)
        valid_until = min((v.timestamp for v in live), default=float("inf")) + self._max_age_s
        feed = RenderedFeed(snapshot, valid_until, message.SerializeToString(),
                            orjson.dumps(vehicle_positions_json(message)))
        self._feed = feed
        self.builds += 1
        return feed


@dataclass(frozen=True, slots=True)
class FeedSource:
    cache: VehiclePositionsCache
    snapshot: Callable[[], LiveSnapshot]
    clock: Callable[[], float]

    def current(self) -> RenderedFeed:
        return self.cache.get(self.snapshot(), self.clock())


FEED = web.AppKey("vehicle_positions", FeedSource)


async def vehicle_positions_pb(request: web.Request) -> web.Response:
    return web.Response(body=request.app[FEED].current().protobuf, content_type=PROTOBUF)


async def vehicle_positions_debug(request: web.Request) -> web.Response:
    return web.Response(body=request.app[FEED].current().json, content_type="application/json")


def add_gtfsrt_routes(app: web.Application, source: FeedSource) -> None:
    app[FEED] = source
    app.router.add_get("/gtfs-rt/vehicle-positions.pb", vehicle_positions_pb)
    app.router.add_get("/gtfs-rt/vehicle-positions.json", vehicle_positions_debug)
