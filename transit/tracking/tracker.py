"""The tracker: each accepted report moves one vehicle along its trip and may
complete stop passages. Pure (no clock, no I/O); one writer owns it.

A vehicle's trip comes from the trip its report names, where the bus is on
it (``descriptors``), else from the day's vehicle-to-block assignments when
given, else from the reports themselves: the pattern it is on (within the
route the report names, if any) and the trip the schedule puts there about
now. Either way, once a trip is known its block says what comes next, so
layovers, terminals and missed reports do not lose it; a report naming
another trip moves the bus to it at once.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from transit.model.network import Network, Trip
from transit.records import StopEvent, VehicleReport
from transit.tracking.candidates import (
    Candidate, PatternGrid, left_long_ago, list_candidates, match_cost, nearest_departure,
    trips_by_pattern,
)
from transit.tracking.descriptors import (
    DescriptorOutcome, DescriptorParams, RouteFilter, find_named_trip, find_route_filter,
)
from transit.tracking.days import ServiceDays
from transit.tracking.filters import FilterParams, Outcome, check_report, oldest_late_fix
from transit.tracking.passages import Fix, StopDetector
from transit.tracking.runs import (
    Run, Vehicle, check_history, correct_late_fix, forget_old_fixes, heading_along, stop_event,
    vehicle_state,
)
from transit.tracking.shapes import frame_for, prepare_shapes
from transit.tracking.state import VehicleState

MATCH_RETRY_S = 60.0
MATCH_RETRY_M = 300.0
# A bus turning back this close to its trip's last stop has ended the trip
# (short of the stop's zone): its block's next trip follows. Farther back, it was not on that trip.
END_M = 300.0
# Off its shape this many fixes in a row that close to its end, the bus has
# left the trip's last stop aside (a terminal loop, a stand off the street):
# the trip is over, and its block's next one follows.
END_OFF_FIXES = 2
# How far along its block's next trip a bus off its trip may already be
# for that trip to have begun.
NEXT_START_M = 2000.0


@dataclass(frozen=True, slots=True)
class TrackingParams:
    zone_m: float = 25.0  # a bus this close to a stop is at it
    on_route_m: float = 60.0  # farther from the trip's shape is off route
    off_route_fixes: int = 3  # consecutive off-route fixes before it is flagged
    lost_fixes: int = 8  # ... and before the trip is given up
    match_m: float = 40.0  # how close to a shape a bus must be to be matched to it
    match_early_s: float = 600.0
    terminal_wait_s: float = 2400.0
    lost_after_s: float = 1800.0  # a gap in reports this long ends the trip being followed
    match_late_s: float = 2400.0
    area_margin_m: float = 5000.0  # beyond the network's stops by more: outside
    filters: FilterParams = FilterParams()
    descriptors: DescriptorParams = DescriptorParams()


@dataclass(frozen=True, slots=True)
class Observation:
    vehicle_id: str
    outcome: Outcome
    state: VehicleState | None
    events: tuple[StopEvent, ...] = ()


class Tracker:
    def __init__(
        self,
        network: Network,
        params: TrackingParams = TrackingParams(),
        assignments: Mapping[tuple[date, str], str] | None = None,
    ) -> None:
        self._network = network
        self._params = params
        self._assignments = dict(assignments or {})
        self._block_owners = {(day, block): vehicle for (day, vehicle), block in self._assignments.items()}
        self._frame = frame_for(network)
        self._shapes = prepare_shapes(network, self._frame)
        self._grid = PatternGrid(network.patterns, self._shapes)
        self._trips_by_pattern = trips_by_pattern(network)
        xys = [self._frame.xy(s.lat, s.lon) for s in network.stops.values()] or [(0.0, 0.0)]
        margin = params.area_margin_m
        self._area = (min(p[0] for p in xys) - margin, max(p[0] for p in xys) + margin,
                      min(p[1] for p in xys) - margin, max(p[1] for p in xys) + margin)
        self._vehicles: dict[str, Vehicle] = {}
        self._claims: dict[tuple[date, str], str] = {}
        self._days = ServiceDays(network)
        self.counts: Counter[Outcome] = Counter()
        self.descriptor_counts: Counter[DescriptorOutcome] = Counter()  # by report

    # -- reading -----------------------------------------------------------

    @property
    def network(self) -> Network:
        return self._network

    def list_states(self) -> list[VehicleState]:
        return [v.state for v in self._vehicles.values() if v.state is not None]

    # -- the per-report path -------------------------------------------------

    def observe(self, report: VehicleReport) -> Observation:
        outcome = check_report(report, self._params.filters)
        x, y = self._frame.xy(report.lat, report.lon)
        if outcome is None and not self._in_area(x, y):
            outcome = Outcome.OUTSIDE_AREA
        vehicle = self._vehicles.get(report.vehicle_id)
        if outcome is None and vehicle is not None and vehicle.last_t is not None:
            outcome = check_history(vehicle, report, x, y, self._params.filters)
        if outcome is Outcome.OUT_OF_ORDER and vehicle is not None:
            corrected = correct_late_fix(vehicle, report, x, y, self._params.on_route_m, self._params.zone_m)
            if corrected is not None:
                self.counts[Outcome.LATE_USED] += 1
                return Observation(report.vehicle_id, Outcome.LATE_USED, vehicle.state, corrected)
        if outcome is not None:
            self.counts[outcome] += 1
            return Observation(report.vehicle_id, outcome, None)
        if vehicle is None:
            vehicle = self._vehicles[report.vehicle_id] = Vehicle(report.vehicle_id)
        self.counts[Outcome.ACCEPTED] += 1
        speed = report.speed_mps
        if speed is None and vehicle.last_t is not None and report.timestamp > vehicle.last_t:
            moved = math.dist(vehicle.last_xy, (x, y))
            speed = moved / (report.timestamp - vehicle.last_t)
        if vehicle.last_t is not None:
            vehicle.previous = (vehicle.last_t, *vehicle.last_xy)
        elapsed = report.timestamp - vehicle.last_t if vehicle.last_t is not None else 0.0
        vehicle.last_t, vehicle.last_xy, vehicle.last_speed = report.timestamp, (x, y), speed
        vehicle.jumped.clear()
        events = self._advance(vehicle, report, x, y, speed, elapsed)
        # Fixes older than any late report the filters let through are of no more use.
        forget_old_fixes(vehicle, oldest_late_fix(report.timestamp, self._params.filters), self._params.zone_m)
        vehicle.state = vehicle_state(report, vehicle.run, self._params.off_route_fixes)
        return Observation(report.vehicle_id, Outcome.ACCEPTED, vehicle.state, tuple(events))

    def _in_area(self, x: float, y: float) -> bool:
        x0, x1, y0, y1 = self._area
        return x0 <= x <= x1 and y0 <= y <= y1

    def _advance(self, vehicle: Vehicle, report: VehicleReport, x: float, y: float,
                 speed: float | None, elapsed: float) -> list[StopEvent]:
        t = report.timestamp
        if vehicle.run is not None and elapsed > self._params.lost_after_s:
            # Not heard from for long (overnight, a long outage): where the bus
            # was tells nothing of what it runs now.
            self._release(vehicle)
        following = vehicle.run is not None
        events = self._keep_following(vehicle, t, x, y, speed, elapsed) if following else []
        named, route = self._weigh_descriptor(vehicle, report, x, y)
        if named is not None:
            return events + self._follow(named, t, x, y, speed, elapsed)
        if vehicle.run is not None and route is not None and _leaves_route(vehicle.run, route):
            self._release(vehicle)  # the bus says it serves another route: look for its trip there
            following = False
        if following:
            return events
        # Matching is the costly step: a bus that matched nothing (out of
        # service, deadheading) is tried again only after a while or a distance.
        retry_at, (rx, ry) = vehicle.retry
        if t < retry_at and math.dist((rx, ry), (x, y)) < MATCH_RETRY_M:
            return events
        vehicle.run, undecided = self._match(vehicle, t, x, y, report.bearing, route)
        if vehicle.run is None:
            if not undecided:
                vehicle.retry = (t + MATCH_RETRY_S, (x, y))
            return events
        return events + self._follow(vehicle.run, t, x, y, speed, elapsed)

    def _keep_following(self, vehicle: Vehicle, t: float, x: float, y: float, speed: float | None,
                        elapsed: float) -> list[StopEvent]:
        run = vehicle.run
        assert run is not None
        events = self._follow(run, t, x, y, speed, elapsed)
        ended = run.detector.reached_end or (
            _near_end(run) and (run.backwards >= 2 or run.off >= END_OFF_FIXES))
        # Off its trip's shape and on the start of its block's next trip: the
        # bus turned before the trip's last stops (a terminal those trips
        # share), the next trip has begun, as far along as the bus has gone.
        begun = not ended and run.off >= END_OFF_FIXES and self._on_next_start(vehicle, t, x, y)
        if ended or begun:
            self._next_run(vehicle, t)
            if vehicle.run is not None and vehicle.run is not run:
                events += self._follow(vehicle.run, t, x, y, speed, elapsed,
                                       reach=NEXT_START_M if begun else None)
        elif run.backwards >= 2 or run.off >= self._params.lost_fixes:
            # Turning back mid-trip: this was not its trip (a bus first seen
            # mid-route, taken the wrong way). Its block says nothing of what
            # it runs: look for its trip again at once.
            self._release(vehicle)
            vehicle.retry = (-math.inf, (0.0, 0.0))
        return events

    def _on_next_start(self, vehicle: Vehicle, t: float, x: float, y: float) -> bool:
        """Whether the bus is on the first NEXT_START_M of its block's next trip."""
        assert vehicle.run is not None
        following = self._following_trip(vehicle, vehicle.run, t)
        if following is None:
            return False
        pattern = self._network.patterns[following.pattern_id]
        shape = self._shapes[pattern.shape_id]
        projection = shape.project(x, y, -math.inf, pattern.stop_dists[0] + NEXT_START_M)
        return projection.offset <= self._params.on_route_m

    def _follow(self, run: Run, t: float, x: float, y: float, speed: float | None,
                elapsed: float, reach: float | None = None) -> list[StopEvent]:
        """``reach``: how far along a trip not yet begun the bus may already be
        (by default, as far as it can have gone since its last fix)."""
        zone = self._params.zone_m
        first = run.pattern.stop_dists[0]
        if not run.started:
            # Waiting for the trip: only the start of the shape counts, as far
            # as a bus can have gone since it was last seen, so a deadhead
            # crossing the route elsewhere is not taken for the trip.
            lo, hi = -math.inf, first + zone + (200.0 + 15.0 * elapsed if reach is None else reach)
        elif run.furthest == -math.inf:
            lo, hi = -math.inf, math.inf
        else:
            lo, hi = run.furthest - 150.0, run.furthest + 200.0 + 35.0 * elapsed
        # Where the bus should be now, had it kept its speed: on a street the
        # trip passes twice, the passage it is on.
        near = None if run.last_along is None else run.last_along + (speed or 0.0) * elapsed
        projection = run.shape.project(x, y, lo, hi, near)
        if projection.offset > self._params.on_route_m:
            run.off += 1
            return []
        run.off = 0
        along = projection.along
        previous, run.last_along = run.last_along, along
        if not run.started and not run.fixes and along > first + zone:
            # Not yet at the first stop (standing short of it, or deadheading
            # to it): the trip begins there, unless the bus is already
            # running along the trip, away from it (or known to have begun it).
            running = reach is not None or (previous is not None and along >= previous + 10.0)
            if not running or (speed or 0.0) < 1.0:
                return []
        if run.started and along < run.furthest - 60.0 and (speed or 0.0) > 2.0:
            run.backwards += 1  # moving against the trip: it is over, or it is not this trip
        else:
            run.backwards = 0
        run.furthest = max(run.furthest, along)
        fix = Fix(t, along, speed)
        run.fixes.append(fix)
        passages = run.detector.feed(fix)
        run.emitted.update((p.index, p) for p in passages)
        if not run.started and run.detector.next_index > 0:
            run.started = True
            if run.tentative and passages and passages[0].index == 0 and passages[0].departure:
                self._confirm(run, passages[0].departure)
        return [stop_event(run, p) for p in passages]

    # -- which trip --------------------------------------------------------

    def _match(self, vehicle: Vehicle, t: float, x: float, y: float, bearing: float | None,
               route: RouteFilter | None) -> tuple[Run | None, bool]:
        """The run the bus is best matched to, if any; and whether to try
        again at its next fix: it was on a pattern whose way it could not tell yet."""
        days = self._days.around(t)
        assigned = self._assigned_block(vehicle.vehicle_id, days)
        best: tuple[float, Candidate] | None = None
        standing = (vehicle.last_speed or 0.0) < 1.0
        undecided = False
        for pattern_id, (lo, hi) in self._grid.near(x, y).items():
            pattern = self._network.patterns[pattern_id]
            if route is not None and pattern.route_id != route.route_id:
                continue
            shape = self._shapes[pattern.shape_id]
            projection = shape.project(x, y, lo, hi)
            if projection.offset > self._params.match_m:
                continue
            start = pattern.stop_dists[0] + self._params.zone_m
            if projection.along >= pattern.stop_dists[-1] - self._params.zone_m:
                # At a trip's end the bus waits for its next trip, whatever it
                # is; but a loop's end is its start: there it waits for this pattern's.
                projection = shape.project(x, y, -math.inf, start)
                if projection.offset > self._params.match_m or projection.along > start:
                    continue
            at_start = projection.along <= start
            # A terminal is one direction's start and the other's end: there
            # the feed may still name the trip just finished's direction.
            if route is not None and not at_start and not route.allows(pattern):
                continue
            heading = heading_along(vehicle, shape, projection.along, t, self._params.on_route_m,
                                    projection.segment, bearing)
            if heading is False:
                continue
            if heading is None and not at_start and (route is None or route.direction_id is None):
                # Which way a bus standing mid-route goes, its next fixes will
                # tell: guessed now, it could take a trip of the other direction
                # (and another bus's).
                undecided = True
                continue
            trips = self._trips_by_pattern.get(pattern_id, [])
            if assigned is not None:
                trips = [tr for tr in trips if tr.block_id == assigned[1]]
            # A bus may wait long at a terminal; mid-route it is rarely early.
            early = self._params.terminal_wait_s if at_start else self._params.match_early_s
            for candidate in list_candidates(trips, pattern, projection.along, t, days,
                                             early, self._params.match_late_s):
                if self._taken(vehicle.vehicle_id, candidate, assigned is not None, t, at_start):
                    continue
                origin = self._days.origin(candidate.service_date)
                cost = match_cost(candidate, origin, t, at_start=at_start, standing=standing)
                if at_start and standing and assigned is None and left_long_ago(candidate, origin, t):
                    cost += self._params.terminal_wait_s  # any next departure there is likelier its trip
                if best is None or cost < best[0]:
                    best = (cost, candidate)
        if best is None:
            return None, undecided
        candidate = best[1]
        holder = self._holder(candidate.service_date, candidate.trip.trip_id, vehicle.vehicle_id, t)
        if holder is not None:
            # A bus waiting at the terminal had been guessed onto the trip this
            # bus is running: it looks for its own at its next fix.
            self._release(holder)
            holder.retry = (-math.inf, (0.0, 0.0))
        first_stop = self._network.patterns[candidate.trip.pattern_id].stop_dists[0]
        started = candidate.along > first_stop + self._params.zone_m
        run = self._start_run(vehicle, candidate.trip, candidate.service_date, started=started,
                              tentative=assigned is None)
        # Only a bus taking up its block's first trip at its start is surely on
        # that block; any other match may have taken another bus's.
        vehicle.block_guessed = assigned is None and (started or vehicle.block[:1] != (candidate.trip.trip_id,))
        return run, False

    def _taken(self, vehicle_id: str, candidate: Candidate, assigned: bool, t: float,
               at_start: bool) -> bool:
        """Whether another vehicle has the trip: its claim, unless that vehicle has
        been silent long enough to have lost it, or (for a bus seen running the
        trip's way mid-route) it only waits at the terminal, guessed onto the
        trip; or, for a vehicle without an assignment, the block's assignment to
        another vehicle."""
        holder = self._holder(candidate.service_date, candidate.trip.trip_id, vehicle_id, t)
        if holder is not None and (at_start or not _waiting(holder)):
            return True
        owner = self._block_owners.get((candidate.service_date, candidate.trip.block_id or ""))
        return not assigned and owner not in (None, vehicle_id)

    def _holder(self, service_date: date, trip_id: str, vehicle_id: str, t: float) -> Vehicle | None:
        """The other vehicle holding the trip's claim, heard from within lost_after_s."""
        holder = self._claims.get((service_date, trip_id), vehicle_id)
        silent = self._vehicles.get(holder)
        if holder != vehicle_id and silent is not None and silent.last_t is not None \
                and t - silent.last_t < self._params.lost_after_s:
            return silent
        return None

    # -- the trip a report names ---------------------------------------------

    def _weigh_descriptor(self, vehicle: Vehicle, report: VehicleReport, x: float,
                          y: float) -> tuple[Run | None, RouteFilter | None]:
        """The run the trip a report names puts its bus on, if any; else the
        route its matching keeps to, if the report names one. Counted by outcome."""
        vehicle.named_trip = report.trip_id
        if report.trip_id is not None:
            taken = self._take_named_trip(vehicle, report, x, y)
            run, outcome = taken if isinstance(taken, tuple) else (None, taken)
            self.descriptor_counts[outcome] += 1
            if run is not None or outcome in (DescriptorOutcome.FOLLOWED, DescriptorOutcome.TRIP_OVER):
                return run, None  # on it, or just off it: the route says nothing more
        route, outcome = find_route_filter(report, self._network)
        if outcome is not None:
            self.descriptor_counts[outcome] += 1
        return None, route

    def _take_named_trip(self, vehicle: Vehicle, report: VehicleReport, x: float,
                         y: float) -> tuple[Run, DescriptorOutcome] | DescriptorOutcome:
        """The named trip's run, newly started for the bus (FOLLOWED, or
        SWITCHED from another trip), or why the bus stays as it is."""
        t = report.timestamp
        named = find_named_trip(report, vehicle, self._network, self._shapes, self._days,
                                (x, y), self._params.zone_m, self._params.on_route_m,
                                self._params.descriptors)
        if isinstance(named, DescriptorOutcome):
            return named
        holder = self._holder(named.service_date, named.trip.trip_id, vehicle.vehicle_id, t)
        if holder is not None and holder.named_trip == named.trip.trip_id:
            return DescriptorOutcome.HELD  # two buses name one trip: the first keeps it
        if holder is not None:
            # The holder was matched by position alone: the named trip is
            # better evidence. It looks for its own trip at its next fix.
            self._release(holder)
            holder.retry = (-math.inf, (0.0, 0.0))
        outcome = DescriptorOutcome.FOLLOWED
        if vehicle.run is not None:
            vehicle.finished, outcome = vehicle.run, DescriptorOutcome.SWITCHED
        run = self._start_run(vehicle, named.trip, named.service_date, started=not named.at_start,
                              tentative=False)
        return run, outcome

    def _assigned_block(self, vehicle_id: str, days: list[tuple[date, float, frozenset[str]]]) -> tuple[date, str] | None:
        for day, _, _ in reversed(days):
            block = self._assignments.get((day, vehicle_id))
            if block is not None:
                return day, block
        return None

    def _start_run(self, vehicle: Vehicle, trip: Trip, service_date: date, *, started: bool,
                   tentative: bool) -> Run:
        pattern = self._network.patterns[trip.pattern_id]
        self._release(vehicle)
        self._claims[(service_date, trip.trip_id)] = vehicle.vehicle_id
        vehicle.block = self._days.block_on(trip, service_date)
        run = Run(
            vehicle_id=vehicle.vehicle_id, trip=trip, pattern=pattern, shape=self._shapes[pattern.shape_id],
            service_date=service_date,
            origin=self._days.origin(service_date),
            detector=StopDetector(pattern.stop_dists, self._params.zone_m, from_start=not started),
            started=started, from_start=not started, tentative=tentative,
        )
        vehicle.run = run
        return run

    def _release(self, vehicle: Vehicle) -> None:
        run = vehicle.run
        if run is not None:
            key = (run.service_date, run.trip.trip_id)
            if self._claims.get(key) == vehicle.vehicle_id:
                del self._claims[key]
        vehicle.run = None

    def _following_trip(self, vehicle: Vehicle, run: Run, t: float) -> Trip | None:
        """The trip of the vehicle's block after ``run``'s, if any. One due to
        leave before ``run``'s trip ends and long before ``t`` is not run by this
        bus (a block overlapping itself, as a timetable built from observed runs
        has): the next one that can be. A bus merely late keeps its next trip."""
        block = vehicle.block
        if run.trip.trip_id not in block:
            return None
        latest = min(t - run.origin - self._params.match_late_s, run.trip.end)
        position = block.index(run.trip.trip_id)
        later = (self._network.trips[trip_id] for trip_id in block[position + 1:])
        return next((trip for trip in later if trip.start >= latest), None)

    def _next_run(self, vehicle: Vehicle, t: float) -> None:
        run = vehicle.run
        assert run is not None
        vehicle.finished = run
        following = self._following_trip(vehicle, run, t)
        if following is not None:
            # A block found from a bus first seen mid-block may be another
            # bus's: its next trips too are confirmed at their departure.
            self._start_run(vehicle, following, run.service_date, started=False,
                            tentative=vehicle.block_guessed)
        else:
            self._release(vehicle)

    def _confirm(self, run: Run, departure: float) -> None:
        """A bus guessed onto a trip at a terminal has left: the trip whose
        scheduled departure is nearest (lateness being likelier than
        earliness) among the trips of this pattern not claimed by another bus
        (a bus only waiting there, guessed too, swaps with it) is its trip."""
        services = self._days.active(run.service_date)
        holders: dict[str, Vehicle] = {}
        free = []
        for trip in self._trips_by_pattern.get(run.pattern.pattern_id, []):
            if trip.service_id not in services:
                continue
            holder = self._vehicles.get(self._claims.get((run.service_date, trip.trip_id), run.vehicle_id))
            if holder is None or holder.vehicle_id == run.vehicle_id or _waiting(holder):
                free.append(trip)
                if holder is not None and holder.vehicle_id != run.vehicle_id:
                    holders[trip.trip_id] = holder
        chosen = nearest_departure(run.trip, free, departure - run.origin)
        if chosen is not run.trip:
            left, other = run.trip, holders.get(chosen.trip_id)
            old_key = (run.service_date, left.trip_id)
            if self._claims.get(old_key) == run.vehicle_id:
                del self._claims[old_key]
            self._claims[(run.service_date, chosen.trip_id)] = run.vehicle_id
            run.trip = chosen
            self._vehicles[run.vehicle_id].block = self._days.block_on(chosen, run.service_date)
            if other is not None and other.run is not None:
                # Two buses waiting on each other's trip (a swap kept from a
                # guess made mid-block): the one still waiting takes the one left.
                self._claims[old_key] = other.vehicle_id
                other.run.trip = left
                other.block = self._days.block_on(left, run.service_date)
        run.tentative = False


def _leaves_route(run: Run, route: RouteFilter) -> bool:
    """Whether a report's route (and direction) says the bus is not on
    ``run``. A trip not yet begun is kept: feeds switch a run's direction
    once the bus has left the terminal, so the block's next trip waits
    there under the last one's direction (Kaohsiung)."""
    return run.started and not route.allows_trip(run.trip)


def _near_end(run: Run) -> bool:
    """The bus has been seen within END_M of the trip's last stop."""
    return run.started and run.furthest >= run.pattern.stop_dists[-1] - END_M


def _waiting(vehicle: Vehicle) -> bool:
    """The vehicle only waits at a trip's start, guessed onto it by position."""
    run = vehicle.run
    return run is not None and run.tentative and not run.started
