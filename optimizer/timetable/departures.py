"""Departure times of one line direction: the classic constructions and the CP-SAT model.

The entry points check the input first (``checks``: every problem in the
planner's terms), then build. ``optimize_departures`` runs the dynamic program
without the fleet (the bound), the same with gaps of at least one cycle over
the fleet (a timetable that meets the fleet, where the search starts), then
CP-SAT around it; when CP-SAT finds no timetable it widens the neighbourhood,
then relaxes one constraint family at a time to say which one binds (``explain``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from optimizer.timetable.checks import check_direction, demand_notes
from optimizer.timetable.constructions import even_headway, even_load
from optimizer.timetable.costs import SCALE, Grid, trip_cost
from optimizer.timetable.cpsat import Solved, build_model, solve
from optimizer.timetable.explain import explain_infeasible, list_bindings, out_of_time
from optimizer.timetable.model import Binding, DirectionInput, Infeasible, Status, Timetable
from optimizer.timetable.relaxation import Sequenced, best_sequence
from optimizer.timetable.settings import FleetLimit, Search, Weights
from optimizer.timetable.spans import Span, cut_spans


def even_headway_departures(direction: DirectionInput, frequencies: Sequence[float]) -> Timetable:
    """Ceder's even headways with smooth transitions; ``frequencies`` in vehicles
    per hour, one per load-profile bin."""
    _check_frequencies(direction, frequencies)
    check_direction(direction)
    built = even_headway(direction, frequencies)
    return replace(built, bindings=demand_notes(cut_spans(direction, frequencies)))


def even_load_departures(direction: DirectionInput) -> Timetable:
    """Ceder's even average load at each bin's peak-load point, within the policy headways."""
    check_direction(direction)
    return replace(even_load(direction), bindings=demand_notes(cut_spans(direction)))


def optimize_departures(direction: DirectionInput, frequencies: Sequence[float], *,
                        fleet: FleetLimit | None = None, weights: Weights = Weights(),
                        search: Search = Search()) -> Timetable:
    """The CP-SAT timetable: optimal, or the best found in the time limit with its
    proven bound. Raises ``Infeasible`` naming the binding constraint and by how much."""
    _check_frequencies(direction, frequencies)
    check_direction(direction, fleet=fleet, search=search)
    spans = cut_spans(direction, frequencies)
    notes = demand_notes(spans)
    grid = Grid(direction.first_departure_s, direction.last_departure_s, search.grid_s)
    if grid.last_slot == 0:
        only = trip_cost(spans[0], weights) / SCALE
        return Timetable(direction.route_id, direction.direction_id, (direction.first_departure_s,), "cp_sat",
                         Status.OPTIMAL, only, only, notes)
    free = best_sequence(spans, grid, weights, direction.vehicle_capacity)
    if free is not None and _meets(free.slots, grid, fleet, search):
        # The relaxation's optimum meets the fleet: it is optimal for the model too.
        optimum = free.cost / SCALE
        return Timetable(direction.route_id, direction.direction_id, tuple(grid.time(j) for j in free.slots),
                         "cp_sat", Status.OPTIMAL, optimum, optimum,
                         notes + list_bindings(direction, spans, Solved("optimal", tuple(grid.time(j) for j in
                                                                                      free.slots)),
                                               fleet, search, (0, len(free.slots) + 1)))
    shortest = 0 if fleet is None else math.ceil(fleet.cycle_s / fleet.vehicles)
    safe = best_sequence(spans, grid, weights, direction.vehicle_capacity, shortest_s=shortest)
    if safe is not None and not _meets(safe.slots, grid, None, search):
        safe = None
    start = tuple(grid.time(j) for j in safe.slots) if safe is not None else _constructed(direction, frequencies, fleet)
    floor = free.cost if free is not None else 0
    if search.time_limit_s <= 0 and safe is not None:
        # No time for CP-SAT: the fleet-safe program's timetable, with the relaxation's bound.
        return _timetable(direction, spans, notes, Solved("feasible", start, safe.cost / SCALE, None),
                          floor, free, fleet, search, (0, len(start) + 1))
    built = build_model(direction, spans, start, fleet=fleet, weights=weights, search=search, floor=floor)
    solved = solve(built, search)
    if solved.status == "infeasible":
        built = build_model(direction, spans, start, fleet=fleet, weights=weights, search=search,
                            relax=frozenset({"neighbourhood"}), floor=floor)
        solved = solve(built, search)
    if solved.status == "infeasible":
        raise Infeasible(explain_infeasible(direction, spans, start, fleet, weights, search))
    if solved.status == "unknown":
        if safe is None:
            raise Infeasible((out_of_time(search),))
        # Every gap at least cycle / vehicles long meets the fleet: the best known timetable.
        solved = Solved("feasible", start, safe.cost / SCALE, None)
    return _timetable(direction, spans, notes, solved, floor, free, fleet, search, built.trips)


def _timetable(direction: DirectionInput, spans: Sequence[Span], notes: tuple[Binding, ...], solved: Solved,
               floor: int, free: Sequenced | None, fleet: FleetLimit | None, search: Search,
               trips: tuple[int, int]) -> Timetable:
    bound = max(solved.bound or 0.0, floor / SCALE)
    solved = replace(solved, bound=bound)
    status = Status.OPTIMAL if solved.status == "optimal" else Status.FEASIBLE
    bindings = notes + list_bindings(direction, spans, solved, fleet, search, trips)
    if fleet is not None and free is not None and not any(b.constraint == "fleet" for b in bindings):
        fewer = len(free.slots) - len(solved.departures_s)
        bindings += (Binding("fleet", f"the fleet of {fleet.vehicles} vehicles rules out the timetable "
                                      f"without it ({len(free.slots)} trips); {len(solved.departures_s)} run",
                             fewer, "trips"),)
    return Timetable(direction.route_id, direction.direction_id, solved.departures_s, "cp_sat", status,
                     solved.objective, bound, bindings)


def _constructed(direction: DirectionInput, frequencies: Sequence[float],
                 fleet: FleetLimit | None) -> tuple[int, ...]:
    """The fleet-capped even-headway construction, where the search starts when the
    dynamic program finds no timetable with every gap one cycle over the fleet long."""
    rate = None if fleet is None else fleet.vehicles / fleet.cycle_s
    return even_headway(direction, frequencies, fleet_rate_per_s=rate).departures_s


def _meets(slots: Sequence[int], grid: Grid, fleet: FleetLimit | None, search: Search) -> bool:
    """Whether departures on these slots keep the fleet window and the trip budget."""
    if search.max_trips is not None and len(slots) > search.max_trips:
        return False
    if fleet is None:
        return True
    times = [grid.time(j) for j in slots]
    n = fleet.vehicles
    return all(times[k + n] - times[k] >= fleet.cycle_s for k in range(len(times) - n))


def _check_frequencies(direction: DirectionInput, frequencies: Sequence[float]) -> None:
    bins = direction.profile.bins
    if len(frequencies) != bins:
        raise ValueError(f"{len(frequencies)} frequencies for a load profile of {bins} bins: give one "
                         f"(vehicles per hour) per bin")
    if any(not math.isfinite(f) or f < 0 for f in frequencies):
        raise ValueError(f"frequencies must be finite and not negative (vehicles per hour), got {list(frequencies)}")
