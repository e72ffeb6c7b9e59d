"""HTTP API: health, lines, stops, live vehicle positions, GTFS-RT VehiclePositions,
TripUpdates and Alerts.

``init_app`` is the factory the service and the tests share (aiohttp-demos).
Readers only look at the network and the fleet's current snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any
from datetime import datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from transit.api.gtfsrt import (
    FeedSource,
    add_gtfsrt_routes,
    alerts_cache,
    trip_updates_cache,
    vehicle_positions_cache,
)
from signage.endpoints import add_sign_routes
from signage.health import SignHealth
from signage.messages import MessageBook
from signage.pages import add_stop_page_routes
from signage.registry import SignRegistry
from transit.api.accuracy import add_accuracy_routes
from transit.api.app_api import add_app_routes
from transit.api.console import ConsoleSettings, LiveView, SignSources, Work, add_console, list_console_work
from transit.api.context import CONTEXT, ServiceContext, json_error, json_response
from transit.api.drafts import add_draft_routes
from transit.api.flow import add_flow_routes
from transit.api.live_push import PushLimits, add_live_push_routes
from transit.api.loop_lag import LoopLagMonitor
from transit.api.metrics import Counts, MetricSources, add_metrics_routes
from transit.api.push import Sink as PushSink
from transit.api.push import add_push_routes
from transit.api.ratelimit import KeyPolicy
from transit.api.tap_push import ReaderPush, add_tap_push_routes
from transit.arrivals import StopTimetable
from transit.boards.board import StopBoards
from transit.boards.cache import BoardCache, no_messages
from transit.boards.messages import sign_places
from transit.freshness import LIVE_MAX_AGE_S
from transit.model.line_names import line_order_key
from transit.store import Pool



@dataclass(frozen=True)
class PassengerAccess:
    """Who may read arrivals: the stop signs (their registry and the
    dispatchers' admin token for sign health) and the app's API keys."""

    signs: SignRegistry
    sign_admin_token: str
    app_keys: Mapping[str, KeyPolicy]


async def health(request: web.Request) -> web.Response:
    context = request.app[CONTEXT]
    try:
        await context.database_ping()
        database = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure is what health reports
        database = f"unavailable: {type(exc).__name__}: {exc}"
    now = context.clock()
    snapshot = context.live.snapshot
    return json_response(
        {
            "status": "ok" if database == "ok" else "degraded",
            "database": database,
            "schedule_version": context.schedule_version,
            "clock": datetime.fromtimestamp(now, ZoneInfo(context.network.timezone)).isoformat(),
            "vehicles_live": len(snapshot.list_live(now, LIVE_MAX_AGE_S)),
            "reports": dict(snapshot.outcomes),
        },
        status=200 if database == "ok" else 503,
    )


async def list_lines(request: web.Request) -> web.Response:
    network = request.app[CONTEXT].network
    directions: dict[str, set[int]] = {}
    for pattern in network.patterns.values():
        directions.setdefault(pattern.route_id, set()).add(pattern.direction_id)
    lines = [
        {
            "route_id": route.route_id,
            "short_name": route.short_name,
            "long_name": route.long_name,
            "directions": sorted(directions.get(route.route_id, ())),
        }
        for route in sorted(network.routes.values(), key=lambda r: line_order_key(r.short_name))
    ]
    return json_response({"lines": lines})


async def get_line(request: web.Request) -> web.Response:
    network = request.app[CONTEXT].network
    route_id = request.match_info["route_id"]
    route = network.routes.get(route_id)
    if route is None:
        raise json_error(404, "unknown_line", f"no line with route_id {route_id!r}")
    patterns = [
        {
            "pattern_id": p.pattern_id,
            "direction_id": p.direction_id,
            "stops": [
                {"stop_id": s, "name": network.stops[s].name, "distance_m": round(d, 1)}
                for s, d in zip(p.stop_ids, p.stop_dists, strict=True)
            ],
        }
        for p in network.patterns.values()
        if p.route_id == route_id
    ]
    return json_response(
        {"route_id": route.route_id, "short_name": route.short_name,
         "long_name": route.long_name, "patterns": patterns}
    )


async def list_stops(request: web.Request) -> web.Response:
    network = request.app[CONTEXT].network
    lines_at: dict[str, set[str]] = {}
    for pattern in network.patterns.values():
        for stop_id in pattern.stop_ids:
            lines_at.setdefault(stop_id, set()).add(pattern.route_id)
    stops = [
        {
            "stop_id": stop.stop_id,
            "name": stop.name,
            "lat": stop.lat,
            "lon": stop.lon,
            "lines": sorted(lines_at.get(stop.stop_id, ()), key=line_order_key),
        }
        for stop in network.stops.values()
    ]
    return json_response({"stops": stops})


async def list_vehicles(request: web.Request) -> web.Response:
    context = request.app[CONTEXT]
    now = context.clock()
    vehicles = [
        {
            "vehicle_id": v.vehicle_id,
            "lat": v.lat,
            "lon": v.lon,
            "speed_mps": v.speed_mps,
            "bearing": v.bearing,
            "timestamp": v.timestamp,
            "age_s": round(now - v.timestamp, 1),
            "trip_id": v.trip.trip_id if v.trip else None,
            "route_id": v.trip.route_id if v.trip else None,
            "stop_id": v.stop_id,
            "status": v.status.name if v.status else None,
            "delay_s": None if v.delay_s is None else round(v.delay_s),
            "off_route": v.off_route,
        }
        for v in context.live.snapshot.list_live(now, LIVE_MAX_AGE_S)
    ]
    return json_response({"at": now, "vehicles": vehicles})


@dataclass(frozen=True)
class IngestAccess:
    """The ingest side as the HTTP API sees it: where pushed reports go (must
    return once they are durable), which sources may push, the POS readers'
    tap push, and the counters /metrics shows."""

    sink: PushSink
    push_keys: Mapping[str, KeyPolicy]
    ingest: Counts
    jt808: Counts | None = None
    pollers: Mapping[str, Counts] = field(default_factory=dict)
    taps: ReaderPush | None = None


# Work the application needs running beside it (live push rounds, the loop-lag
# sampler): the caller runs these and cancels them on exit.
BACKGROUND = web.AppKey("background", list[Work])


def _add_console(app: web.Application, context: ServiceContext, store: Pool, console: ConsoleSettings,
                 wall_clock: Callable[[], float] | None,
                 signs: SignSources | None) -> list[Work]:
    """The console with its live view over the service's snapshots; the work to run beside it."""
    if wall_clock is None:
        raise ValueError("the console needs a wall_clock: sessions never run on a simulated clock")
    view = LiveView(context.network, lambda: context.live.snapshot, context.clock, signs)
    return list_console_work(add_console(app, store, console, wall_clock, view,
                                         live_version=(context.schedule_version, context.network)))


def _message_book(context: ServiceContext, store: Pool | None, access: PassengerAccess | None) -> MessageBook | None:
    """The sign operators' messages (sent in the console, shown on every
    channel's boards), when there are a store and signs."""
    if store is None or access is None:
        return None
    return MessageBook(store, sign_places(context.network, ((s.sign_id, s.stop_id) for s in access.signs)),
                       context.clock)


def init_app(
    context: ServiceContext,
    access: PassengerAccess | None = None,
    ingest: IngestAccess | None = None,
    store: Pool | None = None,
    console: ConsoleSettings | None = None,
    wall_clock: Callable[[], float] | None = None,
) -> web.Application:
    """The one application: every route of the service. Signs and the app API
    need ``access``; HTTP push and /metrics need ``ingest``; the timetable
    drafts need the ``store``; the console (``/console``) needs the ``store``,
    its ``console`` settings and the ``wall_clock`` its sessions run on (the
    service's own clock is simulated in the demo). The work to run beside it
    is listed under ``app[BACKGROUND]``."""
    app = web.Application()
    app[CONTEXT] = context
    app.router.add_get("/health", health)
    app.router.add_get("/api/lines", list_lines)
    app.router.add_get("/api/lines/{route_id}", get_line)
    app.router.add_get("/api/stops", list_stops)
    app.router.add_get("/api/vehicles", list_vehicles)
    add_accuracy_routes(app)
    snapshot = lambda: context.live.snapshot  # noqa: E731 - read at each poll
    sign_health = SignHealth()  # recorded by the sign endpoints, read by the console's alarms and sign pages
    messages = _message_book(context, store, access)
    work: list[Work] = [] if messages is None else [("sign_messages", messages.run)]
    if store is not None:
        add_draft_routes(app, store)
        add_flow_routes(app, store)
        if console is not None:
            signs = None if access is None else SignSources(access.signs, sign_health, messages=messages)
            work += _add_console(app, context, store, console, wall_clock, signs)
    timetable = StopTimetable(context.network)
    # The one cache of stop boards: signs, stop pages, the app and live push render from it.
    boards = BoardCache(StopBoards(context.network, timetable), no_messages if messages is None else messages.index)
    add_stop_page_routes(app, network=context.network, timetable=timetable, snapshot=snapshot,
                         clock=context.clock, boards=boards)
    if access is not None:
        add_sign_routes(app, registry=access.signs, network=context.network, timetable=timetable,
                        snapshot=snapshot, clock=context.clock, health=sign_health,
                        admin_token=access.sign_admin_token, boards=boards)
        add_app_routes(app, network=context.network, timetable=timetable, snapshot=snapshot,
                       clock=context.clock, keys=access.app_keys, boards=boards)
    add_gtfsrt_routes(app, {
        "vehicle-positions": FeedSource(vehicle_positions_cache(context.network, LIVE_MAX_AGE_S),
                                        snapshot, context.clock),
        "trip-updates": FeedSource(trip_updates_cache(context.network, LIVE_MAX_AGE_S),
                                   snapshot, context.clock),
        # Without signs' messages the feed is there, empty: consumers need not know why.
        "alerts": FeedSource(alerts_cache(context.network, sign_places(context.network, ()) if messages is None
                                          else messages.places),
                             no_messages if messages is None else messages.index, context.clock),
    })
    hub = add_live_push_routes(app, network=context.network, timetable=timetable,
                               snapshot=snapshot, clock=context.clock, limits=PushLimits(), boards=boards)
    lag = LoopLagMonitor()
    app[BACKGROUND] = [("live_push", hub.run), ("loop_lag", lag.run), *work]
    if ingest is not None:
        push = add_push_routes(app, ingest.sink, context.clock, ingest.push_keys)
        taps = None if ingest.taps is None else add_tap_push_routes(app, ingest.taps, context.clock)
        add_metrics_routes(app, MetricSources(
            ingest=ingest.ingest, jt808=ingest.jt808, push=lambda: asdict(push),
            tap_push=None if taps is None else partial(asdict, taps),
            pollers=ingest.pollers, loop_lag=lag.read))
    return app
