"""A draft schedule version from new timetables: the rebuilt day's trips, their
blocks, the KPIs of the draft and of the live version's same day, the diff
against it, and the GTFS zip; everything ``store.drafts.insert_draft`` keeps.

The KPIs and the diff are frozen with the draft (the console approves what it
shows), so they are computed here, once, from the same demand on both sides.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from feeds.drafts.blocking import block_draft
from feeds.schedules.depots import DepotSite
from optimizer.timetable import diff as day_diff
from optimizer.timetable import kpis as day_kpis
from optimizer.timetable.draft import (DraftBlocks, DraftDay, RebuiltDirection, draft_day, with_blocks,
                                      with_short_trips)
from optimizer.timetable.model import DirectionInput
from transit.console.marey_sides import DirectionKey, DirectionSides, direction_trips, side_of
from transit.console.review import line_directions
from transit.gtfs.draft_feed import draft_feed
from transit.model.network import Network, Trip

# The figures a list of drafts shows, beside the live version's and the change.
HEADLINE = ("trips", "service_km", "peak_vehicles", "vehicle_hours", "expected_wait_s",
            "max_load_factor", "p95_load_factor", "trips_over_capacity")


@dataclass(frozen=True)
class BaseSchedule:
    """A stored schedule version: the one a draft starts from, or the live one."""

    version_id: int
    source: str
    data: bytes
    network: Network


@dataclass(frozen=True)
class DraftRequest:
    service_ids: frozenset[str]  # the service day rebuilt (e.g. a typical day's services)
    rebuilt: tuple[RebuiltDirection, ...]
    scenario: str
    params: Mapping[str, Any] = field(default_factory=dict)  # method, weights, fleet... as run
    service_id: str | None = None  # of the new trips; default the day's one service
    depots: tuple[DepotSite, ...] = ()  # none: blocks by FIFO chaining
    block_time_limit_s: float = 10.0
    tolerance_s: int = day_diff.DEFAULT_TOLERANCE_S
    created_by: str = ""
    # The live side's demand where it differs from the draft's (a line study that
    # changes stops: the live line's riders on the live stops); None: the draft's.
    live_demand: tuple[DirectionInput, ...] | None = None
    # Short-turn trips of rebuilt directions (on patterns of the base network): in the
    # GTFS, the blocks and the charts; not in the KPIs and diff, which count full trips
    # (the optimizer's short-turn estimate, kept beside them, counts both).
    short_trips: tuple[Trip, ...] = ()


@dataclass(frozen=True)
class NewDraft:
    """A draft ready to store: the fields of ``timetable_drafts`` and the day behind them."""

    base_version_id: int
    scenario: str
    params: Mapping[str, Any]
    feed_zip: bytes
    kpis: Mapping[str, Any]
    diff: Mapping[str, Any]
    created_by: str
    notes: Sequence[Mapping[str, Any]]
    day: DraftDay
    blocks: DraftBlocks
    # Per line direction it rebuilt or changed, what its page's Marey chart draws
    # (kept with the draft: the page then builds no network).
    charts: Mapping[DirectionKey, DirectionSides] = field(default_factory=dict)


def make_draft(base: BaseSchedule, live: BaseSchedule, request: DraftRequest,
               clock: Callable[[], float]) -> NewDraft:
    """The draft of ``request`` on ``base``, compared with ``live``'s same services.
    ``clock`` (seconds, monotonic) bounds the block search."""
    day = with_short_trips(draft_day(base.network, request.service_ids, request.rebuilt,
                                     service_id=request.service_id), request.short_trips)
    layover = max((r.direction.layover_s for r in request.rebuilt), default=0)
    blocks = block_draft(base.network, day, request.depots, layover,
                         time_limit_s=request.block_time_limit_s, clock=clock)
    day = with_blocks(day, blocks)
    added = set(day.added)
    feed_zip = draft_feed(base.data, base.source, base.network, {t.trip_id for t in day.removed},
                          [t for t in day.trips if t.trip_id in added], blocks.block_of)
    live_trips = day_trips(live.network, request.service_ids)
    demand = [r.direction for r in request.rebuilt]
    live_demand = demand if request.live_demand is None else request.live_demand
    short = {t.trip_id for t in request.short_trips}
    full_trips = [t for t in day.trips if t.trip_id not in short]
    kpis = _kpis(day_kpis.measure_day(base.network, full_trips, demand),
                 day_kpis.measure_day(live.network, live_trips, live_demand))
    diff = day_diff.diff_days(live_trips, full_trips, {r.key: r.direction.periods for r in request.rebuilt},
                              request.tolerance_s)
    params = _params(request, day, blocks, live.version_id)
    stored_diff = day_diff.as_mapping(diff)
    return NewDraft(base.version_id, request.scenario, params, feed_zip, kpis, stored_diff, request.created_by,
                    _notes(request, blocks), day, blocks, chart_sides(base.network, day, live.network, params,
                                                                      stored_diff))


def chart_sides(base: Network, day: DraftDay, live: Network, params: Mapping[str, Any],
                diff: Mapping[str, Any]) -> dict[DirectionKey, DirectionSides]:
    """Per line direction a draft page can chart: the live version's trips
    and the draft's (its day on ``base``'s patterns), of the draft's services,
    as the page would take them from the two networks."""
    services = frozenset(params.get("service_ids", ()))
    return {key: DirectionSides(side_of(live, direction_trips(live.trips.values(), services, key)),
                                side_of(base, direction_trips(day.trips, services, key)))
            for key in line_directions(params, diff)}


def headline(kpis: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """figure -> {draft, live, delta} from stored KPIs (None where a side has no value)."""
    return {name: _compare(_figure(kpis["draft"], name), _figure(kpis["live"], name)) for name in HEADLINE}


def _kpis(draft: day_kpis.DayKpis, live: day_kpis.DayKpis) -> dict[str, Any]:
    stored: dict[str, Any] = {"draft": dict(day_kpis.as_mapping(draft)), "live": dict(day_kpis.as_mapping(live))}
    stored["headline"] = headline(stored)
    return stored


def _figure(side: Mapping[str, Any], name: str) -> Any:
    if name in side["total"]:
        return side["total"][name]
    if name in ("vehicle_hours", "vehicle_km"):
        return side[name]
    return None if side["crowding"] is None else side["crowding"][name]


def _compare(draft: Any, live: Any) -> dict[str, Any]:
    delta = None if draft is None or live is None else draft - live
    return {"draft": draft, "live": live, "delta": delta}


def _params(request: DraftRequest, day: DraftDay, blocks: DraftBlocks, live_version_id: int) -> dict[str, Any]:
    return {
        **request.params,
        "service_ids": sorted(day.service_ids),
        "service_id": day.service_id,
        "live_version_id": live_version_id,
        "blocks": {"source": blocks.source.value, "note": blocks.note},
        "tolerance_s": request.tolerance_s,
        "rebuilt": [_timetable(r) for r in request.rebuilt],
    }


def _timetable(rebuilt: RebuiltDirection) -> dict[str, Any]:
    t = rebuilt.timetable
    return {"route_id": t.route_id, "direction_id": t.direction_id, "pattern_id": rebuilt.direction.profile.pattern_id,
            "construction": t.construction, "status": t.status.value, "objective": t.objective,
            "bound": t.bound, "gap": t.gap, "departures": len(t.departures_s)}


def _notes(request: DraftRequest, blocks: DraftBlocks) -> list[dict[str, Any]]:
    notes: list[dict[str, Any]] = [{"source": f"blocks:{blocks.source.value}", "message": blocks.note}]
    for rebuilt in request.rebuilt:
        notes += [{"source": f"timetable:{rebuilt.timetable.route_id}:{rebuilt.timetable.direction_id}",
                   "constraint": b.constraint, "message": b.message, "amount": b.amount, "unit": b.unit,
                   "period": b.period} for b in rebuilt.timetable.bindings]
    return notes


def day_trips(network: Network, service_ids: frozenset[str]) -> list[Trip]:
    """The trips of a version that the services run (for a side-by-side)."""
    return [t for t in network.trips.values() if t.service_id in service_ids]
