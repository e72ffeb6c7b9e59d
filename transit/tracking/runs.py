"""What the tracker keeps per vehicle and per trip being followed.

A trip's fixes are kept so that a late report can be put in its place and the
trip's passages derived again. A bus reporting every second on an hour-long
trip leaves 3,600 of them: as objects (a ``Fix`` and its three floats, ~120
bytes) a fleet's worth grew the service by megabytes a minute and gave the
collector millions of objects to walk; as three arrays of doubles they cost 24
bytes each and nothing to the collector. Only the fixes a late report can still
land between are kept (the filters refuse anything older): the ones before are
fed to a checkpoint detector, from which passages are derived again. So a
vehicle holds ~32 minutes of fixes (the soak's 400 terminals at one fix a
second: ~20 MiB), not its whole trip and the one before.
"""

from __future__ import annotations

import copy
import math
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from transit.model.network import Pattern, Trip
from transit.records import StopEvent, VehicleReport
from transit.tracking.candidates import scheduled_time_at
from transit.tracking.filters import FilterParams, Outcome, is_jump
from transit.tracking.passages import Fix, Passage, StopDetector
from transit.tracking.shapes import PreparedShape
from transit.tracking.state import StopStatus, TripRef, VehicleState

_NO_SPEED = math.nan  # a fix without a speed; NaN never equals a real speed


class FixTrack:
    """A trip's fixes in time order (times strictly increasing)."""

    __slots__ = ("_d", "_t", "_v")

    def __init__(self) -> None:
        self._t = array("d")
        self._d = array("d")
        self._v = array("d")

    def __len__(self) -> int:
        return len(self._t)

    def __getitem__(self, index: int) -> Fix:
        v = self._v[index]
        return Fix(self._t[index], self._d[index], None if math.isnan(v) else v)

    def __iter__(self) -> Iterator[Fix]:
        for index in range(len(self._t)):
            yield self[index]

    def append(self, fix: Fix) -> None:
        self._t.append(fix.t)
        self._d.append(fix.d)
        self._v.append(_NO_SPEED if fix.v is None else fix.v)

    def spans(self, t: float) -> bool:
        """``t`` falls strictly between the first and the last fix."""
        return len(self._t) >= 2 and self._t[0] < t < self._t[-1]

    def slot_of(self, t: float) -> int | None:
        """Where a fix at ``t`` would go, between two known fixes; None if one is at ``t``."""
        position = bisect_left(self._t, t)
        return None if self._t[position] == t else position

    def insert(self, position: int, fix: Fix) -> None:
        self._t.insert(position, fix.t)
        self._d.insert(position, fix.d)
        self._v.insert(position, _NO_SPEED if fix.v is None else fix.v)

    def count_before(self, t: float) -> int:
        """How many fixes are older than ``t``."""
        return bisect_left(self._t, t)

    def pop_first(self, count: int) -> list[Fix]:
        """Remove the ``count`` oldest fixes; they are returned in time order."""
        popped = [self[index] for index in range(count)]
        for column in (self._t, self._d, self._v):
            del column[:count]
        return popped


@dataclass
class Run:
    """The trip a vehicle is being followed on."""

    vehicle_id: str
    trip: Trip
    pattern: Pattern
    shape: PreparedShape
    service_date: date
    origin: float  # Unix time of the service day's GTFS origin
    detector: StopDetector
    started: bool  # the bus has left (or been seen past) the first stop
    from_start: bool  # it was waiting for the trip: the first stop is surely served
    tentative: bool  # guessed from position alone: confirm at departure
    furthest: float = -math.inf
    off: int = 0
    backwards: int = 0
    last_along: float | None = None  # of the last fix on the shape, fed or not
    fixes: FixTrack = field(default_factory=FixTrack)  # what the detector was fed
    emitted: dict[int, Passage] = field(default_factory=dict)  # by stop index
    # A detector fed every fix dropped from ``fixes`` (None: none dropped yet).
    checkpoint: StopDetector | None = None


