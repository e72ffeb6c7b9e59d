"""Short turns built, not only hinted: full trips at what the route outside a busy
stretch needs, short-turn trips on the stretch alone to bring it up to its need.

``frequencies.short_turn_hint`` names, per bin, the stretch of segments carrying
over half the bin's peak load. Where a period's bins mostly hint the same
stretch (``STABLE_SHARE``), the period is planned as two services:

* **full trips** at the frequency the segments outside the stretch need, by the
  plan's own method on those segments alone (their loads, their km), never above
  the stretch's need and never below the policy (every method floors at it);
* **short-turn trips** from the stretch's first stop to its last, adding what
  the stretch needs beyond the full trips (``stretch - full`` vehicles per hour).

Full trips are timed by the engine as any direction is, against a residual
profile: in the short-turn bins the stretch's loads and boardings are scaled by
``full / stretch``, the share of its riders the full trips keep when all trips
run evenly on it. Short trips are then put between full ones at the stretch's
first stop, evenly (``short_departures``), and run the full trip's times over
the stretch. A short trip costs only its stretch's time (``vehicle_hours``).

The estimate (``split_estimate``) measures waits and loads as ``kpis.crowding``
does, separately on the stretch (every trip serves its stops) and outside it
(full trips only). Its assumption: every rider boarding on the stretch can take
a short trip, also one riding beyond it; so the stretch's wait is a lower bound
and the outside's load an upper bound of what riders to and from the outside see.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

from optimizer.timetable.draft import new_trip_id
from optimizer.timetable.frequencies import (HOUR_S, BinPolicy, bin_frequencies, bin_periods, daily_peak_load_point,
                                             period_policy)
from optimizer.timetable.kpis import Crowding, crowding
from optimizer.timetable.model import BinFrequency, Binding, DirectionInput, FrequencyPlan, LoadProfile
from transit.model.network import Network, Pattern, Trip

STABLE_SHARE = 0.5  # a stretch is planned when more than this share of a period's bins hint it
_FREQUENCY_TOLERANCE = 1e-9  # below this a short-turn service is not worth running
_TRIP_TOLERANCE = 1e-6  # trips owed, summed in floating point


@dataclass(frozen=True, slots=True)
class ShortTurn:
    """One period's short-turn service on one stretch of segments."""

    period: str
    first_segment: int
    last_segment: int  # inclusive: the trips run stops first_segment .. last_segment + 1
    first_stop: str
    last_stop: str
    bins_s: tuple[int, ...]  # starts of the period's bins
    full: tuple[float, ...]  # vehicles per hour of full trips, per bin: what the outside needs
    stretch: tuple[float, ...]  # vehicles per hour the stretch needs (the plan's chosen frequency)
    reason: str

    def short(self) -> tuple[float, ...]:
        """Short-turn trips per hour, per bin."""
        return tuple(max(s - f, 0.0) for f, s in zip(self.full, self.stretch, strict=True))


@dataclass(frozen=True, slots=True)
class ShortTrip:
    """A short-turn trip: it leaves the stretch's first stop at ``depart_s``."""

    depart_s: int
    origin_s: int  # when a full trip would have left the route's first stop to be there then
    arrivals: tuple[int, ...]  # offsets from ``depart_s`` at the stretch's stops (the full trip's times)
    departures: tuple[int, ...]
    first_stop: int  # the index of the stretch's first stop on the line's pattern

    @property
    def trip_time_s(self) -> int:
        return self.arrivals[-1]


@dataclass(frozen=True, slots=True)
class ShortTurnService:
    """A direction's short turns: the periods planned and the trips timed."""

    turns: tuple[ShortTurn, ...]
    trips: tuple[ShortTrip, ...]


def stable_stretch(hints: Sequence[tuple[int, int] | None], share: float = STABLE_SHARE) -> tuple[int, int] | None:
    """The stretch hinted in more than ``share`` of ``hints`` (one per bin), or None.

    Ties between two stretches go to the one hinted first."""
    counts = Counter(h for h in hints if h is not None)
    if not counts:
        return None
    stretch, count = counts.most_common(1)[0]
    return stretch if count > share * len(hints) else None


