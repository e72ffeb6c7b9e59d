"""The Tongchengban app API, under ``/app/v1`` (described in ``openapi.json``).

Every call but the description needs an API key (``X-Api-Key`` header or
``?key=``) and is rate limited per key. Coordinates are WGS-84 unless
``?coords=gcj02`` asks for GCJ-02 (Amap, Tencent); ``stops/nearby`` reads its
point in the same system. Errors are ``{"error": {"code", "message"}}``.

Cost per request is a lookup where it can be: stop grid, line stop lists
and their JSON are built once per network; a stop's arrivals are rendered
once per board of the stop (``transit.boards``: the service's one board cache
hands out a board made from the current predictions within the last minute),
the vehicles of each line once per snapshot and second.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web

from transit.api.app_index import Coords, NetworkIndex, position
from transit.api.ratelimit import KeyPolicy, TokenBuckets, retry_after_header
from transit.arrivals import Source, StopTimetable
from transit.boards.board import StopBoard, StopBoards
from transit.boards.cache import BoardCache, Reuse
from transit.boards.messages import json_safe
from transit.flow.crowding import crowding_json, find_crowding
from transit.freshness import LIVE_MAX_AGE_S, is_fresh
from transit.geo import gcj02_to_wgs84
from transit.live.tracking import LiveSnapshot
from transit.model.line_names import line_order_key
from transit.model.network import Network
from transit.tracking.state import VehicleState

PREFIX = "/app/v1"
OPENAPI_PATH = Path(__file__).with_name("openapi.json")
DEFAULT_RADIUS_M, MAX_RADIUS_M = 500.0, 3000.0
DEFAULT_LIMIT, MAX_LIMIT = 20, 100
_JSON = {"Content-Type": "application/json", "X-Content-Type-Options": "nosniff"}
# Minutes-to-go at most a minute old, from the current predictions.
APP_REUSE = Reuse(60.0)


class BadParameter(ValueError):
    """A query parameter out of its range; the message names it."""


class PerSnapshot:
    """Answers that depend only on the live snapshot and the time bucket of
    ``now``: dropped wholesale when either changes."""

    def __init__(self, bucket_s: float) -> None:
        self._bucket_s = bucket_s
        self._snapshot: LiveSnapshot | None = None
        self._bucket = -1
        self._values: dict[Any, Any] = {}
        self.builds = 0  # how many times the values were dropped (tests, metrics)

    def values(self, snapshot: LiveSnapshot, now: float) -> dict[Any, Any]:
        bucket = int(now // self._bucket_s)
        if snapshot is not self._snapshot or bucket != self._bucket:
            self._snapshot, self._bucket, self._values = snapshot, bucket, {}
            self.builds += 1
        return self._values


class ArrivalBodies:
    """The arrivals JSON of each stop and coordinate system, rendered once per
    board of the stop."""

    def __init__(self, index: NetworkIndex) -> None:
        self._index = index
        self._bodies: dict[tuple[str, Coords], tuple[StopBoard, bytes]] = {}
        self.builds = 0  # bodies rendered (tests, metrics)

    def body(self, board: StopBoard, coords: Coords) -> bytes:
        key = (board.stop_id, coords)
        entry = self._bodies.get(key)
        if entry is not None and entry[0] is board:
            return entry[1]
        body = orjson.dumps(_arrivals(self._index, board, coords))
        if board.messages:  # user input: no markup for a client that takes it for HTML
            body = json_safe(body)
        self._bodies[key] = (board, body)
        self.builds += 1
        return body


@dataclass(frozen=True)
class AppApi:
    index: NetworkIndex
    snapshot: Callable[[], LiveSnapshot]
    clock: Callable[[], float]
    buckets: TokenBuckets
    boards: BoardCache
    arrivals: ArrivalBodies
    vehicles: PerSnapshot
    openapi: bytes


API = web.AppKey("app_api", AppApi)


def _ok(body: bytes) -> web.Response:
    return web.Response(body=body, headers=_JSON)


def _error(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> web.Response:
    body = orjson.dumps({"error": {"code": code, "message": message}})
    # Ids are echoed back: escape markup so no client can mistake the body for HTML.
    body = body.replace(b"<", b"\\u003c").replace(b">", b"\\u003e").replace(b"&", b"\\u0026")
    return web.Response(body=body, status=status, headers={**_JSON, **(headers or {})})


def _quoted(text: str) -> str:
    return repr(text if len(text) <= 64 else text[:64] + "...")


def _coords(request: web.Request) -> Coords:
    value = request.query.get("coords", "wgs84")
    try:
        return Coords(value)
    except ValueError:
        raise BadParameter(f"coords must be wgs84 or gcj02, not {_quoted(value)}") from None


def _number(request: web.Request, name: str, low: float, high: float, default: float | None = None) -> float:
    text = request.query.get(name)
    if text is None:
        if default is None:
            raise BadParameter(f"{name} is required")
        return default
    try:
        value = float(text)
    except ValueError:
        raise BadParameter(f"{name} must be a number, not {_quoted(text)}") from None
    if not low <= value <= high:  # NaN fails too
        raise BadParameter(f"{name} must be between {low:g} and {high:g}, not {_quoted(text)}")
    return value


async def stops_nearby(request: web.Request) -> web.Response:
    api = request.app[API]
    coords = _coords(request)
    lat, lon = _number(request, "lat", -90, 90), _number(request, "lon", -180, 180)
    radius = _number(request, "radius", 1, MAX_RADIUS_M, DEFAULT_RADIUS_M)
    limit = int(_number(request, "limit", 1, MAX_LIMIT, DEFAULT_LIMIT))
    if coords is Coords.GCJ02:
        lat, lon = gcj02_to_wgs84(lat, lon)
    index = api.index
    stops = [{**index.stops[coords][stop_id], "distance_m": round(d, 1), "lines": index.lines_at.get(stop_id, [])}
             for d, stop_id in index.list_nearby(lat, lon, radius, limit)]
    return _ok(orjson.dumps({"coords": coords.value, "radius_m": radius, "stops": stops}))


async def stop_arrivals(request: web.Request) -> web.Response:
    api = request.app[API]
    stop_id = request.match_info["stop_id"]
    coords = _coords(request)
    if stop_id not in api.index.network.stops:
        return _error(404, "unknown_stop", f"no stop with stop_id {_quoted(stop_id)}")
    snapshot = api.snapshot()
    board = api.boards.get(stop_id, snapshot.predictions, api.clock(), APP_REUSE, snapshot.crowding)
    return _ok(api.arrivals.body(board, coords))


def _arrivals(index: NetworkIndex, board: StopBoard, coords: Coords) -> dict[str, Any]:
    """Every arrival on the board, grouped by route (a line ending here too),
    and the sign operators' messages showing at the stop."""
    network = index.network
    by_line: dict[str, list[dict[str, Any]]] = {}
    for a in board.arrivals:
        predicted = a.source is Source.PREDICTED
        by_line.setdefault(a.route_id, []).append({
            "trip_id": a.trip_id,
            "headsign": a.headsign,
            "direction_id": network.trips[a.trip_id].direction_id,
            "time": round(a.time),
            "scheduled": round(a.scheduled),
            "minutes": max(0, math.floor((a.time - board.at) / 60)),
            "source": a.source.value,
            "vehicle_id": a.vehicle_id,
            "delay_s": round(a.time - a.scheduled) if predicted else None,
            "uncertainty_s": None if a.uncertainty_s is None else round(a.uncertainty_s),
            "crowding": crowding_json(a.crowding),
        })
    lines = [{"route_id": r, "short_name": network.routes[r].short_name, "arrivals": by_line[r]}
             for r in sorted(by_line, key=lambda r: line_order_key(network.routes[r].short_name))]
    messages = [{"message_id": m.message_id, "text": m.text, "expires_at": round(m.expires_at)}
                for m in board.messages]
    return {"stop": index.stops[coords][board.stop_id], "at": round(board.at), "coords": coords.value, "lines": lines,
            "messages": messages}


