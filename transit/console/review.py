"""What an approver reads of a draft, from the KPIs and diff stored with it
(``feeds.drafts.make``: measured once, on the same demand, against the live
version): the KPI deltas, the headway table (line, direction, day type,
period; old against new), the changes per direction and the trip-level diff
of one direction. Data in, rows out; the pages only lay them out.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from transit.model.line_names import line_order_key
from transit.model.service_days import DayType


class Unit(enum.StrEnum):
    COUNT = "count"
    KM = "km"
    HOURS = "hours"
    CLOCK = "clock"  # a service-day time (first and last bus)
    SECONDS = "seconds"  # a duration (the expected wait)
    RATIO = "ratio"  # a load factor


# (figure, where it lives in stored DayKpis, unit), in the order a page shows them.
KPIS: tuple[tuple[str, str, Unit], ...] = (
    ("trips", "total", Unit.COUNT),
    ("service_km", "total", Unit.KM),
    ("service_hours", "total", Unit.HOURS),
    ("peak_vehicles", "total", Unit.COUNT),
    ("first_departure_s", "total", Unit.CLOCK),
    ("last_departure_s", "total", Unit.CLOCK),
    ("expected_wait_s", "crowding", Unit.SECONDS),
    ("max_load_factor", "crowding", Unit.RATIO),
    ("trips_over_capacity", "crowding", Unit.COUNT),
    ("vehicle_hours", "", Unit.HOURS),
)


@dataclass(frozen=True, slots=True)
class KpiDelta:
    name: str
    unit: Unit
    live: float | None
    draft: float | None

    @property
    def delta(self) -> float | None:
        return None if self.live is None or self.draft is None else self.draft - self.live


@dataclass(frozen=True, slots=True)
class Headway:
    departures: int
    mean_s: float | None
    max_s: int | None


@dataclass(frozen=True, slots=True)
class HeadwayRow:
    route_id: str
    direction_id: int
    day_type: str  # weekday, saturday, sunday; "" when the draft does not say
    period: str
    start_s: int
    end_s: int
    old: Headway
    new: Headway


@dataclass(frozen=True, slots=True)
class DirectionRow:
    route_id: str
    direction_id: int
    unchanged: int
    moved: int
    added: int
    removed: int


def kpi_deltas(kpis: Mapping[str, Any]) -> tuple[KpiDelta, ...]:
    """Each figure of ``KPIS``, live against draft (None where a side has no value)."""
    return tuple(KpiDelta(name, unit, _figure(kpis.get("live"), where, name), _figure(kpis.get("draft"), where, name))
                 for name, where, unit in KPIS)


def _figure(side: Mapping[str, Any] | None, where: str, name: str) -> float | None:
    part = side if side is None or not where else side.get(where)
    value = None if part is None else part.get(name)
    return None if value is None else float(value)


def day_type_of(params: Mapping[str, Any], scenario: str) -> str:
    """The day type a draft rebuilt: that of its service date, else its
    scenario's name when that is a day type, else ""."""
    text = params.get("service_date")
    if text:
        try:
            day = date.fromisoformat(str(text))
        except ValueError:
            return ""
        return next(t.value for t in DayType if t.includes(day))
    return scenario if scenario in set(DayType) else ""


def headway_rows(diff: Mapping[str, Any], day_type: str) -> tuple[HeadwayRow, ...]:
    """The diff's headways by line (in line order), direction and period."""
    rows = [HeadwayRow(h["route_id"], int(h["direction_id"]), day_type, h["period"], int(h["start_s"]),
                       int(h["end_s"]), _headway(h["old"]), _headway(h["new"])) for h in diff.get("headways", ())]
    return tuple(sorted(rows, key=lambda r: (line_order_key(r.route_id), r.direction_id, r.start_s, r.period)))


def _headway(side: Mapping[str, Any]) -> Headway:
    return Headway(int(side["departures"]), side.get("mean_s"), side.get("max_s"))


def direction_rows(diff: Mapping[str, Any]) -> tuple[DirectionRow, ...]:
    rows = [DirectionRow(d["route_id"], int(d["direction_id"]), d["unchanged"], d["moved"], d["added"], d["removed"])
            for d in diff.get("directions", ())]
    return tuple(sorted(rows, key=lambda r: (line_order_key(r.route_id), r.direction_id)))


def trip_changes(diff: Mapping[str, Any], route_id: str, direction_id: int) -> tuple[Mapping[str, Any], ...]:
    """The added, removed and moved trips of one line direction, by time."""
    return tuple(t for t in diff.get("trips", ()) if t["route_id"] == route_id and t["direction_id"] == direction_id)


def draft_lines(params: Mapping[str, Any], diff: Mapping[str, Any]) -> frozenset[str]:
    """The lines a draft changes: those it rebuilt and those its diff touches
    (what an approver's scope must cover)."""
    rebuilt = {str(r["route_id"]) for r in params.get("rebuilt", ())}
    return frozenset(rebuilt | {str(d["route_id"]) for d in diff.get("directions", ())})


def line_directions(params: Mapping[str, Any], diff: Mapping[str, Any]) -> tuple[tuple[str, int], ...]:
    """The line directions a draft rebuilt or changed, in line order: what its
    chart and trip diff can be drawn for."""
    keys = {(str(r["route_id"]), int(r["direction_id"])) for r in params.get("rebuilt", ())}
    keys |= {(str(d["route_id"]), int(d["direction_id"])) for d in diff.get("directions", ())}
    return tuple(sorted(keys, key=lambda k: (line_order_key(k[0]), k[1])))


def compared_version(params: Mapping[str, Any], base_version_id: int) -> int:
    """The live version a draft's KPIs and diff were measured against."""
    value = params.get("live_version_id")
    return base_version_id if value is None else int(value)


def headline_changes(headline: Mapping[str, Any], names: Sequence[str]) -> tuple[tuple[str, float | None], ...]:
    """(figure, draft minus live) for the list of drafts."""
    return tuple((name, (headline.get(name) or {}).get("delta")) for name in names)
