"""Transfer timing at named hubs: CP-SAT moves the departures of the lines
calling at the hubs a little, so riders changing lines wait less.

It runs after every direction has been timed (``rebuild``). Units: departures
move by ``shift[i]`` grid steps of ``grid_s`` seconds, at most
``HubParams.window_s`` either way; the objective counts tenths of
passenger-seconds (600 per passenger-minute equivalent).

- **Kept**: each direction's first and last departure; each departure in its
  span (so its gap keeps its period's minimum and maximum headway, or its own
  length: the engine's timetable is always allowed); no more departures in one
  cycle than the line's vehicles (``FleetLimit``), and after the solve Ceder's
  deficit functions: a line needing more vehicles than its share (and than
  before) is pinned as it was and the model solved again.
- **Objective**: the transfer wait of every row (``transfer_waits``) weighted by
  its riders, plus what the shifts add to each direction's own cost
  (``costs.gap_cost`` per gap, the headway changes), so a shift is bought only
  when riders changing lines gain more than the line's own riders lose.
- **The wait** of a row is the first departure at or after its arrival plus the
  walk: one literal per candidate departure (``catch[r, j]``) or the cap; the
  objective alone makes the earliest one the cheapest, so no ordering is modelled.
- **Search**: block coordinate descent (``_descend``), one direction's model at a
  time with the others held, until none moves.

The model takes each trip's running time at its engine departure (a shift of a
few minutes rarely crosses a running-time bin); waits and costs before and
after are then measured exactly on the timetables (``transfer_waits``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from optimizer.timetable.costs import gap_cost
from optimizer.timetable.fleet import line_vehicles
from optimizer.timetable.hubs import HubParams, LineDirection, TransferDemand
from optimizer.timetable.model import Binding, DirectionInput, Status
from optimizer.timetable.settings import FleetLimit, Weights
from optimizer.timetable.spans import Span, cut_spans, span_at
from optimizer.timetable.transfer_waits import (HubWaits, TransferRow, at_stop, direction_cost, hub_waits,
                                                transfer_rows)

COST_UNITS = 60  # ``costs`` units (0.1 passenger-minute) to objective units
# Rounds of pinning lines whose vehicles the deficit functions say the shifts raised.
FLEET_ROUNDS = 3
# Passes of the coordinate descent over the directions (it usually stops at a fixed point in two).
PASSES = 4


@dataclass(frozen=True)
class TransferTiming:
    """The departures of the directions calling at the hubs, and what it bought."""

    departures: Mapping[LineDirection, tuple[int, ...]]  # every direction with transfer riders
    before: tuple[HubWaits, ...]  # per hub, the engine's timetable
    after: tuple[HubWaits, ...]  # per hub, with the shifts
    status: Status | None  # None: nothing to time (no demand)
    moved: int = 0  # departures shifted
    wait_change_min: float = 0.0  # passenger-minutes of transfer waiting, after less before
    cost_change: Mapping[LineDirection, float] = field(default_factory=dict)  # own cost, after less before
    bindings: tuple[Binding, ...] = ()


def time_transfers(directions: Mapping[LineDirection, DirectionInput],
                   departures: Mapping[LineDirection, Sequence[int]], demand: Sequence[TransferDemand],
                   hubs: Sequence[str], *, grid_s: int, fleets: Mapping[str, FleetLimit] | None = None,
                   vehicles: Mapping[str, int] | None = None, weights: Weights = Weights(),
                   params: HubParams = HubParams()) -> TransferTiming:
    """Shift departures within the window to cut transfer waits at ``hubs``.
    ``departures``: every timed direction's (sorted); ``vehicles``: each line's share."""
    if grid_s <= 0 or params.window_s < 0 or params.max_wait_s <= 0:
        raise ValueError(f"grid {grid_s} s, window {params.window_s} s, max wait {params.max_wait_s} s: give a "
                         "positive grid and maximum wait and a window of 0 s or more")
    timed = {k: tuple(sorted(v)) for k, v in departures.items()}
    usable = [d for d in demand if d.riders > 0 and d.arriving in timed and d.departing in timed]
    rows, lost = transfer_rows(usable, directions, timed)
    before = hub_waits(hubs, rows, directions, timed, params.max_wait_s)
    notes = () if lost <= 0 else (Binding("no_demand", f"{lost:.0f} transfer riders arrive in hours no "
                                          "rebuilt trip reaches the hub in: left out", lost, "riders"),)
    if not rows:
        return TransferTiming({}, before, before, None, bindings=notes + (_no_demand(hubs),))
    keys = sorted({r.arriving for r in rows} | {r.departing for r in rows})
    pinned: set[str] = set()
    for _ in range(FLEET_ROUNDS + 1):
        shifts, proven = _descend(directions, timed, rows, keys, pinned, grid_s, fleets or {}, weights, params)
        solved = {k: tuple(t + grid_s * a for t, a in zip(timed[k], shifts[k])) for k in keys}
        over = _over_fleet(directions, timed, solved, keys, vehicles or {})
        if not over:
            break
        pinned |= over
    else:
        solved = {k: timed[k] for k in keys}
        pinned |= {k[0] for k in keys}
    after = hub_waits(hubs, rows, directions, {**timed, **solved}, params.max_wait_s)
    spans = {k: cut_spans(directions[k]) for k in keys}
    cost_change = {k: direction_cost(directions[k], spans[k], solved[k], weights)
                   - direction_cost(directions[k], spans[k], timed[k], weights) for k in keys}
    wait_change = sum(h.riders * ((h2.mean_wait_s or 0) - (h.mean_wait_s or 0)) for h, h2 in zip(before, after)) / 60
    moved = sum(a != b for k in keys for a, b in zip(timed[k], solved[k]))
    # Directions that could move at all: with one, the descent's optimum is the model's.
    free = [k for k in keys if k[0] not in pinned and len(timed[k]) > 2]
    status = Status.OPTIMAL if proven and len(free) <= 1 else Status.FEASIBLE
    bindings = notes + _bindings(proven, len(free), solved, timed, keys, pinned, after, params, spans, grid_s)
    return TransferTiming(solved, before, after, status, moved, wait_change, cost_change, bindings)


def _descend(directions: Mapping[LineDirection, DirectionInput], timed: Mapping[LineDirection, tuple[int, ...]],
             rows: Sequence[TransferRow], keys: Sequence[LineDirection], pinned: set[str], grid_s: int,
             fleets: Mapping[str, FleetLimit], weights: Weights, params: HubParams
             ) -> tuple[dict[LineDirection, list[int]], bool]:
    """Shifts by block coordinate descent: each direction in turn solved by CP-SAT
    with the others held, pass after pass until none moves or ``PASSES`` are done.
    One model of every direction together is too big for CP-SAT to improve on the
    engine's timetable in seconds (its root LP alone takes them); a direction with
    the rows touching it is solved to optimality in a fraction of a second.
    Returns the shifts and whether the last pass proved every direction's optimal
    given the others (a fixed point)."""
    shifts = {k: [0] * len(timed[k]) for k in keys}
    free = [k for k in keys if k[0] not in pinned]
    limit = params.time_limit_s / max(1, PASSES * len(free))
    proven = False
    for _ in range(PASSES):
        proven, changed = True, False
        for k in free:
            built = _Model(directions, timed, rows, k, shifts, grid_s, fleets, weights, params)
            new, optimal = built.solve(limit)
            proven &= optimal
            changed |= new != shifts[k]
            shifts[k] = new
        if not changed:
            break
    return shifts, proven and not changed


class _Model:
    """The shifts of one direction (``free``), the others held at ``current``:
    built in the constructor, solved by ``solve``."""

    def __init__(self, directions: Mapping[LineDirection, DirectionInput], timed: Mapping[LineDirection, tuple[int, ...]],
                 rows: Sequence[TransferRow], free: LineDirection, current: Mapping[LineDirection, Sequence[int]],
                 grid_s: int, fleets: Mapping[str, FleetLimit], weights: Weights, params: HubParams) -> None:
        self.model = cp_model.CpModel()
        self.grid_s, self.timed, self.window, self.current = grid_s, timed, params.window_s // grid_s, current
        # The current shifts, every variable hinted, so the search starts from a whole solution.
        self.hints: list[tuple[cp_model.IntVar, int]] = []
        spans = cut_spans(directions[free])
        self.free = free
        self.shifts = self._shifts(free, spans)
        terms = self._own_cost(directions[free], spans, free, weights)
        if free[0] in fleets:
            self._fleet(free, fleets[free[0]])
        for r, row in enumerate(rows):
            if free in (row.arriving, row.departing):
                terms.append(self._wait(r, row, directions, params.max_wait_s, weights))
        self.model.minimize(sum(terms))
        self.hints += [(var, a) for var, a in zip(self.shifts, current[free])]
        for var, value in self.hints:
            self.model.add_hint(var, value)

    def time(self, k: LineDirection, i: int) -> cp_model.LinearExprT:
        shift = self.shifts[i] if k == self.free else self.current[k][i]
        return self.timed[k][i] + self.grid_s * shift

    def now(self, k: LineDirection, i: int) -> int:
        """Departure ``i`` at the current shifts."""
        return self.timed[k][i] + self.grid_s * self.current[k][i]

    def solve(self, time_limit_s: float) -> tuple[list[int], bool]:
        """The free direction's shifts, and whether they are proven optimal."""
        solver = cp_model.CpSolver()
        # Deterministic time, as the departure model: the same input gives the same draft.
        solver.parameters.max_deterministic_time = time_limit_s
        solver.parameters.max_time_in_seconds = 4 * time_limit_s + 1
        solver.parameters.num_workers = 1
        solver.parameters.cp_model_probing_level = 0
        code = solver.solve(self.model)
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            # The current shifts meet every constraint, so only the time limit gets here.
            return list(self.current[self.free]), False
        return [solver.value(a) for a in self.shifts], code == cp_model.OPTIMAL

    def _shifts(self, k: LineDirection, spans: Sequence[Span]) -> list[cp_model.IntVar]:
        """Departure ``i`` moves at most the window, not out of its span (so its gap keeps
        its period's headway limits and its price: the engine prices a gap by the span it
        leaves in, and a gap moved into a busier hour would cost that hour's riders), and
        the first and last not at all."""
        times, step, shifts = self.timed[k], self.grid_s, []
        for i, t in enumerate(times):
            reach = self.window if 0 < i < len(times) - 1 else 0
            span = span_at(spans, t)
            values = [a for a in range(-reach, reach + 1) if span_at(spans, t + a * step) is span]
            shifts.append(self.model.new_int_var_from_domain(cp_model.Domain.from_values(values), f"shift[{i}]"))
        return shifts

    def _own_cost(self, direction: DirectionInput, spans: Sequence[Span], k: LineDirection,
                  weights: Weights) -> list[cp_model.LinearExprT]:
        """What the shifts add to the direction's own cost, gap by gap: each gap within its
        period's headway limits (or as long as it was), priced by the span it left in at
        the engine's time (the cost is convex in the gap, so the secants between lattice
        points give it exactly), and the headway changes. Only increases count: the model
        moves departures for transfers, not to re-time the line (the engine did that)."""
        times, shifts, step, now = self.timed[k], self.shifts, self.grid_s, self.current[k]
        terms: list[cp_model.LinearExprT] = []
        gaps, gaps_now = [], []
        for i in range(len(times) - 1):
            was = times[i + 1] - times[i]
            gap = was + step * (shifts[i + 1] - shifts[i])
            gap_now = was + step * (now[i + 1] - now[i])
            gaps.append(gap)
            gaps_now.append(gap_now)
            span = span_at(spans, times[i])
            low = min(was, span.period.min_headway_s)
            high = max(was, span.period.max_headway_s)
            self.model.add_linear_constraint(gap, low, high)
            reach = (_reach(shifts[i]) + _reach(shifts[i + 1])) * step
            lattice = [g for g in range(was - reach, was + reach + 1, step) if low <= g <= high]
            points = [(g, COST_UNITS * gap_cost(span, g, weights, direction.vehicle_capacity)) for g in lattice]
            if len(points) == 1:
                continue  # a fixed gap: a constant cost
            secants = list(zip(points, points[1:]))
            # Rounding makes the costs a little less than convex: a secant may pass a
            # point's own cost, so the variable's range (and its hint) is the secants' maximum.
            priced = {g: max(math.ceil(c0 + (c1 - c0) * (g - g0) / (g1 - g0)) for (g0, c0), (g1, c1) in secants)
                      for g, _ in points}
            more = self.model.new_int_var(0, max(priced.values()) - priced[was], f"more[{i}]")
            for (g0, c0), (g1, c1) in secants:
                self.model.add((g1 - g0) * (more + priced[was]) >= (g1 - g0) * c0 + (c1 - c0) * (gap - g0))
            self.hints.append((more, max(0, priced[gap_now] - priced[was])))
            terms.append(more)
        per_second = round(10 * weights.headway_change_per_min)
        for i in range(len(gaps) - 1):
            was = abs(times[i + 2] - 2 * times[i + 1] + times[i])
            more = self.model.new_int_var(0, 86_400, f"more_change[{i}]")
            self.model.add(more + was >= gaps[i + 1] - gaps[i])
            self.model.add(more + was >= gaps[i] - gaps[i + 1])
            terms.append(per_second * more)
            self.hints.append((more, max(0, abs(gaps_now[i + 1] - gaps_now[i]) - was)))
        return terms

    def _fleet(self, k: LineDirection, fleet: FleetLimit) -> None:
        """No more departures in a cycle than vehicles (or no more than before)."""
        times, n = self.timed[k], fleet.vehicles
        for i in range(len(times) - n):
            self.model.add(self.time(k, i + n) - self.time(k, i) >= min(fleet.cycle_s, times[i + n] - times[i]))

    def _wait(self, r: int, row: TransferRow, directions: Mapping[LineDirection, DirectionInput],
              max_wait_s: int, weights: Weights) -> cp_model.LinearExprT:
        """The row's riders times their capped wait for the first reachable departure."""
        a, b = directions[row.arriving], directions[row.departing]
        reach = self.window * self.grid_s
        engine_arrival = self.timed[row.arriving][row.trip]
        ready = (self.time(row.arriving, row.trip) - engine_arrival
                 + at_stop(a, engine_arrival, row.arrive_index, arriving=True) + row.walk_s)
        ready_lo = at_stop(a, engine_arrival, row.arrive_index, arriving=True) + row.walk_s - reach
        weight = round(10 * row.riders * weights.wait_per_passenger_min)
        if weight == 0:
            return 0
        wait = self.model.new_int_var(0, max_wait_s, f"wait[{r}]")
        capped = self.model.new_bool_var(f"capped[{r}]")
        self.model.add(wait >= max_wait_s).only_enforce_if(capped)
        catches = [capped]
        ready_now = ready_lo + reach + self.now(row.arriving, row.trip) - engine_arrival  # at the current shifts
        first = None
        for j, t in enumerate(self.timed[row.departing]):
            leaves = at_stop(b, t, row.depart_index, arriving=False)
            if leaves + reach < ready_lo or leaves - reach > ready_lo + 2 * reach + max_wait_s:
                continue
            catch = self.model.new_bool_var(f"catch[{r},{j}]")
            departs = self.time(row.departing, j) - t + leaves
            self.model.add(departs >= ready).only_enforce_if(catch)
            self.model.add(wait >= departs - ready).only_enforce_if(catch)
            catches.append(catch)
            leaves_now = leaves + self.now(row.departing, j) - t
            if (first is None or leaves_now - ready_now < first[1]) and ready_now <= leaves_now < ready_now + max_wait_s:
                first = (catch, leaves_now - ready_now)
        self.model.add_exactly_one(catches)
        self.hints += [(c, int(c is (capped if first is None else first[0]))) for c in catches]
        self.hints.append((wait, max_wait_s if first is None else first[1]))
        return weight * wait