async def get_line(request: web.Request) -> web.Response:
    api = request.app[API]
    route_id = request.match_info["route_id"]
    body = api.index.lines[_coords(request)].get(route_id)
    if body is None:
        return _error(404, "unknown_line", f"no line with route_id {_quoted(route_id)}")
    return _ok(body)


async def line_vehicles(request: web.Request) -> web.Response:
    api = request.app[API]
    route_id = request.match_info["route_id"]
    coords = _coords(request)
    if route_id not in api.index.network.routes:
        return _error(404, "unknown_line", f"no line with route_id {_quoted(route_id)}")
    now = api.clock()
    snapshot = api.snapshot()
    cache = api.vehicles.values(snapshot, now)
    body = cache.get((route_id, coords))
    if body is None:
        groups = cache.get(None)
        if groups is None:
            groups = cache[None] = {}
            for v in snapshot.list_live(now, LIVE_MAX_AGE_S):
                if v.trip is not None:
                    groups.setdefault(v.trip.route_id, []).append(v)
        vehicles = [_vehicle(api, snapshot, v, coords, now) for v in groups.get(route_id, ())]
        body = cache[(route_id, coords)] = orjson.dumps(
            {"route_id": route_id, "at": round(now), "coords": coords.value, "vehicles": vehicles})
    return _ok(body)


