"""The Tongchengban app API, under ``/app/v1`` (described in ``openapi.json``).

Every call but the description needs an API key (``X-Api-Key`` header or
``?key=``) and is rate limited per key. Coordinates are WGS-84 unless
``?coords=gcj02`` asks for GCJ-02 (Amap, Tencent); ``stops/nearby`` reads its
point in the same system. Errors are ``{"error": {"code", "message"}}``.

Cost per request is a lookup where it can be: stop grid, line stop lists
and their JSON are built once per network; arrivals per stop once per live
snapshot and minute, the vehicles of each line once per snapshot and second.
"""

from __future__ import annotations

import enum
import math
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web

from transit.api.ratelimit import KeyPolicy, TokenBuckets, retry_after_header
from transit.arrivals import Source, StopTimetable, list_arrivals
from transit.freshness import LIVE_MAX_AGE_S, is_fresh
from transit.geo import distance_m, gcj02_to_wgs84, wgs84_to_gcj02
from transit.live.tracking import LiveSnapshot
from transit.model.line_names import line_order_key
from transit.model.network import Network
from transit.tracking.state import VehicleState

PREFIX = "/app/v1"
OPENAPI_PATH = Path(__file__).with_name("openapi.json")
DEFAULT_RADIUS_M, MAX_RADIUS_M = 500.0, 3000.0
DEFAULT_LIMIT, MAX_LIMIT = 20, 100
GRID_CELL_M = 500.0
_M_PER_DEG_LAT = 111_320.0
_JSON = {"Content-Type": "application/json", "X-Content-Type-Options": "nosniff"}


class Coords(enum.StrEnum):
    WGS84 = "wgs84"
    GCJ02 = "gcj02"


class BadParameter(ValueError):
    """A query parameter out of its range; the message names it."""


def _position(coords: Coords, lat: float, lon: float) -> tuple[float, float]:
    if coords is Coords.GCJ02:
        lat, lon = wgs84_to_gcj02(lat, lon)
    return round(lat, 6), round(lon, 6)


class NetworkIndex:
    """What the API serves from the network alone, built once per schedule version."""

    def __init__(self, network: Network) -> None:
        self.network = network
        lines_at: dict[str, set[str]] = {}
        for pattern in network.patterns.values():
            for stop_id in pattern.stop_ids:
                lines_at.setdefault(stop_id, set()).add(pattern.route_id)
        self.lines_at = {
            stop_id: [{"route_id": r, "short_name": network.routes[r].short_name}
                      for r in sorted(routes, key=lambda r: line_order_key(network.routes[r].short_name))]
            for stop_id, routes in lines_at.items()
        }
        self.stops = {c: {s.stop_id: self._stop(s.stop_id, c) for s in network.stops.values()} for c in Coords}
        lat0 = sum(s.lat for s in network.stops.values()) / max(1, len(network.stops))
        self._m_per_deg_lon = _M_PER_DEG_LAT * math.cos(math.radians(lat0))
        self._grid: dict[tuple[int, int], list[tuple[str, float, float]]] = {}
        for stop in network.stops.values():
            self._grid.setdefault(self._cell(stop.lat, stop.lon), []).append((stop.stop_id, stop.lat, stop.lon))
        self.lines = {c: {r: orjson.dumps(self._line(r, c)) for r in network.routes} for c in Coords}

    def _stop(self, stop_id: str, coords: Coords) -> dict[str, Any]:
        stop = self.network.stops[stop_id]
        lat, lon = _position(coords, stop.lat, stop.lon)
        return {"stop_id": stop_id, "name": stop.name, "lat": lat, "lon": lon}

    def _cell(self, lat: float, lon: float) -> tuple[int, int]:
        return (math.floor(lon * self._m_per_deg_lon / GRID_CELL_M), math.floor(lat * _M_PER_DEG_LAT / GRID_CELL_M))

    def list_nearby(self, lat: float, lon: float, radius_m: float, limit: int) -> list[tuple[float, str]]:
        """(distance m, stop id) of the stops within ``radius_m`` of a WGS-84
        point, nearest first, at most ``limit``."""
        cx, cy = self._cell(lat, lon)
        reach = math.ceil(radius_m / GRID_CELL_M) + 1  # +1: the projection is exact only at lat0
        found = []
        for x in range(cx - reach, cx + reach + 1):
            for y in range(cy - reach, cy + reach + 1):
                for stop_id, s_lat, s_lon in self._grid.get((x, y), ()):
                    d = distance_m(lat, lon, s_lat, s_lon)
                    if d <= radius_m:
                        found.append((d, stop_id))
        found.sort()
        return found[:limit]

    def _line(self, route_id: str, coords: Coords) -> dict[str, Any]:
        """The line's stops in order per direction, along its main pattern
        (the one most trips of that direction run)."""
        network = self.network
        route = network.routes[route_id]
        trips_of: dict[str, list[str]] = {}
        for trip in network.trips.values():
            if trip.route_id == route_id:
                trips_of.setdefault(trip.pattern_id, []).append(trip.headsign)
        main: dict[int, str] = {}
        for pattern_id in sorted(trips_of, key=lambda p: (-len(trips_of[p]), p)):
            main.setdefault(network.patterns[pattern_id].direction_id, pattern_id)
        directions = []
        for direction_id, pattern_id in sorted(main.items()):
            pattern = network.patterns[pattern_id]
            directions.append({
                "direction_id": direction_id,
                "headsign": Counter(trips_of[pattern_id]).most_common(1)[0][0],
                "pattern_id": pattern_id,
                "stops": [{**self.stops[coords][s], "stop_sequence": pattern.sequence_at(i)}
                          for i, s in enumerate(pattern.stop_ids)],
            })
        return {"route_id": route_id, "short_name": route.short_name, "long_name": route.long_name,
                "coords": coords.value, "directions": directions}


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


