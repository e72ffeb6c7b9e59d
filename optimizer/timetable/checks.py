"""Inputs no timetable can meet, found before any solver runs, in the planner's terms.

Every problem is a ``Binding`` naming the constraint and by how much it misses;
all of them are raised together in one ``Infeasible``. A period without demand
data is not a problem: it runs at its policy headway, with a note.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from optimizer.timetable.model import Binding, DirectionInput, Infeasible, Period
from optimizer.timetable.settings import FleetLimit, Search
from optimizer.timetable.spans import Span, period_at


def check_direction(direction: DirectionInput, *, fleet: FleetLimit | None = None,
                    search: Search | None = None) -> None:
    """Raise ``Infeasible`` with every problem of the input; return quietly when there is none."""
    problems = [*_stops(direction), *_service_span(direction), *_periods(direction)]
    if not problems:
        problems += _running_times(direction) + _short_span(direction)
        if fleet is not None:
            problems += _fleet(direction, fleet)
        if search is not None:
            problems += _grid(direction.periods, search.grid_s) or _trip_budget(direction, search)
    if problems:
        raise Infeasible(tuple(problems))


def demand_notes(spans: Sequence[Span]) -> tuple[Binding, ...]:
    """A note for each period without demand data: it runs at its policy headway."""
    with_data = {s.period.name for s in spans if s.has_demand}
    empty = {s.period.name: s.period for s in spans if s.period.name not in with_data}
    return tuple(Binding("no_demand", f"no demand data for {name}: it runs at its policy headway of "
                                      f"{_minutes(p.max_headway_s)}", p.max_headway_s, "s", name)
                 for name, p in empty.items())


def _stops(direction: DirectionInput) -> list[Binding]:
    stops = direction.profile.stop_ids
    if len(stops) >= 2:
        return []
    return [Binding("stops", f"line {direction.route_id} direction {direction.direction_id} has "
                             f"{len(stops)} stop(s): a trip needs at least two", len(stops), "stops")]


def _service_span(direction: DirectionInput) -> list[Binding]:
    late = direction.first_departure_s - direction.last_departure_s
    if late <= 0:
        return []
    return [Binding("first_last", f"the first departure ({_clock(direction.first_departure_s)}) comes "
                                  f"{_minutes(late)} after the last ({_clock(direction.last_departure_s)})",
                    late, "s")]


def _periods(direction: DirectionInput) -> list[Binding]:
    problems = []
    for p in direction.periods:
        if p.min_headway_s <= 0 or p.desired_load <= 0:
            problems.append(Binding("policy", f"{p.name}: the minimum headway and the desired load must be "
                                              f"positive (got {p.min_headway_s} s, {p.desired_load})",
                                    0, "", p.name))
        elif p.min_headway_s > p.max_headway_s:
            problems.append(Binding("min_headway", f"{p.name}: the minimum headway ({_minutes(p.min_headway_s)}) "
                                                   f"exceeds the maximum ({_minutes(p.max_headway_s)}) by "
                                                   f"{_minutes(p.min_headway_s - p.max_headway_s)}",
                                    p.min_headway_s - p.max_headway_s, "s", p.name))
    uncovered = _uncovered_s(direction)
    if uncovered:
        problems.append(Binding("periods", f"the periods leave {_minutes(uncovered)} of the service "
                                           f"{_clock(direction.first_departure_s)}-"
                                           f"{_clock(direction.last_departure_s)} without a policy",
                                uncovered, "s"))
    return problems


def _uncovered_s(direction: DirectionInput) -> int:
    first, last = direction.first_departure_s, direction.last_departure_s
    covered = sorted((max(p.start_s, first), min(p.end_s, last + 1)) for p in direction.periods)
    uncovered, reached = 0, first
    for start, end in covered:
        uncovered += max(0, start - reached)
        reached = max(reached, end)
    return uncovered + max(0, last + 1 - reached)


def _short_span(direction: DirectionInput) -> list[Binding]:
    span = direction.last_departure_s - direction.first_departure_s
    period = period_at(direction.periods, direction.first_departure_s)
    if span == 0 or span >= period.min_headway_s:
        return []
    return [Binding("min_headway", f"{period.name}: the first and last departures are {span} s apart, "
                                   f"{period.min_headway_s - span} s less than the minimum headway",
                    period.min_headway_s - span, "s", period.name)]


def _running_times(direction: DirectionInput) -> list[Binding]:
    first, last = direction.first_departure_s, direction.last_departure_s
    running = direction.running
    starts = [first] + [running.start_s + b * running.bin_s for b in range(len(running.arrivals))
                        if first < running.start_s + b * running.bin_s <= last]
    longest = max(running.trip_time_s(t) for t in starts)
    shortest = min(running.trip_time_s(t) for t in starts)
    if shortest <= 0:
        return [Binding("running_time", f"a trip time of {shortest} s: running times must be positive",
                        shortest, "s")]
    span = last - first
    if last > first and longest > span:
        return [Binding("running_time", f"a trip takes {_minutes(longest)}, {_minutes(longest - span)} longer "
                                        f"than the whole service span {_clock(first)}-{_clock(last)}",
                        longest - span, "s")]
    return []


def _fleet(direction: DirectionInput, fleet: FleetLimit) -> list[Binding]:
    if fleet.vehicles < 1 or fleet.cycle_s <= 0:
        return [Binding("fleet", f"a fleet of {fleet.vehicles} vehicle(s) on a {fleet.cycle_s} s cycle "
                                 f"runs no trip", fleet.vehicles, "vehicles")]
    problems = []
    trip = direction.running.trip_time_s(direction.first_departure_s)
    if fleet.cycle_s < trip + direction.layover_s:
        problems.append(Binding("cycle", f"a cycle of {_minutes(fleet.cycle_s)} is shorter than one trip and "
                                         f"its layover ({_minutes(trip + direction.layover_s)})",
                                trip + direction.layover_s - fleet.cycle_s, "s"))
    for p in direction.periods:
        needed = math.ceil(fleet.cycle_s / p.max_headway_s)
        # Only a period as long as a cycle surely needs them all at once.
        if p.end_s - p.start_s >= fleet.cycle_s and needed > fleet.vehicles:
            problems.append(Binding(
                "fleet", f"{p.name}: the policy headway of {_minutes(p.max_headway_s)} on a "
                         f"{_minutes(fleet.cycle_s)} cycle needs {needed} vehicles, {needed - fleet.vehicles} "
                         f"more than the {fleet.vehicles} available", needed - fleet.vehicles, "vehicles", p.name))
    return problems


def _grid(periods: Sequence[Period], grid_s: int) -> list[Binding]:
    return [Binding("grid", f"{p.name}: no gap on the {grid_s} s grid lies between the minimum headway "
                            f"({p.min_headway_s} s) and the maximum ({p.max_headway_s} s)", grid_s, "s", p.name)
            for p in periods if (p.max_headway_s // grid_s) * grid_s < p.min_headway_s]


def _trip_budget(direction: DirectionInput, search: Search) -> list[Binding]:
    needed = fewest_trips(direction, search.grid_s)
    if search.max_trips is None or needed <= search.max_trips:
        return []
    return [Binding("first_last", f"covering {_clock(direction.first_departure_s)}-"
                                  f"{_clock(direction.last_departure_s)} within the maximum headways takes "
                                  f"{needed} trips, {needed - search.max_trips} more than the {search.max_trips} "
                                  f"allowed", needed - search.max_trips, "trips")]


def fewest_trips(direction: DirectionInput, grid_s: int) -> int:
    """Trips needed to go from the first to the last departure at the longest gaps on the grid."""
    t, trips = direction.first_departure_s, 1
    while t < direction.last_departure_s:
        longest = max(period_at(direction.periods, t).max_headway_s // grid_s, 1) * grid_s
        t = min(t + longest, direction.last_departure_s)
        trips += 1
    return trips


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:g} min"


def _clock(t: int) -> str:
    return f"{t // 3600:02d}:{t % 3600 // 60:02d}"
