"""``/api/flow``: stored passenger flow (``transit flow build``) as JSON for the
console and planners. Read-only and open like ``/api/drafts`` today.

- ``/api/flow/days``: the built days, with where their taps went.
- ``/api/flow/{day}/stops[?route_id=]``: boardings and alightings per line,
  direction, hour and stop.
- ``/api/flow/{day}/lines/{route_id}``: per direction, the load on each
  segment per hour (riders across it, all trips) and the peak-load point.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from datetime import date
from typing import Any

from aiohttp import web

from transit.api.context import CONTEXT, json_error, json_response
from transit.flow.peaks import SegmentHour, hourly_loads, peak_load_points
from transit.store import Pool
from transit.store.flow import (
    FlowDayNotFound, flow_day_json, get_flow_day, list_flow_days, list_segment_loads, list_stop_bins,
)

FLOW_POOL = web.AppKey("flow_pool", Pool)


def _day(request: web.Request) -> date:
    text = request.match_info["day"]
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise json_error(400, "bad_day", f"service day {text!r}: expected YYYY-MM-DD") from None


async def _built(request: web.Request) -> date:
    day = _day(request)
    try:
        await get_flow_day(request.app[FLOW_POOL], day)
    except FlowDayNotFound as exc:
        raise json_error(404, "flow_not_built", str(exc)) from None
    return day


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


def add_flow_routes(app: web.Application, pool: Pool) -> None:
    app[FLOW_POOL] = pool
    app.router.add_get("/api/flow/days", list_days)
    app.router.add_get("/api/flow/{day}/stops", stop_bins)
    app.router.add_get("/api/flow/{day}/lines/{route_id}", line_profile)