@dataclass
class Vehicle:
    vehicle_id: str
    last_t: float | None = None
    last_xy: tuple[float, float] = (0.0, 0.0)
    last_speed: float | None = None
    previous: tuple[float, float, float] | None = None  # (t, x, y) of the fix before the last
    jumped: list[tuple[float, float, float]] = field(default_factory=list)
    run: Run | None = None
    finished: Run | None = None  # the trip before, which a late report may still correct
    block: tuple[str, ...] = ()
    state: VehicleState | None = None
    retry: tuple[float, tuple[float, float]] = (-math.inf, (0.0, 0.0))  # when/where to match again
    named_trip: str | None = None  # the trip its last report's descriptor named
    block_guessed: bool = False  # its block came from a match by position alone, mid-block


def stop_event(run: Run, passage: Passage) -> StopEvent:
    """A passage of ``run`` as the stop event the rest of the service sees."""
    return StopEvent(
        service_date=run.service_date,
        trip_id=run.trip.trip_id,
        stop_sequence=run.pattern.sequence_at(passage.index),
        stop_id=run.pattern.stop_ids[passage.index],
        vehicle_id=run.vehicle_id,
        arrival=passage.arrival,
        departure=passage.departure,
    )


def correct_late_fix(vehicle: Vehicle, report: VehicleReport, x: float, y: float,
                     on_route_m: float, zone_m: float) -> tuple[StopEvent, ...] | None:
    """A report older than the newest fix, falling inside a trip the bus is
    running or has just run: put it in its place and re-derive that trip's
    passages; the ones that change are sent again as corrections. None when
    the report fits no trip."""
    for run in (vehicle.run, vehicle.finished):
        if run is None or not run.fixes.spans(report.timestamp):
            continue
        position = run.fixes.slot_of(report.timestamp)
        if position is None:
            return None
        before, after = run.fixes[position - 1], run.fixes[position]
        projection = run.shape.project(x, y, before.d - 60.0, after.d + 60.0)
        if projection.offset > on_route_m:
            return None
        run.fixes.insert(position, Fix(report.timestamp, projection.along, report.speed_mps))
        changed = refeed(run, zone_m, current=run is vehicle.run)
        return tuple(stop_event(run, p) for p in changed)
    return None


def refeed(run: Run, zone_m: float, *, current: bool) -> list[Passage]:
    """The passages of ``run`` derived again from all its fixes (after a late
    one was put in place) that differ from those already emitted; those are now
    the emitted ones. ``current``: the run is still followed, so its detector
    is replaced by the one that has seen every fix."""
    detector = _checkpoint_of(run, zone_m)
    passages = [p for f in run.fixes for p in detector.feed(f)]
    if current:
        run.detector = detector
    changed = [p for p in passages if run.emitted.get(p.index) != p]
    run.emitted.update((p.index, p) for p in changed)
    return changed


# Old fixes are dropped this many at a time: dropping from the front of the
# arrays moves the rest, so not one by one; and not hundreds: the soak's 400
# terminals, started together, crossed a 300-fix threshold in the same second
# and the event loop stalled ~1 s every 5 min (soak run 5).
FORGET_BATCH = 16


def forget_fixes_before(run: Run, t: float, zone_m: float, at_least: int = FORGET_BATCH) -> None:
    """Drop the fixes no late report can land between any more: those before
    ``t``, all but the last of them (a late fix at ``t`` goes after it). They
    are fed to the run's checkpoint detector, so passages derived again come
    out as from all the fixes. Done ``at_least`` fixes at a time."""
    count = run.fixes.count_before(t) - 1
    if count < at_least:
        return
    detector = _checkpoint_of(run, zone_m)
    for fix in run.fixes.pop_first(count):
        detector.feed(fix)
    run.checkpoint = detector


def forget_old_fixes(vehicle: Vehicle, t: float, zone_m: float) -> None:
    """Keep of the vehicle's runs only the fixes a late report at ``t`` or
    after can land between; a finished trip wholly before ``t`` goes."""
    if vehicle.run is not None:
        forget_fixes_before(vehicle.run, t, zone_m)
    finished = vehicle.finished
    if finished is not None and (not finished.fixes or finished.fixes[-1].t < t):
        vehicle.finished = None
    elif finished is not None:
        forget_fixes_before(finished, t, zone_m)


def _checkpoint_of(run: Run, zone_m: float) -> StopDetector:
    """A detector in the state of one fed every dropped fix, to feed the kept ones."""
    if run.checkpoint is None:
        return StopDetector(run.pattern.stop_dists, zone_m, from_start=run.from_start)
    return copy.copy(run.checkpoint)