def plan_short_turns(direction: DirectionInput, plan: FrequencyPlan,
                     share: float = STABLE_SHARE) -> tuple[ShortTurn, ...]:
    """The periods of ``plan`` worth a short-turn service, with the full and stretch frequencies."""
    profile = direction.profile
    capacity = direction.vehicle_capacity
    by_start = {b.bin_start_s: b for b in plan.bins}
    chosen = {b.bin_start_s: f for b, f in zip(plan.bins, plan.chosen(), strict=True)}
    periods: dict[str, list[int]] = {}
    policies: dict[int, BinPolicy] = {}
    for start_s, period in bin_periods(direction.periods, profile.start_s, profile.bin_s):
        periods.setdefault(period.name, []).append(start_s)
        policies[start_s] = period_policy(period, capacity, profile.bin_s, plan.parameters["overload_share"])
    turns = []
    for name, starts in periods.items():
        stretch = stable_stretch([by_start[s].short_turn for s in starts], share)
        if stretch is None:
            continue
        outside = [i for i in range(len(profile.segment_km)) if not stretch[0] <= i <= stretch[1]]
        needs = [chosen[s] for s in starts]
        full = [min(need, _outside_need(direction, by_start[s], outside, policies[s], plan, need))
                for s, need in zip(starts, needs)]
        if all(n - f <= _FREQUENCY_TOLERANCE for f, n in zip(full, needs)):
            continue
        first, last = stretch
        stretch_km = sum(profile.segment_km[first:last + 1])
        hinted = sum(by_start[s].short_turn == stretch for s in starts)
        reason = (f"period {name}: segments {first}-{last} ({profile.stop_ids[first]} to "
                  f"{profile.stop_ids[last + 1]}, {stretch_km:.2f} of {profile.route_km:.2f} km) carry over half "
                  f"the peak load in {hinted} of {len(starts)} bin(s); full trips at {_rates(full)}/h (what the "
                  f"route outside needs), short turns add {_rates([n - f for f, n in zip(full, needs)])}/h "
                  f"on the stretch (its need {_rates(needs)}/h)")
        turns.append(ShortTurn(name, first, last, profile.stop_ids[first], profile.stop_ids[last + 1],
                               tuple(starts), tuple(full), tuple(needs), reason))
    return tuple(turns)


def full_trip_plan(plan: FrequencyPlan, turns: Sequence[ShortTurn], share: float = STABLE_SHARE) -> FrequencyPlan:
    """``plan`` with the short-turn bins' chosen frequency lowered to the full trips',
    the choice in its parameters and each period's reason as a ``short_turn`` binding."""
    full = {s: f for t in turns for s, f in zip(t.bins_s, t.full)}
    bins = tuple(replace(b, by_method={**b.by_method, plan.method: full[b.bin_start_s]})
                 if b.bin_start_s in full else b for b in plan.bins)
    parameters = {**plan.parameters, "short_turns": 1.0, "short_turn_stable_share": share}
    for t in turns:
        parameters[f"short_turn_first_segment[{t.period}]"] = float(t.first_segment)
        parameters[f"short_turn_last_segment[{t.period}]"] = float(t.last_segment)
    reasons = tuple(Binding("short_turn", t.reason, amount=sum(t.short()) / len(t.short()), unit="vehicles/h",
                            period=t.period) for t in turns)
    return replace(plan, bins=bins, parameters=parameters, bindings=plan.bindings + reasons)


def residual_direction(direction: DirectionInput, turns: Sequence[ShortTurn]) -> DirectionInput:
    """The demand full trips keep: in each short-turn bin the stretch's loads and
    boardings scaled by ``full / stretch`` (all trips run evenly on the stretch)."""
    profile = direction.profile
    loads = [list(row) for row in profile.loads]
    boardings = [list(row) for row in profile.boardings]
    for t in turns:
        for start_s, full, need in zip(t.bins_s, t.full, t.stretch):
            b = (start_s - profile.start_s) // profile.bin_s
            if not 0 <= b < profile.bins or need <= 0:
                continue
            kept = full / need
            for i in range(t.first_segment, t.last_segment + 1):
                loads[b][i] *= kept
                boardings[b][i] *= kept  # stops first .. last of the stretch board onto it
    residual = replace(profile, loads=tuple(map(tuple, loads)), boardings=tuple(map(tuple, boardings)))
    return replace(direction, profile=residual)