def _reach(shift: cp_model.IntVar) -> int:
    """How far a shift variable reaches either way, in grid steps."""
    domain = shift.proto.domain
    return max(-domain[0], domain[-1])


def _over_fleet(directions: Mapping[LineDirection, DirectionInput], timed: Mapping[LineDirection, tuple[int, ...]],
                solved: Mapping[LineDirection, tuple[int, ...]], keys: Sequence[LineDirection],
                vehicles: Mapping[str, int]) -> set[str]:
    """Lines whose shifted timetable needs more vehicles than their share and than before."""
    over = set()
    for route in sorted({k[0] for k in keys}):
        own = [k for k in timed if k[0] == route]
        was = line_vehicles([(directions[k], timed[k]) for k in own])
        now = line_vehicles([(directions[k], solved.get(k, timed[k])) for k in own])
        if now > max(was, vehicles.get(route, was)):
            over.add(route)
    return over


def _no_demand(hubs: Sequence[str]) -> Binding:
    return Binding("no_demand", f"hub(s) {', '.join(hubs)}: no riders change between the rebuilt lines' "
                   "directions there (no card transfers, no flow to estimate them from, or no two lines "
                   "calling): departures left as timed")


def _bindings(proven: bool, free: int, solved: Mapping[LineDirection, tuple[int, ...]],
              timed: Mapping[LineDirection, tuple[int, ...]], keys: Sequence[LineDirection], pinned: set[str],
              after: Sequence[HubWaits], params: HubParams, spans: Mapping[LineDirection, Sequence[Span]],
              step: int) -> tuple[Binding, ...]:
    """What held the shifts back, each with its amount."""
    found = []
    window = params.window_s // step * step
    at_edge = sum(abs(a - b) >= window > 0 for k in keys for a, b in zip(timed[k], solved[k]))
    if at_edge:
        found.append(Binding("window", f"{at_edge} departure(s) moved the full {params.window_s // 60} min "
                             "(--hub-window): a wider window may shorten waits further", at_edge, "departures"))
    for limit in ("min_headway", "max_headway"):
        held = 0
        for k in keys:
            new = solved[k]
            for i, (t, u) in enumerate(zip(new, new[1:])):
                period = span_at(spans[k], t).period
                edge = period.min_headway_s if limit == "min_headway" else period.max_headway_s
                moved = new[i] != timed[k][i] or new[i + 1] != timed[k][i + 1]
                held += moved and u - t == edge
        if held:
            found.append(Binding(limit, f"{held} moved gap(s) at their period's {limit.replace('_', ' ')}",
                                 held, "gaps"))
    if pinned:
        found.append(Binding("fleet", f"line(s) {', '.join(sorted(pinned))} kept as timed: shifting them needed "
                             "more vehicles than their share (deficit functions)", len(pinned), "lines"))
    capped = sum(h.capped_riders for h in after)
    if capped > 0:
        found.append(Binding("max_wait", f"{capped:.0f} transfer riders still find no departure within "
                             f"{params.max_wait_s // 60} min of their walk: the lines' headways, not their "
                             "timing, keep them waiting", capped, "riders"))
    if not proven:
        found.append(Binding("time_limit", f"the hub model's time limit ({params.time_limit_s:g} s, --hub-budget, "
                             f"shared by the directions and up to {PASSES} passes) came first: the best shifts found"))
    elif free > 1:
        found.append(Binding("coordinate", f"each of the {free} directions' shifts is optimal with the "
                             "others held (CP-SAT per direction until none moves); not proven for all together"))
    if not any(a != b for k in keys for a, b in zip(timed[k], solved[k])):
        found.append(Binding("unchanged", f"no shift within ±{params.window_s // 60} min that keeps the first and "
                             "last departures, the headway limits and the fleet shortens transfer waits by "
                             "more than it costs the lines' own riders: departures left as timed"))
    elif not found:
        found.append(Binding("objective", "optimal: the transfer riders' gain and the lines' own riders' "
                             "waits, crowding and even headways balance at these shifts"))
    return tuple(found)
