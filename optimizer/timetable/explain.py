"""What held a CP-SAT timetable back, and why none exists, in the planner's terms.

After a solve, ``list_bindings`` names the constraints that are tight: the
fleet fully used within a cycle, gaps at the policy (maximum) headway or at the
minimum, the trip range of the model, the time limit. When CP-SAT finds no
timetable, ``explain_infeasible`` relaxes one constraint family at a time; the
first whose relaxation gives a timetable binds, and a second solve measures by
how much (the fewest vehicles that suffice, the seconds a headway must give).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from optimizer.timetable.cpsat import Solved, build_model, solve
from optimizer.timetable.model import Binding, DirectionInput
from optimizer.timetable.settings import FleetLimit, Search, Weights
from optimizer.timetable.spans import Span, span_at


def list_bindings(direction: DirectionInput, spans: Sequence[Span], solved: Solved, fleet: FleetLimit | None,
                  search: Search, trips: tuple[int, int]) -> tuple[Binding, ...]:
    """The tight constraints of a solved timetable."""
    departures = solved.departures_s
    found = [*_fleet_in_use(spans, departures, fleet), *_headways_at_limit(spans, departures, search.grid_s),
             *_trip_range(len(departures), trips, search)]
    if solved.status == "feasible" and solved.objective is not None and solved.bound is not None:
        gap = (solved.objective - solved.bound) / abs(solved.objective) if solved.objective else 0.0
        stopped = (f"stopped at the {search.time_limit_s:g} s time limit" if search.time_limit_s > 0 else
                   "not polished by CP-SAT (no time left in the run's budget)")
        found.append(Binding("time_limit", f"{stopped}: the timetable is within {gap:.1%} of the proven bound",
                             round(100 * gap, 2), "%"))
    return tuple(found)


def out_of_time(search: Search) -> Binding:
    return Binding("time_limit", f"no timetable found within the {search.time_limit_s:g} s time limit: "
                                 f"allow more time", search.time_limit_s, "s")


def explain_infeasible(direction: DirectionInput, spans: Sequence[Span], start: Sequence[int],
                       fleet: FleetLimit | None, weights: Weights, search: Search) -> tuple[Binding, ...]:
    """Which constraint family makes the (widened) model infeasible, and by how much."""
    def relaxed(families: set[str], limit: FleetLimit | None = fleet) -> Solved:
        built = build_model(direction, spans, start, fleet=limit, weights=weights, search=search,
                            relax=frozenset(families | {"neighbourhood"}))
        return solve(built, search, first_solution=not families & {"max_headway", "min_headway"})

    if fleet is not None and relaxed({"fleet"}).status in ("optimal", "feasible"):
        vehicles = _fewest_vehicles(fleet, lambda limit: relaxed(set(), limit).status in ("optimal", "feasible"),
                                    spans)
        return (Binding("fleet", f"the fleet of {fleet.vehicles} vehicles cannot run the policy headways: "
                                 f"{vehicles - fleet.vehicles} more vehicle(s) needed ({vehicles} on a "
                                 f"{fleet.cycle_s / 60:g} min cycle)", vehicles - fleet.vehicles, "vehicles"),)
    for family, words in (("max_headway", "lengthen the maximum headway by"),
                          ("min_headway", "shorten the minimum headway by")):
        answer = relaxed({family})
        if answer.status in ("optimal", "feasible") and answer.violation_s is not None:
            return (Binding(family, f"no timetable keeps every {family.replace('_', ' ')}: {words} "
                                    f"{answer.violation_s} s", answer.violation_s, "s"),)
    return (Binding("combined", "no single constraint family explains it: the fleet, the headways and the "
                                "first and last departures together leave no timetable"),)


def _fewest_vehicles(fleet: FleetLimit, feasible, spans: Sequence[Span]) -> int:
    """The smallest fleet that gives a timetable (binary search: more vehicles never hurt)."""
    low = fleet.vehicles + 1
    high = math.ceil(fleet.cycle_s / min(s.period.min_headway_s for s in spans)) + 1
    while low < high:
        middle = (low + high) // 2
        if feasible(FleetLimit(middle, fleet.cycle_s)):
            high = middle
        else:
            low = middle + 1
    return low


def _fleet_in_use(spans: Sequence[Span], departures: Sequence[int], fleet: FleetLimit | None) -> list[Binding]:
    """Periods where some cycle holds as many departures as there are vehicles."""
    if fleet is None or len(departures) < fleet.vehicles:
        return []
    n = fleet.vehicles
    full = Counter(span_at(spans, departures[k]).period.name for k in range(len(departures) - n + 1)
                   if departures[k + n - 1] - departures[k] < fleet.cycle_s)
    found = []
    for name in full:
        asked, run = _trips_in_period(spans, departures, name)
        short = max(0, round(asked - run))
        found.append(Binding("fleet", f"{name}: all {n} vehicles in use ({n} departures within one "
                                      f"{fleet.cycle_s / 60:g} min cycle); the frequency plan asked for {short} "
                                      f"trip(s) more than run", short, "trips", name))
    return found


def _trips_in_period(spans: Sequence[Span], departures: Sequence[int], name: str) -> tuple[float, int]:
    asked = sum(s.target_per_s * (s.end_s - s.start_s) for s in spans if s.period.name == name)
    run = sum(1 for t in departures if span_at(spans, t).period.name == name)
    return asked, run


def _headways_at_limit(spans: Sequence[Span], departures: Sequence[int], grid_s: int) -> list[Binding]:
    """Periods with gaps at the maximum headway (the policy, not demand, sets the
    service) or at the minimum (demand asks for more)."""
    at_max: Counter[str] = Counter()
    at_min: Counter[str] = Counter()
    policies = {}
    for leave, arrive in zip(departures, departures[1:]):
        period = span_at(spans, leave).period
        policies[period.name] = period
        gap = arrive - leave
        at_max[period.name] += gap + grid_s > period.max_headway_s
        at_min[period.name] += gap < period.min_headway_s + grid_s
    found = [Binding("max_headway", f"{name}: {count} gap(s) at the maximum headway of "
                                    f"{policies[name].max_headway_s / 60:g} min; the policy, not demand, sets "
                                    f"the service there", count, "gaps", name)
             for name, count in at_max.items() if count]
    found += [Binding("min_headway", f"{name}: {count} gap(s) at the minimum headway of "
                                     f"{policies[name].min_headway_s / 60:g} min; demand asks for more",
                      count, "gaps", name)
              for name, count in at_min.items() if count]
    return found


def _trip_range(trips: int, allowed: tuple[int, int], search: Search) -> list[Binding]:
    if trips < allowed[1]:
        return []
    if search.max_trips is not None and trips >= search.max_trips:
        return [Binding("max_trips", f"all {search.max_trips} trips allowed are run", trips, "trips")]
    return [Binding("trip_range", f"the model may run at most {allowed[1]} trips (trip_slack {search.trip_slack} "
                                  f"around its start) and runs them all: a larger trip_slack may find more worth "
                                  f"running", trips, "trips")]