def _vehicle(api: AppApi, snapshot: LiveSnapshot, v: VehicleState, coords: Coords, now: float) -> dict[str, Any]:
    network = api.index.network
    lat, lon = position(coords, v.lat, v.lon)
    next_stop = None
    if v.stop_id is not None and v.stop_id in network.stops:
        arrival = next((s.arrival for p in _fresh_predictions(snapshot, v.vehicle_id, now)
                        for s in p.stops if s.stop_id == v.stop_id and s.stop_sequence == v.stop_sequence), None)
        next_stop = {**api.index.stops[coords][v.stop_id], "stop_sequence": v.stop_sequence,
                     "status": v.status.name.lower() if v.status else None,
                     "arrival": None if arrival is None else round(arrival)}
    trip = network.trips.get(v.trip.trip_id) if v.trip else None
    crowding = None if v.trip is None else find_crowding(
        snapshot.crowding, v.vehicle_id, v.trip.trip_id, v.trip.service_date)
    return {
        "vehicle_id": v.vehicle_id, "lat": lat, "lon": lon, "bearing": v.bearing, "speed_mps": v.speed_mps,
        "timestamp": round(v.timestamp), "age_s": round(now - v.timestamp, 1),
        "trip_id": v.trip.trip_id if v.trip else None,
        "direction_id": v.trip.direction_id if v.trip else None,
        "headsign": trip.headsign if trip else None,
        "delay_s": None if v.delay_s is None else round(v.delay_s),
        "next_stop": next_stop,
        "crowding": crowding_json(crowding),
    }


def _fresh_predictions(snapshot: LiveSnapshot, vehicle_id: str, now: float) -> list:  # type: ignore[type-arg]
    """The vehicle's trip predictions still worth showing, current trip first."""
    board = snapshot.predictions
    found = [board.by_trip[k] for k in board.by_vehicle.get(vehicle_id, ()) if k in board.by_trip]
    found = [p for p in found if is_fresh(p.made_at, now)]
    return sorted(found, key=lambda p: (p.trip.service_date, p.trip.start_time))


