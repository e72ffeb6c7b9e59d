"""Our GTFS-Realtime feeds, each as ``.pb`` (protobuf, for consumers) and
``.json`` (the same message, for people):

- ``/gtfs-rt/vehicle-positions``: vehicles heard from in the last 5 minutes;
- ``/gtfs-rt/trip-updates``: the current predictions of those vehicles;
- ``/gtfs-rt/alerts``: the sign operators' messages showing now.

A poll is a lookup: a feed is built at most once per live snapshot (the
alerts: per set of messages), and rebuilt otherwise only when something in
it has gone stale (a quiet fleet publishes no new snapshot, yet its buses
must still drop out after 5 min; a message drops out at its expiry).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import orjson
from aiohttp import web
from google.transit import gtfs_realtime_pb2

from feeds.gtfsrt.alerts import alerts_json, build_alerts
from feeds.gtfsrt.trip_updates import build_trip_updates, trip_updates_json
from feeds.gtfsrt.vehicle_positions import build_vehicle_positions, vehicle_positions_json
from transit.boards.messages import MessageIndex, SignPlaces, json_safe
from transit.live.tracking import LiveSnapshot
from transit.model.network import Network
from transit.prediction.publish import list_trip_predictions, withdraw_stale

PROTOBUF = "application/x-protobuf"
# What a feed is built from: the live snapshot, or the message index (immutable, replaced on change).
S = TypeVar("S")
# (message, the instant it turns stale) from a snapshot at a time
Builder = Callable[[S, float], tuple[gtfs_realtime_pb2.FeedMessage, float]]


@dataclass(frozen=True, slots=True)
class RenderedFeed:
    snapshot: Any  # the snapshot it was built from: the cache key, by identity
    valid_until: float  # when something in it turns stale, Unix s
    protobuf: bytes
    json: bytes


class FeedCache(Generic[S]):
    """The rendered feed of the newest snapshot; owned by the app, read by handlers."""

    def __init__(self, build: Builder[S],
                 to_json: Callable[[gtfs_realtime_pb2.FeedMessage], dict]) -> None:  # type: ignore[type-arg]
        self._build = build
        self._to_json = to_json
        self._feed: RenderedFeed | None = None
        self.builds = 0

    def get(self, snapshot: S, now: float) -> RenderedFeed:
        feed = self._feed
        if feed is not None and feed.snapshot is snapshot and now < feed.valid_until:
            return feed
        message, valid_until = self._build(snapshot, now)
        # ``<>&`` escaped in the JSON: an alert's text is a sign operator's input.
        feed = RenderedFeed(snapshot, valid_until, message.SerializeToString(),
                            json_safe(orjson.dumps(self._to_json(message))))
        self._feed = feed
        self.builds += 1
        return feed


def vehicle_positions_cache(network: Network, max_age_s: float) -> FeedCache[LiveSnapshot]:
    def build(snapshot: LiveSnapshot, now: float) -> tuple[gtfs_realtime_pb2.FeedMessage, float]:
        live = snapshot.list_live(now, max_age_s)
        valid_until = min((v.timestamp for v in live), default=float("inf")) + max_age_s
        return build_vehicle_positions(live, network, now, crowding=snapshot.crowding), valid_until

    return FeedCache(build, vehicle_positions_json)


def trip_updates_cache(network: Network, max_age_s: float) -> FeedCache[LiveSnapshot]:
    def build(snapshot: LiveSnapshot, now: float) -> tuple[gtfs_realtime_pb2.FeedMessage, float]:
        current = list_trip_predictions(withdraw_stale(snapshot.predictions, now, max_age_s))
        valid_until = min((p.made_at for p in current), default=float("inf")) + max_age_s
        # Predicted times pass too: rebuild at least every half minute.
        return build_trip_updates(current, network, now, snapshot.crowding), min(valid_until, now + 30.0)

    return FeedCache(build, trip_updates_json)


def alerts_cache(network: Network, places: SignPlaces) -> FeedCache[MessageIndex]:
    """Built from the message index; rebuilt when it changes or a message in it expires."""
    def build(index: MessageIndex, now: float) -> tuple[gtfs_realtime_pb2.FeedMessage, float]:
        showing = [m for m in index.messages if m.is_showing(now)]
        return build_alerts(showing, places, network, now), min((m.expires_at for m in showing), default=float("inf"))

    return FeedCache(build, alerts_json)


@dataclass(frozen=True, slots=True)
class FeedSource:
    cache: FeedCache[Any]
    snapshot: Callable[[], Any]  # what the cache is built from, read at each poll
    clock: Callable[[], float]

    def current(self) -> RenderedFeed:
        return self.cache.get(self.snapshot(), self.clock())


FEEDS = web.AppKey("gtfsrt_feeds", dict[str, FeedSource])


def _feed(request: web.Request) -> RenderedFeed:
    return request.app[FEEDS][request.match_info["feed"]].current()


async def feed_pb(request: web.Request) -> web.Response:
    return web.Response(body=_feed(request).protobuf, content_type=PROTOBUF)


async def feed_json(request: web.Request) -> web.Response:
    return web.Response(body=_feed(request).json, content_type="application/json")


def add_gtfsrt_routes(app: web.Application, sources: dict[str, FeedSource]) -> None:
    app[FEEDS] = sources
    names = "|".join(sources)
    app.router.add_get(f"/gtfs-rt/{{feed:{names}}}.pb", feed_pb)
    app.router.add_get(f"/gtfs-rt/{{feed:{names}}}.json", feed_json)
