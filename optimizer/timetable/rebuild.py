"""Rebuild the timetables of whole lines: frequencies by one of Ceder's methods,
then departure times, each direction within its line's fleet.

A line's vehicles serve both directions: a bus leaving terminal A at ``t`` is
back at A at the earliest one cycle later (both trip times plus a layover at
each end), so ``N`` vehicles give each direction at most ``N`` departures in any
window of one cycle (``settings.FleetLimit``). The cycle takes each direction's
longest trip time of the day, so the limit holds in the slowest hour too.

A direction the engine refuses keeps its current timetable: its reason is kept
(``Refusal``) and shown, never lost in a bare solver status.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from optimizer.timetable.departures import even_headway_departures, even_load_departures, optimize_departures
from optimizer.timetable.draft import RebuiltDirection
from optimizer.timetable.fleet import fleet_wants, line_vehicles, share_fleet
from optimizer.timetable.frequencies import frequency_plan
from optimizer.timetable.model import (Binding, Construction, DirectionInput, FrequencyPlan, Infeasible, Method,
                                       Timetable)
from optimizer.timetable.settings import FleetLimit, Search, Weights
from optimizer.timetable.short_turns import (ShortTurn, ShortTurnService, full_trip_plan, plan_short_turns,
                                             residual_direction, short_departures, short_turn_trips)
from transit.model.network import Network, Pattern, Trip


# A CP-SAT run shorter than this rarely improves on the dynamic program's timetable.
MIN_POLISH_S = 0.1
# Times a line is timed again when its directions do not mesh (each round takes
# the excess off the window limit; one or two rounds suffice in practice).
FLEET_ROUNDS = 3
# Building one direction's model takes about this long (Python), charged to the budget.
POLISH_OVERHEAD_S = 0.2


@dataclass(frozen=True, slots=True)
class RebuildParams:
    method: Method = Method.LOAD_PROFILE_CAPPED
    construction: Construction = Construction.CP_SAT
    weights: Weights = Weights()
    search: Search = Search()  # its time limit caps CP-SAT on any one direction
    budget_s: float = 3.0  # CP-SAT time for the whole run, models' building included (s)
    # Where a period's bins mostly hint one stretch, full trips at the outside's need plus
    # short turns on the stretch (``short_turns``); opt-in: the outside waits longer.
    short_turns: bool = False


@dataclass(frozen=True, slots=True)
class Refusal:
    route_id: str
    direction_id: int
    bindings: tuple[Binding, ...]


@dataclass(frozen=True)
class Rebuilt:
    directions: tuple[RebuiltDirection, ...]
    plans: Mapping[tuple[str, int], FrequencyPlan]
    refused: tuple[Refusal, ...] = ()
    fleets: Mapping[str, FleetLimit] = field(default_factory=dict)  # the windows timed under
    vehicles: Mapping[str, int] = field(default_factory=dict)  # each line's share of the fleet
    short_turns: Mapping[tuple[str, int], ShortTurnService] = field(default_factory=dict)  # opt-in: see RebuildParams


def line_cycles(inputs: Sequence[DirectionInput]) -> dict[str, int]:
    """Per line, the cycle of a vehicle: the longest trip time of each direction
    plus the minimum layover at each end."""
    cycles: dict[str, int] = {}
    for d in inputs:
        slowest = max(times[-1] for times in d.running.arrivals)
        cycles[d.route_id] = cycles.get(d.route_id, 0) + slowest + d.layover_s
    return cycles


def peak_vehicles(trips: Sequence[Trip]) -> dict[str, int]:
    """Per line, the most of its vehicles out at once: a block is out from its
    first departure to its last arrival (a trip without a block is its own)."""
    spans: dict[tuple[str, str], list[int]] = {}
    for trip in trips:
        span = spans.setdefault((trip.route_id, trip.block_id or trip.trip_id), [trip.start, trip.end])
        span[0], span[1] = min(span[0], trip.start), max(span[1], trip.end)
    changes: dict[str, list[tuple[int, int]]] = {}
    for (route_id, _), (start, end) in spans.items():
        changes.setdefault(route_id, []).extend(((start, 1), (end, -1)))
    peaks = {}
    for route_id, steps in changes.items():
        out = peak = 0
        for _, step in sorted(steps):  # an arrival at t frees its bus for a departure at t
            out += step
            peak = max(peak, out)
        peaks[route_id] = peak
    return peaks


def rebuild_lines(inputs: Sequence[DirectionInput], fleet: int | Mapping[str, int] | None,
                  params: RebuildParams = RebuildParams(),
                  progress: Callable[[int, int], None] | None = None) -> Rebuilt:
    """Timetables for every direction of ``inputs``. ``fleet``: vehicles per line,
    or a total shared among the lines by what their frequencies ask for
    (``fleet.share_fleet``), or None for no limit.

    CP-SAT time is spent where it pays: every direction first gets the exact
    dynamic program (optimal where the fleet does not bind, else a fleet-safe
    timetable with its bound); then the directions furthest from their bound, in
    that order, are polished by CP-SAT, each up to ``search.time_limit_s``, while
    ``budget_s`` lasts. With ``params.short_turns``, a direction whose period mostly
    hints one busy stretch is timed as full trips at the outside's need (on the
    riders they keep), and its short trips are put between them (``short_turns``)."""
    plans, refused = _plans(inputs, params.method)
    by_key = {(d.route_id, d.direction_id): d for d in inputs}
    turns: dict[tuple[str, int], tuple[ShortTurn, ...]] = {}
    if params.short_turns:  # full trips are timed on the riders the short turns leave them
        turns = {key: t for key, plan in plans.items() if (t := plan_short_turns(by_key[key], plan))}
        plans = {key: full_trip_plan(plan, turns[key]) if key in turns else plan for key, plan in plans.items()}
        inputs = [residual_direction(d, turns[key]) if (key := (d.route_id, d.direction_id)) in turns else d
                  for d in inputs]
    cycles = line_cycles(inputs)
    vehicles = _vehicles(inputs, plans, cycles, fleet)
    fleets = {route: FleetLimit(vehicles[route], cycles[route]) for route in cycles if route in vehicles}
    timed: dict[tuple[str, int], Timetable] = {}
    unpolished = replace(params.search, time_limit_s=0.0)
    for done, direction in enumerate(inputs, start=1):
        key = (direction.route_id, direction.direction_id)
        try:
            if key in plans:
                timed[key] = _departures(direction, plans[key], fleets.get(direction.route_id), params, unpolished)
        except Infeasible as exc:
            if any(b.constraint != "time_limit" for b in exc.bindings):
                refused.append(Refusal(*key, exc.bindings))
        if progress is not None:
            progress(done, len(inputs))
    if params.construction is Construction.CP_SAT:
        _keep_line_fleets(inputs, plans, timed, fleets, vehicles, params, unpolished)
        refused += _polish(inputs, plans, timed, fleets, vehicles, params,
                           {(r.route_id, r.direction_id) for r in refused})
    rebuilt = tuple(RebuiltDirection(by_key[key], timed[key]) for key in by_key if key in timed)
    shorts = {key: ShortTurnService(turns[key], short_departures(by_key[key], timed[key].departures_s, turns[key],
                                                                 params.search.grid_s))
              for key in turns if key in timed}
    return Rebuilt(rebuilt, plans, tuple(refused), fleets, vehicles, shorts)


def _plans(inputs: Sequence[DirectionInput], method: Method) -> tuple[dict[tuple[str, int], FrequencyPlan],
                                                                      list[Refusal]]:
    plans, refused = {}, []
    for direction in inputs:
        key = (direction.route_id, direction.direction_id)
        try:
            plans[key] = frequency_plan(direction, method)
        except Infeasible as exc:
            refused.append(Refusal(*key, exc.bindings))
    return plans, refused


def _vehicles(inputs: Sequence[DirectionInput], plans: Mapping[tuple[str, int], FrequencyPlan],
              cycles: Mapping[str, int], fleet: int | Mapping[str, int] | None) -> dict[str, int]:
    if fleet is None:
        return {}
    if not isinstance(fleet, int):
        return dict(fleet)
    timed = [d for d in inputs if (d.route_id, d.direction_id) in plans]
    wanted, least = fleet_wants(timed, {key: plan.chosen() for key, plan in plans.items()}, cycles)
    return share_fleet(wanted, least, fleet)


def _polish(inputs: Sequence[DirectionInput], plans: Mapping[tuple[str, int], FrequencyPlan],
            timed: dict[tuple[str, int], Timetable], fleets: Mapping[str, FleetLimit],
            vehicles: Mapping[str, int], params: RebuildParams, named: set[tuple[str, int]]) -> list[Refusal]:
    """CP-SAT on the directions with the most to gain (untimed first), in place."""
    def to_gain(d: DirectionInput) -> float:
        t = timed.get((d.route_id, d.direction_id))
        return float("inf") if t is None else (t.objective or 0.0) - (t.bound or 0.0)

    budget, refused = params.budget_s, []
    waiting = [d for d in inputs if (d.route_id, d.direction_id) in plans and to_gain(d) > 0]
    for direction in sorted(waiting, key=to_gain, reverse=True):
        key = (direction.route_id, direction.direction_id)
        limit = min(params.search.time_limit_s, budget - POLISH_OVERHEAD_S)
        if limit < MIN_POLISH_S:
            break
        budget -= limit + POLISH_OVERHEAD_S
        try:
            polished = _departures(direction, plans[key], fleets.get(direction.route_id), params,
                                   replace(params.search, time_limit_s=limit))
        except Infeasible as exc:
            if key not in timed:
                refused.append(Refusal(*key, exc.bindings))
            continue
        current = timed.get(key)
        if current is None or ((polished.objective or 0.0) <= (current.objective or 0.0)
                               and _fits(inputs, {**timed, key: polished}, direction.route_id, vehicles)):
            timed[key] = polished
    named |= {(r.route_id, r.direction_id) for r in refused}
    ran_out = Binding("time_limit", "no timetable found: the run's CP-SAT budget ran out before this "
                      "direction; allow more time (--time-limit)")
    return refused + [Refusal(*key, (ran_out,)) for key in plans if key not in timed and key not in named]


def _keep_line_fleets(inputs: Sequence[DirectionInput], plans: Mapping[tuple[str, int], FrequencyPlan],
                      timed: dict[tuple[str, int], Timetable], fleets: dict[str, FleetLimit],
                      vehicles: Mapping[str, int], params: RebuildParams, search: Search) -> None:
    """Where a line's two directions do not mesh and need more vehicles than it
    has (``fleet.line_vehicles``), time it again under a tighter window, in place."""
    for route_id, fleet in list(fleets.items()):
        lines = [d for d in inputs if d.route_id == route_id and (d.route_id, d.direction_id) in timed]
        for _ in range(FLEET_ROUNDS):
            excess = _needed(lines, timed) - vehicles[route_id]
            if excess <= 0 or fleet.vehicles - excess < 1:
                break
            fleet = FleetLimit(fleet.vehicles - excess, fleet.cycle_s)
            try:
                retimed = {(d.route_id, d.direction_id): _departures(d, plans[(d.route_id, d.direction_id)],
                                                                     fleet, params, search) for d in lines}
            except Infeasible:
                break
            timed.update({key: replace(t, bindings=t.bindings + (_meshed(route_id, vehicles[route_id], excess),))
                          for key, t in retimed.items()})
            fleets[route_id] = fleet


def _meshed(route_id: str, vehicles: int, excess: int) -> Binding:
    return Binding("fleet", f"line {route_id}'s two directions did not mesh: {vehicles + excess} vehicles "
                   f"needed by its terminals' deficit functions, {vehicles} available; timed again with "
                   f"{excess} fewer departure(s) in any cycle", excess, "vehicles")


def _needed(lines: Sequence[DirectionInput], timed: Mapping[tuple[str, int], Timetable]) -> int:
    return line_vehicles([(d, timed[(d.route_id, d.direction_id)].departures_s) for d in lines])


def _fits(inputs: Sequence[DirectionInput], timed: Mapping[tuple[str, int], Timetable], route_id: str,
          vehicles: Mapping[str, int]) -> bool:
    if route_id not in vehicles:
        return True
    lines = [d for d in inputs if d.route_id == route_id and (d.route_id, d.direction_id) in timed]
    return _needed(lines, timed) <= vehicles[route_id]


def _departures(direction: DirectionInput, plan: FrequencyPlan, fleet: FleetLimit | None,
                params: RebuildParams, search: Search) -> Timetable:
    if params.construction is Construction.EVEN_LOAD:
        return even_load_departures(direction)
    if params.construction is Construction.EVEN_HEADWAY:
        return even_headway_departures(direction, plan.chosen())
    return optimize_departures(direction, plan.chosen(), fleet=fleet, weights=params.weights, search=search)


def short_turn_day(network: Network, rebuilt: Rebuilt, service_id: str) -> tuple[Network, tuple[Trip, ...]]:
    """The short-turn trips as trips of the draft, and the network with their stretches' patterns."""
    patterns: dict[str, Pattern] = {}
    trips: list[Trip] = []
    for r in rebuilt.directions:
        service = rebuilt.short_turns.get(r.key)
        if service is not None and service.trips:
            made, shorts = short_turn_trips(network, r.direction, service.trips, service_id)
            patterns.update((p.pattern_id, p) for p in made)
            trips += shorts
    if not patterns:
        return network, ()
    return replace(network, patterns={**network.patterns, **patterns}), tuple(trips)
