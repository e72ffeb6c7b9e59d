"""The live view's data as its pages' script draws it (the same dicts go out
as JSON over the console's socket and from the polled ``.json`` URLs), and
the words and numbers both the pages and the script show: a line's
freshness, ages, headways. Built from one ``Frame``; no HTML here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from transit.api.console.live_view import Frame, LiveView
from transit.api.console.texts import TEXTS
from transit.console.alarms import Thresholds
from transit.console.headways import Headway, summarize
from transit.console.ladder import Rail, place
from transit.console.line_status import LineFreshness, LineState
from transit.tracking.state import VehicleState

# The ladder's geometry (SVG px), shared by the page and the moving buses.
LADDER_TOP = 36.0
STOP_SPACING = 26.0
LATE_S = 300.0  # a bus this late (or more) is drawn late
EARLY_S = -120.0  # this early (or more): drawn early


def clock_text(at: float, timezone: str) -> str:
    return datetime.fromtimestamp(at, ZoneInfo(timezone)).strftime("%H:%M:%S")


def duration_text(seconds: float) -> str:
    """``m:ss`` (a headway, a lateness)."""
    whole = int(round(abs(seconds)))
    return f"{'-' if seconds < 0 else ''}{whole // 60}:{whole % 60:02d}"


def age_text(lang: str, seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 120:
        return f"{seconds:.0f} 秒" if lang == "zh" else f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} 分钟" if lang == "zh" else f"{seconds / 60:.0f} min"


def freshness_text(lang: str, line: LineFreshness, now: float) -> str:
    words = TEXTS[lang]
    if line.state is LineState.LIVE:
        assert line.heard_at is not None
        return words["fresh_live"].format(buses=line.live_buses, age=age_text(lang, now - line.heard_at))
    if line.state is LineState.STALE:
        if line.heard_at is None:
            return words["fresh_stale_never"].format(trips=line.scheduled_trips)
        return words["fresh_stale"].format(trips=line.scheduled_trips, age=age_text(lang, now - line.heard_at))
    return words["fresh_idle"]


def bus_class(vehicle: VehicleState) -> str:
    if vehicle.off_route:
        return "bus off"
    if vehicle.trip is None:
        return "bus idle"
    delay = vehicle.delay_s or 0.0
    return "bus late" if delay >= LATE_S else "bus early" if delay <= EARLY_S else "bus"


def ladder_y(rail: Rail, position: float) -> float:
    """Direction 0 runs down the page, direction 1 up it (so the two rails
    of a line that runs back the way it came face each other stop by stop)."""
    steps = position if rail.direction_id == 0 else len(rail.stop_ids) - 1 - position
    return round(LADDER_TOP + steps * STOP_SPACING, 1)


def list_ladder_buses(view: LiveView, frame: Frame, route_id: str) -> list[tuple[VehicleState, int, float]]:
    """(bus, rail number, y) of every live bus on the line's rails. A stale
    line has no live bus, so none is drawn."""
    found = []
    for number, rail in enumerate(view.rails(route_id)):
        for vehicle in frame.live:
            position = place(view.network, rail, vehicle)
            if position is not None:
                found.append((vehicle, number, ladder_y(rail, position)))
    return found


def direction_label(lang: str, view: LiveView, route_id: str, direction_id: int) -> str:
    """"to" the last stop of the direction's rail."""
    for rail in view.rails(route_id):
        if rail.direction_id == direction_id:
            stop = view.network.stops.get(rail.stop_ids[-1])
            return TEXTS[lang]["to"].format(stop=stop.name if stop else rail.stop_ids[-1])
    return str(direction_id)


def headway_cells(view: LiveView, headway: Headway, limits: Thresholds) -> list[str]:
    """What a headway row shows: bus, bus ahead, stop, actual, scheduled, ratio, class."""
    ratio = headway.ratio
    flag = "bunching" if ratio <= limits.bunching else "gapping" if ratio >= limits.gapping else ""
    stop = view.network.stops.get(headway.stop_id)
    return [headway.vehicle_id, headway.ahead_id, stop.name if stop else headway.stop_id,
            duration_text(headway.actual_s), duration_text(headway.scheduled_s), f"{ratio:.0%}", flag]


def line_payload(view: LiveView, frame: Frame, route_id: str, lang: str, limits: Thresholds) -> dict[str, Any]:
    freshness = frame.freshness[route_id]
    return {
        "type": "line", "route_id": route_id, "state": freshness.state.value,
        "updated": TEXTS[lang]["updated"].format(time=clock_text(frame.now, view.network.timezone)),
        "freshness": freshness_text(lang, freshness, frame.now),
        "buses": [[v.vehicle_id, number, y, bus_class(v)] for v, number, y in list_ladder_buses(view, frame, route_id)],
        "headways": [[direction_label(lang, view, route_id, h.direction_id), *headway_cells(view, h, limits)]
                     for h in frame.headways if h.route_id == route_id],
    }


def line_summaries(lang: str, frame: Frame) -> dict[str, list[str]]:
    """route_id -> [state, state word, buses live, headway per direction] for the live page's table."""
    summaries = summarize(frame.headways)
    found = {}
    for route_id, line in frame.freshness.items():
        headways = [f"{duration_text(s.actual_s)} / {duration_text(s.scheduled_s)}" if s else "—"
                    for s in (summaries.get((route_id, d)) for d in (0, 1))]
        found[route_id] = [line.state.value, TEXTS[lang][f"state_{line.state.value}"], str(line.live_buses),
                           *headways]
    return found


def map_payload(view: LiveView, frame: Frame, lang: str, open_alarms: Mapping[str, int]) -> dict[str, Any]:
    projection = view.projection
    vehicles = []
    for v in frame.live:
        x, y = projection.xy(v.lat, v.lon)
        vehicles.append([v.vehicle_id, v.trip.route_id if v.trip else "", x, y, bus_class(v)])
    return {
        "type": "map",
        "updated": TEXTS[lang]["updated"].format(time=clock_text(frame.now, view.network.timezone)),
        "summary": TEXTS[lang]["vehicles_live"].format(count=len(frame.live)),
        "vehicles": vehicles,
        "lines": {route_id: [*cells, str(open_alarms.get(route_id, 0))]
                  for route_id, cells in line_summaries(lang, frame).items()},
    }