def short_departures(direction: DirectionInput, full_departures: Sequence[int], turns: Sequence[ShortTurn],
                     grid_s: int = 30) -> tuple[ShortTrip, ...]:
    """Short trips between consecutive full ones, evenly at the stretch's first stop.

    Over each period the stretch is owed ``gap * stretch / 3600`` trips per gap
    between full trips (the gap's first full trip leaving in the period's bins);
    the trips owed are counted up and rounded up as they accrue (Ceder's
    cumulative curve, so the stretch never falls short of its need by more than
    a fraction of a trip), and a gap gets what it adds less the full trip that
    closes it, at equal intervals between the two full trips' times at the
    stretch's first stop, rounded to ``grid_s``."""
    running = direction.running
    bin_s = direction.profile.bin_s
    by_bin = {s: (t, need) for t in turns for s, need in zip(t.bins_s, t.stretch)}
    owed = dict.fromkeys((t.period for t in turns), 0.0)
    trips = []
    for a, b in pairwise(sorted(full_departures)):
        start = a - (a - direction.profile.start_s) % bin_s
        if start not in by_bin:
            continue
        turn, need = by_bin[start]
        before = _trips_due(owed[turn.period])
        owed[turn.period] += (b - a) * need / HOUR_S
        count = _trips_due(owed[turn.period]) - before - 1
        at_a = a + running.departures[running.bin_at(a)][turn.first_segment]
        at_b = b + running.departures[running.bin_at(b)][turn.first_segment]
        for k in range(1, count + 1):
            depart = round((at_a + k * (at_b - at_a) / (count + 1)) / grid_s) * grid_s
            if at_a < depart < at_b:
                trips.append(_short_trip(direction, turn, depart, a))
    return tuple(trips)


def vehicle_hours(direction: DirectionInput, full_departures: Sequence[int],
                  shorts: Sequence[ShortTrip] = ()) -> float:
    """Hours in service: each full trip its trip time, each short trip its stretch's time."""
    seconds = sum(direction.running.trip_time_s(d) for d in full_departures)
    return (seconds + sum(t.trip_time_s for t in shorts)) / 3600.0


@dataclass(frozen=True, slots=True)
class SplitEstimate:
    """The optimizer's wait and load estimate on the stretch and outside it."""

    stretch: Crowding
    outside: Crowding
    vehicle_hours: float


def split_estimate(direction: DirectionInput, full_departures: Sequence[int], shorts: Sequence[ShortTrip],
                   first_segment: int, last_segment: int) -> SplitEstimate:
    """``kpis.crowding`` on the stretch (full and short trips, short ones at the time
    a full trip would have left the first stop to be where they are) and outside it
    (full trips only)."""
    profile = direction.profile
    on = [first_segment <= i <= last_segment for i in range(len(profile.segment_km))]
    boards_on = [first_segment <= s <= last_segment for s in range(len(profile.stop_ids))]  # not its end stop
    every = sorted([*full_departures, *(t.origin_s for t in shorts)])
    return SplitEstimate(
        crowding(every, _restricted(profile, on, boards_on), direction.vehicle_capacity),
        crowding(sorted(full_departures), _restricted(profile, [not x for x in on], [not x for x in boards_on]),
                 direction.vehicle_capacity),
        vehicle_hours(direction, full_departures, shorts))


def _restricted(profile: LoadProfile, segments: Sequence[bool], stops: Sequence[bool]) -> LoadProfile:
    return replace(profile, loads=tuple(tuple(p if keep else 0.0 for p, keep in zip(row, segments))
                                        for row in profile.loads),
                   boardings=tuple(tuple(p if keep else 0.0 for p, keep in zip(row, stops))
                                   for row in profile.boardings))


def _trips_due(owed: float) -> int:
    return math.ceil(owed - _TRIP_TOLERANCE)  # 2.0000001 trips owed (floating point) are 2