@dataclass(frozen=True)
class AppApi:
    index: NetworkIndex
    timetable: StopTimetable
    snapshot: Callable[[], LiveSnapshot]
    clock: Callable[[], float]
    buckets: TokenBuckets
    arrivals: PerSnapshot
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
    now = api.clock()
    snapshot = api.snapshot()
    cache = api.arrivals.values(snapshot, now)
    body = cache.get((stop_id, coords))
    if body is None:
        if stop_id not in api.index.network.stops:
            return _error(404, "unknown_stop", f"no stop with stop_id {_quoted(stop_id)}")
        body = cache[(stop_id, coords)] = orjson.dumps(_arrivals(api, snapshot, stop_id, coords, now))
    return _ok(body)


def _arrivals(api: AppApi, snapshot: LiveSnapshot, stop_id: str, coords: Coords, now: float) -> dict[str, Any]:
    network = api.index.network
    by_line: dict[str, list[dict[str, Any]]] = {}
    for a in list_arrivals(network, api.timetable, snapshot.predictions, stop_id, now):
        predicted = a.source is Source.PREDICTED
        by_line.setdefault(a.route_id, []).append({
            "trip_id": a.trip_id,
            "headsign": a.headsign,
            "direction_id": network.trips[a.trip_id].direction_id,
            "time": round(a.time),
            "scheduled": round(a.scheduled),
            "minutes": max(0, math.floor((a.time - now) / 60)),
            "source": a.source.value,
            "vehicle_id": a.vehicle_id,
            "delay_s": round(a.time - a.scheduled) if predicted else None,
            "uncertainty_s": None if a.uncertainty_s is None else round(a.uncertainty_s),
        })
    lines = [{"route_id": r, "short_name": network.routes[r].short_name, "arrivals": by_line[r]}
             for r in sorted(by_line, key=lambda r: line_order_key(network.routes[r].short_name))]
    return {"stop": api.index.stops[coords][stop_id], "at": round(now), "coords": coords.value, "lines": lines}


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
    lat, lon = _position(coords, v.lat, v.lon)
    next_stop = None
    if v.stop_id is not None and v.stop_id in network.stops:
        arrival = next((s.arrival for p in _fresh_predictions(snapshot, v.vehicle_id, now)
                        for s in p.stops if s.stop_id == v.stop_id and s.stop_sequence == v.stop_sequence), None)
        next_stop = {**api.index.stops[coords][v.stop_id], "stop_sequence": v.stop_sequence,
                     "status": v.status.name.lower() if v.status else None,
                     "arrival": None if arrival is None else round(arrival)}
    trip = network.trips.get(v.trip.trip_id) if v.trip else None
    return {
        "vehicle_id": v.vehicle_id, "lat": lat, "lon": lon, "bearing": v.bearing, "speed_mps": v.speed_mps,
        "timestamp": round(v.timestamp), "age_s": round(now - v.timestamp, 1),
        "trip_id": v.trip.trip_id if v.trip else None,
        "direction_id": v.trip.direction_id if v.trip else None,
        "headsign": trip.headsign if trip else None,
        "delay_s": None if v.delay_s is None else round(v.delay_s),
        "next_stop": next_stop,
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
) -> web.Application:
    """Mount the app API on ``app`` under ``/app/v1``; returns the sub-application
    (its router lists exactly the API's routes). ``keys`` maps each API key to
    its policy; ``snapshot`` is read at each request."""
    api = web.Application(middlewares=[_guard])
    api[API] = AppApi(NetworkIndex(network), timetable, snapshot, clock, TokenBuckets(keys),
                      PerSnapshot(60.0), PerSnapshot(1.0), OPENAPI_PATH.read_bytes())
    api.router.add_get("/openapi.json", openapi)
    api.router.add_get("/stops/nearby", stops_nearby)
    api.router.add_get("/stops/{stop_id}/arrivals", stop_arrivals)
    api.router.add_get("/lines/{route_id}", get_line)
    api.router.add_get("/lines/{route_id}/vehicles", line_vehicles)
    api.router.add_get("/vehicles/{vehicle_id}/next-stops", vehicle_next_stops)
    app.add_subapp(PREFIX, api)
    return api
