"""``/api/flow``: stored passenger flow (``transit flow build``) as JSON for the
console and planners. Read-only and open like ``/api/drafts`` today.

- ``/api/flow/days``: the built days, with where their taps went.
- ``/api/flow/{day}/stops[?route_id=]``: boardings and alightings per line,
  direction, hour and stop.
- ``/api/flow/{day}/lines/{route_id}``: per direction, the load on each
  segment per hour (riders across it, all trips) and the peak-load point.
- ``/api/flow/{day}/od?level=stop|zone[&route_id=][&cell_km=]``: the day's
  origin-destination pairs, busiest first, with their riders per hour.
- ``/api/flow/{day}/transfers[?route_id=]``: transfers per pair of lines and
  stops with their waits, and the day's journeys (legs linked by transfers).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from datetime import date
from typing import Any

from aiohttp import web

from transit.api.context import CONTEXT, json_error, json_response
from transit.flow.od import OdPair, whole_day
from transit.flow.peaks import SegmentHour, hourly_loads, peak_load_points
from transit.flow.zones import DEFAULT_CELL_KM, UnzonedStops, grid_zones, zone_od
from transit.store import Pool
from transit.store.flow import (
    FlowDay, FlowDayNotFound, flow_day_json, get_flow_day, list_flow_days, list_segment_loads,
    list_stop_bins, list_stop_od, list_transfer_flows,
)

FLOW_POOL = web.AppKey("flow_pool", Pool)


def _day(request: web.Request) -> date:
    text = request.match_info["day"]
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise json_error(400, "bad_day", f"service day {text!r}: expected YYYY-MM-DD") from None


async def _built(request: web.Request) -> date:
    return (await _built_day(request)).service_date


async def _built_day(request: web.Request) -> FlowDay:
    try:
        return await get_flow_day(request.app[FLOW_POOL], _day(request))
    except FlowDayNotFound as exc:
        raise json_error(404, "flow_not_built", str(exc)) from None


async def list_days(request: web.Request) -> web.Response:
    days = await list_flow_days(request.app[FLOW_POOL])
    return json_response({"days": [flow_day_json(d) for d in days]})


async def stop_bins(request: web.Request) -> web.Response:
    day = await _built(request)
    rows = await list_stop_bins(request.app[FLOW_POOL], day, request.query.get("route_id"))
    return json_response({"service_date": day.isoformat(), "bin_s": 3600,
                          "stops": [{**asdict(r), "service_date": day.isoformat()} for r in rows]})


async def line_profile(request: web.Request) -> web.Response:
    day = await _built(request)
    route_id = request.match_info["route_id"]
    loads = await list_segment_loads(request.app[FLOW_POOL], day, route_id)
    if not loads:
        raise json_error(404, "unknown_line", f"no flow for line {route_id!r} on {day}")
    hourly = hourly_loads(loads, request.app[CONTEXT].network.timezone)
    return json_response({"service_date": day.isoformat(), "route_id": route_id,
                          "directions": load_profiles(hourly)})


def load_profiles(hourly: dict[SegmentHour, float]) -> list[dict[str, Any]]:
    """Per direction: its segments in order with the riders across each per hour
    (``"07"``: 07:00-08:00 of the service day), and its peak-load point."""
    segments: dict[int, dict[tuple[int, str, str], dict[str, float]]] = defaultdict(dict)
    for (_, direction_id, segment, a, b, hour), riders in sorted(hourly.items()):
        segments[direction_id].setdefault((segment, a, b), {})[f"{hour:02d}"] = round(riders, 1)
    peaks = {p.direction_id: p for p in peak_load_points(hourly)}
    return [{"direction_id": direction_id,
             "segments": [{"segment": k[0], "from_stop_id": k[1], "to_stop_id": k[2], "riders_by_hour": hours}
                          for k, hours in sorted(rows.items())],
             "peak_load_point": {**asdict(peaks[direction_id]), "load": round(peaks[direction_id].load, 1)}}
            for direction_id, rows in sorted(segments.items())]


async def od_matrix(request: web.Request) -> web.Response:
    day = await _built(request)
    level, route_id = request.query.get("level", "stop"), request.query.get("route_id")
    if level not in ("stop", "zone"):
        raise json_error(400, "bad_level", f"level {level!r}: expected stop or zone")
    cell_km = _cell_km(request)
    rows = await list_stop_od(request.app[FLOW_POOL], day, route_id)
    if route_id is not None and not rows:
        raise json_error(404, "unknown_line", f"no flow for line {route_id!r} on {day}")
    if level == "stop":
        pairs = whole_day((r.origin_stop_id, r.destination_stop_id, r.hour, r.riders, r.chained)
                          for r in rows)
    else:
        try:
            zoned = zone_od(rows, grid_zones(request.app[CONTEXT].network, cell_km))
        except UnzonedStops as exc:  # built on a schedule version with stops the live one lacks
            raise json_error(400, "stops_not_zoned", f"{exc} in the live schedule") from None
        pairs = whole_day((z.origin_zone, z.destination_zone, z.hour, z.riders, z.chained) for z in zoned)
    return json_response({"service_date": day.isoformat(), "level": level, "route_id": route_id,
                          "cell_km": cell_km if level == "zone" else None,
                          "riders": round(sum(p.riders for p in pairs), 2),
                          "pairs": [_pair_json(p) for p in pairs]})


def _cell_km(request: web.Request) -> float:
    text = request.query.get("cell_km", str(DEFAULT_CELL_KM))
    try:
        cell_km = float(text)
    except ValueError:
        cell_km = 0.0
    if not 0 < cell_km < 1000:
        raise json_error(400, "bad_cell_km", f"cell_km {text!r}: expected a zone size in km above 0")
    return cell_km


def _pair_json(pair: OdPair) -> dict[str, Any]:
    return {"origin": pair.origin, "destination": pair.destination, "riders": round(pair.riders, 2),
            "chained": round(pair.chained, 2),
            "riders_by_hour": {f"{h:02d}": round(r, 2) for h, r in pair.riders_by_hour.items()}}


async def transfers(request: web.Request) -> web.Response:
    day = await _built_day(request)
    route_id = request.query.get("route_id")
    flows = [asdict(t) for t in await list_transfer_flows(request.app[FLOW_POOL], day.service_date)
             if route_id is None or route_id in (t.from_route_id, t.to_route_id)]
    return json_response({"service_date": day.service_date.isoformat(), "route_id": route_id,
                          "journeys": day.journeys,
                          "transfers": [{k: v for k, v in t.items() if k != "service_date"} for t in flows]})


def add_flow_routes(app: web.Application, pool: Pool) -> None:
    app[FLOW_POOL] = pool
    app.router.add_get("/api/flow/days", list_days)
    app.router.add_get("/api/flow/{day}/stops", stop_bins)
    app.router.add_get("/api/flow/{day}/lines/{route_id}", line_profile)
    app.router.add_get("/api/flow/{day}/od", od_matrix)
    app.router.add_get("/api/flow/{day}/transfers", transfers)
