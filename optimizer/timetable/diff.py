"""A draft day against the live one: which trips were added, removed or moved,
and the headways of each line direction by period, old against new.

Trips are matched by line, direction and departure time from the first stop,
never by id (a rebuilt timetable renames every trip). The matching is a
min-cost one: a pair costs the shift between its departures and may not be
shifted over ``tolerance_s``; a trip left unmatched costs ``tolerance_s``, so
no pair within tolerance is ever worse than two unmatched trips. On a time
line an optimal matching never crosses (two crossing pairs within tolerance
uncross into two pairs within tolerance, no dearer), so a dynamic programme
over the two sorted departure lists finds it exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import pairwise

from optimizer.timetable.model import Period
from transit.model.network import Trip

DEFAULT_TOLERANCE_S = 600

LineDirection = tuple[str, int]


@dataclass(frozen=True, slots=True)
class TripChange:
    kind: str  # "added", "removed", "moved"
    route_id: str
    direction_id: int
    old_trip_id: str | None
    new_trip_id: str | None
    old_departure_s: int | None
    new_departure_s: int | None

    @property
    def shift_s(self) -> int | None:
        if self.old_departure_s is None or self.new_departure_s is None:
            return None
        return self.new_departure_s - self.old_departure_s


@dataclass(frozen=True, slots=True)
class DirectionChanges:
    route_id: str
    direction_id: int
    unchanged: int  # matched at the same departure time
    moved: int
    added: int
    removed: int


@dataclass(frozen=True, slots=True)
class Headways:
    departures: int
    mean_s: float | None  # of the gaps between departures inside the period
    max_s: int | None


@dataclass(frozen=True, slots=True)
class PeriodHeadways:
    route_id: str
    direction_id: int
    period: str
    start_s: int
    end_s: int
    old: Headways
    new: Headways


@dataclass(frozen=True, slots=True)
class DayDiff:
    tolerance_s: int
    directions: tuple[DirectionChanges, ...]  # every line direction that changed
    trips: tuple[TripChange, ...]  # added, removed and moved trips, by line, direction, time
    headways: tuple[PeriodHeadways, ...]

    def count(self, kind: str) -> int:
        return sum(1 for t in self.trips if t.kind == kind)


def diff_days(old: Sequence[Trip], new: Sequence[Trip], periods: Mapping[LineDirection, Sequence[Period]],
              tolerance_s: int = DEFAULT_TOLERANCE_S) -> DayDiff:
    """The trip-level diff of two days, and the headways of the directions in ``periods``."""
    if tolerance_s < 0:
        raise ValueError(f"tolerance {tolerance_s} s: give 0 or more seconds")
    old_by, new_by = _by_direction(old), _by_direction(new)
    rows, changes = [], []
    for key in sorted(set(old_by) | set(new_by)):
        found = match_departures(old_by.get(key, []), new_by.get(key, []), tolerance_s)
        found = [c for c in found if c.kind != "unchanged"]
        row = DirectionChanges(*key, len(old_by.get(key, [])) - sum(c.kind in ("moved", "removed") for c in found),
                               *(sum(c.kind == k for c in found) for k in ("moved", "added", "removed")))
        if found:
            rows.append(row)
            changes += found
    headways = [PeriodHeadways(*key, p.name, p.start_s, p.end_s,
                               period_headways(old_by.get(key, []), p), period_headways(new_by.get(key, []), p))
                for key in sorted(periods) for p in periods[key]]
    return DayDiff(tolerance_s, tuple(rows), tuple(changes), tuple(headways))


def match_departures(old: Sequence[Trip], new: Sequence[Trip], tolerance_s: int) -> list[TripChange]:
    """One line direction's trips matched by departure: each old trip unchanged,
    moved or removed, each new trip unchanged, moved or added; by departure time."""
    a = sorted(old, key=lambda t: (t.start, t.trip_id))
    b = sorted(new, key=lambda t: (t.start, t.trip_id))
    if [t.start for t in a] == [t.start for t in b]:  # a direction the draft kept: no search
        return [_change("unchanged", x, y) for x, y in zip(a, b, strict=True)]
    cost = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        for j in range(len(b) + 1):
            options = []
            if i:
                options.append(cost[i - 1][j] + tolerance_s)
            if j:
                options.append(cost[i][j - 1] + tolerance_s)
            if i and j and abs(a[i - 1].start - b[j - 1].start) <= tolerance_s:
                options.append(cost[i - 1][j - 1] + abs(a[i - 1].start - b[j - 1].start))
            cost[i][j] = min(options, default=0)
    return sorted(_walk_back(a, b, cost, tolerance_s), key=_change_order)


def _walk_back(a: Sequence[Trip], b: Sequence[Trip], cost: list[list[int]], tolerance_s: int) -> list[TripChange]:
    changes = []
    i, j = len(a), len(b)
    while i or j:
        if i and j and abs(a[i - 1].start - b[j - 1].start) <= tolerance_s and \
                cost[i][j] == cost[i - 1][j - 1] + abs(a[i - 1].start - b[j - 1].start):
            kind = "unchanged" if a[i - 1].start == b[j - 1].start else "moved"
            changes.append(_change(kind, a[i - 1], b[j - 1]))
            i, j = i - 1, j - 1
        elif i and cost[i][j] == cost[i - 1][j] + tolerance_s:
            changes.append(_change("removed", a[i - 1], None))
            i -= 1
        else:
            changes.append(_change("added", None, b[j - 1]))
            j -= 1
    return changes


def _change(kind: str, old: Trip | None, new: Trip | None) -> TripChange:
    either = old if old is not None else new
    if either is None:
        raise ValueError("a change needs an old or a new trip")
    return TripChange(kind, either.route_id, either.direction_id,
                      None if old is None else old.trip_id, None if new is None else new.trip_id,
                      None if old is None else old.start, None if new is None else new.start)


def _change_order(change: TripChange) -> tuple[int, str]:
    at = change.new_departure_s if change.new_departure_s is not None else change.old_departure_s
    return (at or 0, change.new_trip_id or change.old_trip_id or "")


def period_headways(trips: Sequence[Trip], period: Period) -> Headways:
    starts = sorted(t.start for t in trips if period.start_s <= t.start < period.end_s)
    gaps = [b - a for a, b in pairwise(starts)]
    return Headways(len(starts), sum(gaps) / len(gaps) if gaps else None, max(gaps, default=None))


def _by_direction(trips: Sequence[Trip]) -> dict[LineDirection, list[Trip]]:
    grouped: dict[LineDirection, list[Trip]] = defaultdict(list)
    for trip in trips:
        grouped[(trip.route_id, trip.direction_id)].append(trip)
    return grouped


def as_mapping(diff: DayDiff) -> Mapping[str, object]:
    """The diff as JSON-ready data (what drafts store and serve), with the counts."""
    data = asdict(diff)
    data["counts"] = {kind: diff.count(kind) for kind in ("added", "removed", "moved")}
    for row, change in zip(data["trips"], diff.trips, strict=True):
        row["shift_s"] = change.shift_s
    return data