async def vehicle_next_stops(request: web.Request) -> web.Response:
    api = request.app[API]
    vehicle_id = request.match_info["vehicle_id"]
    coords = _coords(request)
    now = api.clock()
    snapshot = api.snapshot()
    vehicle = snapshot.vehicles.get(vehicle_id)
    if vehicle is None or not is_fresh(vehicle.timestamp, now) or vehicle.timestamp > now + 60:
        return _error(404, "unknown_vehicle", f"no live vehicle with vehicle_id {_quoted(vehicle_id)}")
    network = api.index.network
    stops = []
    for prediction in _fresh_predictions(snapshot, vehicle_id, now):
        trip = network.trips.get(prediction.trip.trip_id)
        for s in prediction.stops:
            when = s.arrival if s.arrival is not None else s.departure
            if when is None or when < now - 60 or s.stop_id not in network.stops:
                continue
            stops.append({
                **api.index.stops[coords][s.stop_id], "stop_sequence": s.stop_sequence,
                "trip_id": prediction.trip.trip_id, "route_id": prediction.trip.route_id,
                "headsign": trip.headsign if trip else None,
                "arrival": None if s.arrival is None else round(s.arrival),
                "departure": None if s.departure is None else round(s.departure),
                "minutes": max(0, math.floor((when - now) / 60)),
                "uncertainty_s": round(s.uncertainty_s),
            })
    body = {"vehicle": _vehicle(api, snapshot, vehicle, coords, now), "at": round(now),
            "coords": coords.value, "next_stops": stops}
    return _ok(orjson.dumps(body))


async def openapi(request: web.Request) -> web.Response:
    return _ok(request.app[API].openapi)


@web.middleware
async def _guard(request: web.Request, handler: Callable[[web.Request], Any]) -> web.StreamResponse:
    """Key check and rate limit (not for the description), then errors as JSON."""
    if request.path != PREFIX + "/openapi.json":
        api = request.app[API]
        key = request.headers.get("X-Api-Key") or request.query.get("key")
        if not key:
            return _error(401, "missing_key", "an API key is required (X-Api-Key header or ?key=)")
        if api.buckets.find_policy(key) is None:
            return _error(401, "unknown_key", "this API key is not known")
        wait = api.buckets.take(key, api.clock())
        if wait > 0:
            return _error(429, "rate_limited", f"over this key's rate; retry in {wait:.1f} s",
                          {"Retry-After": retry_after_header(wait)})
    try:
        return await handler(request)
    except BadParameter as exc:
        return _error(400, "invalid_parameter", str(exc))
    except web.HTTPException as exc:  # no route (404), wrong method (405)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status, "http_error")
        return _error(exc.status, code, exc.reason, {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None)


def add_app_routes(
    app: web.Application,
    *,
    network: Network,
    timetable: StopTimetable,
    snapshot: Callable[[], LiveSnapshot],
    clock: Callable[[], float],
    keys: Mapping[str, KeyPolicy],
    boards: BoardCache | None = None,
) -> web.Application:
    """Mount the app API on ``app`` under ``/app/v1``; returns the sub-application
    (its router lists exactly the API's routes). ``keys`` maps each API key to
    its policy; ``snapshot`` is read at each request. Boards come from
    ``boards``, the service's one cache, or a cache of their own."""
    api = web.Application(middlewares=[_guard])
    index = NetworkIndex(network)
    api[API] = AppApi(index, snapshot, clock, TokenBuckets(keys), boards or BoardCache(StopBoards(network, timetable)),
                      ArrivalBodies(index), PerSnapshot(1.0), OPENAPI_PATH.read_bytes())
    api.router.add_get("/openapi.json", openapi)
    api.router.add_get("/stops/nearby", stops_nearby)
    api.router.add_get("/stops/{stop_id}/arrivals", stop_arrivals)
    api.router.add_get("/lines/{route_id}", get_line)
    api.router.add_get("/lines/{route_id}/vehicles", line_vehicles)
    api.router.add_get("/vehicles/{vehicle_id}/next-stops", vehicle_next_stops)
    app.add_subapp(PREFIX, api)
    return api