def _short_trip(direction: DirectionInput, turn: ShortTurn, depart_s: int, previous_full_s: int) -> ShortTrip:
    running = direction.running
    b = running.bin_at(previous_full_s)
    stops = slice(turn.first_segment, turn.last_segment + 2)
    zero = running.departures[b][turn.first_segment]
    arrivals = tuple(max(t - zero, 0) for t in running.arrivals[b][stops])
    departures = tuple(t - zero for t in running.departures[b][stops])
    return ShortTrip(depart_s, depart_s - zero, arrivals, departures, turn.first_segment)


def short_turn_trips(network: Network, direction: DirectionInput, trips: Sequence[ShortTrip],
                     service_id: str) -> tuple[tuple[Pattern, ...], tuple[Trip, ...]]:
    """``trips`` as trips of a draft: each stretch a pattern of its own
    (``<line pattern>~short-<first>-<last>``, stop indices on the line's pattern,
    on its shape), ids ``<route>-<direction>-<service>-<HHMM>-short``."""
    line = network.patterns[direction.profile.pattern_id]
    patterns: dict[str, Pattern] = {}
    made = []
    for trip in trips:
        first, end = trip.first_stop, trip.first_stop + len(trip.arrivals)
        pattern_id = f"{line.pattern_id}~short-{first}-{end - 1}"
        pattern = patterns.setdefault(pattern_id, replace(
            line, pattern_id=pattern_id, stop_ids=line.stop_ids[first:end], stop_dists=line.stop_dists[first:end],
            stop_sequences=line.stop_sequences[first:end]))
        made.append(Trip(new_trip_id(direction.route_id, direction.direction_id, service_id, trip.depart_s) + "-short",
                         direction.route_id, service_id, pattern_id, direction.direction_id, None,
                         network.stops[pattern.stop_ids[-1]].name,
                         tuple(trip.depart_s + a for a in trip.arrivals),
                         tuple(trip.depart_s + d for d in trip.departures)))
    return tuple(patterns.values()), tuple(made)


def _outside_need(direction: DirectionInput, frequency: BinFrequency, outside: Sequence[int], policy: BinPolicy,
                  plan: FrequencyPlan, need: float) -> float:
    """The plan's method on the segments outside the stretch alone (its own daily peak point for
    method 1); a bin without demand data keeps ``need``."""
    if frequency.peak_segment is None:
        return need
    profile = direction.profile
    b = (frequency.bin_start_s - profile.start_s) // profile.bin_s
    loads = [profile.loads[b][i] for i in outside]
    km = [profile.segment_km[i] for i in outside]
    daily = daily_peak_load_point([[row[i] for i in outside] for row in profile.loads])
    return bin_frequencies(loads, km, 0 if daily is None else daily[0], policy)[plan.method]


def _rates(values: Sequence[float]) -> str:
    low, high = min(values), max(values)
    return f"{low:.1f}" if high - low < 0.05 else f"{low:.1f}-{high:.1f}"


@dataclass(frozen=True, slots=True)
class ShortTurnReport:
    """One direction's short turns against the live timetable, by the optimizer's estimate."""

    route_id: str
    direction_id: int
    periods: tuple[str, ...]
    first_stop: str  # of the first period's stretch, where the estimate splits the route
    last_stop: str
    full_trips: int
    short_trips: int
    live: SplitEstimate  # the live day's trips of the direction, all full
    draft: SplitEstimate
    reasons: tuple[str, ...]


def short_turn_report(direction: DirectionInput, service: ShortTurnService, full_departures: Sequence[int],
                      live_departures: Sequence[int]) -> ShortTurnReport:
    """Waits, loads and vehicle hours on the stretch and outside it, live and draft."""
    first = service.turns[0]
    split = (first.first_segment, first.last_segment)
    return ShortTurnReport(direction.route_id, direction.direction_id, tuple(t.period for t in service.turns),
                           first.first_stop, first.last_stop, len(full_departures), len(service.trips),
                           split_estimate(direction, live_departures, (), *split),
                           split_estimate(direction, full_departures, service.trips, *split),
                           tuple(t.reason for t in service.turns))