def vehicle_state(report: VehicleReport, run: Run | None, off_route_fixes: int) -> VehicleState:
    """What readers see of a vehicle after ``report``: where it is and, when
    followed on a trip, which trip, its next stop and its delay."""
    if run is None:
        return VehicleState(report.vehicle_id, report.timestamp, report.lat, report.lon,
                            report.speed_mps, report.bearing, None, None, None, None, None,
                            None, None)
    index = min(run.detector.next_index, len(run.pattern.stop_ids) - 1)
    status = StopStatus.STOPPED_AT if run.detector.at_stop else StopStatus.IN_TRANSIT_TO
    along = run.furthest if run.furthest > -math.inf else None
    delay = None
    if along is not None and run.started:
        delay = report.timestamp - (run.origin + scheduled_time_at(run.trip, run.pattern, along))
    return VehicleState(
        vehicle_id=report.vehicle_id, timestamp=report.timestamp, lat=report.lat, lon=report.lon,
        speed_mps=report.speed_mps, bearing=report.bearing,
        trip=TripRef(run.trip.trip_id, run.trip.route_id, run.trip.direction_id,
                     run.service_date, run.trip.start, run.trip.block_id),
        stop_index=index, stop_sequence=run.pattern.sequence_at(index),
        stop_id=run.pattern.stop_ids[index], status=status, distance_along=along,
        delay_s=delay, off_route=run.off >= off_route_fixes, block_confirmed=not run.tentative,
    )


def check_history(vehicle: Vehicle, report: VehicleReport, x: float, y: float,
                  params: FilterParams) -> Outcome | None:
    """What a report is against the vehicle's last fix (at ``x``, ``y`` in the
    local frame): a duplicate, out of order, a jump, or None when usable."""
    assert vehicle.last_t is not None
    if report.timestamp == vehicle.last_t:
        return Outcome.DUPLICATE
    if report.timestamp < vehicle.last_t:
        return Outcome.OUT_OF_ORDER
    dt = report.timestamp - vehicle.last_t
    if not is_jump(math.dist(vehicle.last_xy, (x, y)), dt, params):
        return None
    # Two fixes in a row that agree with each other, and not with the old
    # position, mean the old position was the wrong one: follow them.
    if vehicle.jumped:
        t0, x0, y0 = vehicle.jumped[-1]
        if not is_jump(math.dist((x0, y0), (x, y)), report.timestamp - t0, params):
            return None
    vehicle.jumped.append((report.timestamp, x, y))
    return Outcome.JUMP


def heading_along(vehicle: Vehicle, shape: PreparedShape, along: float, t: float, on_route_m: float,
                  segment: int | None = None, bearing: float | None = None) -> bool | None:
    """Whether a bus moves the pattern's way: one fix alone cannot tell the two
    directions of a street apart. From its last two fixes, else from its
    bearing; None when neither can tell (first seen, or standing)."""
    if vehicle.previous is not None:
        t0, x0, y0 = vehicle.previous
        moved = math.dist((x0, y0), vehicle.last_xy)
        if t - t0 <= 120.0 and moved >= 20.0:
            before = shape.project(x0, y0, along - moved - 200.0, along + 50.0)
            return before.offset <= on_route_m and before.along < along
    return None if segment is None else bearing_agrees(shape, segment, bearing, vehicle.last_speed)


def bearing_agrees(shape: PreparedShape, segment: int, bearing: float | None,
                   speed: float | None) -> bool | None:
    """Whether a moving bus's reported bearing (degrees from north) runs the
    shape's way at ``segment``; None when it cannot tell (no bearing, or the
    bus standing, when a bearing is stale)."""
    if bearing is None or speed is None or speed < 1.0 or segment + 1 >= len(shape.xs):
        return None
    dx, dy = shape.xs[segment + 1] - shape.xs[segment], shape.ys[segment + 1] - shape.ys[segment]
    if dx == 0.0 and dy == 0.0:
        return None
    turn = (bearing - math.degrees(math.atan2(dx, dy))) % 360.0
    return min(turn, 360.0 - turn) < 90.0
