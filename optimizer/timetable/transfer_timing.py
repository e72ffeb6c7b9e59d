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
  walk, capped, exact over the literals choosing each departure's shift
  (``transfer_terms``).
- **Search**: block coordinate descent (``_descend``), one direction's model at a
  time with the others held, until none moves; a direction is solved again only
  when a direction it shares riders with has moved since (the same model and
  hint give the same answer). With a ``Deadline`` (the hub budget, wall time,
  its clock from the caller) the descent stops when it passes, each solve capped
  at the time left, and the explanation says the budget bound it.

The model takes each trip's running time at its engine departure (a shift of a
few minutes rarely crosses a running-time bin); waits and costs before and
after are then measured exactly on the timetables (``transfer_waits``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from optimizer.blocks.deadline import Deadline
from optimizer.timetable.costs import gap_cost
from optimizer.timetable.fleet import line_vehicles
from optimizer.timetable.hubs import HubParams, LineDirection, TransferDemand
from optimizer.timetable.model import Binding, DirectionInput, Status
from optimizer.timetable.settings import FleetLimit, Weights
from optimizer.timetable.spans import Span, cut_spans, span_at
from optimizer.timetable.transfer_terms import Offsets, stop_offsets, wait_terms
from optimizer.timetable.transfer_waits import HubWaits, TransferRow, direction_cost, hub_waits, transfer_rows

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


@dataclass(frozen=True)
class _Descent:
    """Where the coordinate descent stopped."""

    shifts: dict[LineDirection, list[int]]
    proven: bool  # a fixed point, every direction's shifts proven optimal given the others
    free: int  # directions that could move
    solves: int
    unsettled: int  # directions still to solve (again) when it stopped
    out_of_time: bool  # the deadline passed first


def time_transfers(directions: Mapping[LineDirection, DirectionInput],
                   departures: Mapping[LineDirection, Sequence[int]], demand: Sequence[TransferDemand],
                   hubs: Sequence[str], *, grid_s: int, fleets: Mapping[str, FleetLimit] | None = None,
                   vehicles: Mapping[str, int] | None = None, weights: Weights = Weights(),
                   params: HubParams = HubParams(), deadline: Deadline | None = None) -> TransferTiming:
    """Shift departures within the window to cut transfer waits at ``hubs``.
    ``departures``: every timed direction's (sorted); ``vehicles``: each line's share;
    ``deadline``: when the search must stop (the hub budget in wall time), else
    only CP-SAT's deterministic limit per direction bounds it."""
    if grid_s <= 0 or params.window_s < 0 or params.max_wait_s <= 0:
        raise ValueError(f"grid {grid_s} s, window {params.window_s} s, max wait {params.max_wait_s} s: give a "
                         "positive grid and maximum wait and a window of 0 s or more")
    timed = {k: tuple(sorted(v)) for k, v in departures.items()}
    usable = [d for d in demand if d.riders > 0 and d.arriving in timed and d.departing in timed
              and d.arriving != d.departing]
    rows, lost = transfer_rows(usable, directions, timed)
    before = hub_waits(hubs, rows, directions, timed, params.max_wait_s)
    notes = () if lost <= 0 else (Binding("no_demand", f"{lost:.0f} transfer riders arrive in hours no "
                                          "rebuilt trip reaches the hub in: left out", lost, "riders"),)
    if not rows:
        return TransferTiming({}, before, before, None, bindings=notes + (_no_demand(hubs),))
    keys = sorted({r.arriving for r in rows} | {r.departing for r in rows})
    spans = {k: cut_spans(directions[k]) for k in keys}
    held = _Held(directions, spans, timed, rows, stop_offsets(directions, timed, rows), grid_s, fleets or {},
                 weights, params)
    pinned: set[str] = set()
    shifts = {k: [0] * len(timed[k]) for k in keys}
    for _ in range(FLEET_ROUNDS + 1):
        descent = _descend(held, keys, pinned, shifts, deadline)
        solved = {k: tuple(t + grid_s * a for t, a in zip(timed[k], descent.shifts[k])) for k in keys}
        over = _over_fleet(directions, timed, solved, keys, vehicles or {})
        if not over:
            break
        pinned |= over
        # The pinned lines go back to the engine's timetable; the others start where they were.
        shifts = {k: [0] * len(timed[k]) if k[0] in pinned else descent.shifts[k] for k in keys}
    else:
        solved = {k: timed[k] for k in keys}
        pinned |= {k[0] for k in keys}
    after = hub_waits(hubs, rows, directions, {**timed, **solved}, params.max_wait_s)
    cost_change = {k: direction_cost(directions[k], spans[k], solved[k], weights)
                   - direction_cost(directions[k], spans[k], timed[k], weights) for k in keys}
    wait_change = sum(h.riders * ((h2.mean_wait_s or 0) - (h.mean_wait_s or 0)) for h, h2 in zip(before, after)) / 60
    moved = sum(a != b for k in keys for a, b in zip(timed[k], solved[k]))
    # With one direction that could move, the descent's optimum is the model's.
    status = Status.OPTIMAL if descent.proven and descent.free <= 1 else Status.FEASIBLE
    bindings = notes + _bindings(descent, solved, timed, keys, pinned, after, params, spans, grid_s)
    return TransferTiming(solved, before, after, status, moved, wait_change, cost_change, bindings)


@dataclass(frozen=True)
class _Held:
    """What every direction's model of one run reads."""

    directions: Mapping[LineDirection, DirectionInput]
    spans: Mapping[LineDirection, Sequence[Span]]
    timed: Mapping[LineDirection, tuple[int, ...]]
    rows: Sequence[TransferRow]
    offsets: Offsets
    grid_s: int
    fleets: Mapping[str, FleetLimit]
    weights: Weights
    params: HubParams


def _descend(held: _Held, keys: Sequence[LineDirection], pinned: set[str],
             start: Mapping[LineDirection, Sequence[int]], deadline: Deadline | None) -> _Descent:
    """Shifts by block coordinate descent from ``start``: each direction in turn
    solved by CP-SAT with the others held, pass after pass until none moves,
    ``PASSES`` are done or ``deadline`` passes. One model of every direction
    together is too big for CP-SAT to improve on the engine's timetable in
    seconds (its root LP alone takes them); a direction with the rows touching it
    is solved in a fraction of a second. A direction is solved again only when
    its model changed: a direction it shares riders with moved, or it moved
    itself short of a proof (the new hint may lead further); the search is
    deterministic, so an unchanged model gives the same shifts."""
    shifts = {k: list(start[k]) for k in keys}
    sharing: dict[LineDirection, set[LineDirection]] = {k: set() for k in keys}
    riders: dict[LineDirection, float] = dict.fromkeys(keys, 0.0)
    for row in held.rows:
        sharing[row.arriving].add(row.departing)
        sharing[row.departing].add(row.arriving)
        riders[row.arriving] += row.riders
        riders[row.departing] += row.riders
    # The directions with the most transfer riders first: a budget that runs out
    # leaves the least to gain unsolved.
    free = sorted((k for k in keys if k[0] not in pinned and len(held.timed[k]) > 2), key=lambda k: (-riders[k], k))
    limit = held.params.time_limit_s / max(1, PASSES * len(free))
    optimal = dict.fromkeys(free, False)
    stale, solves, out_of_time = set(free), 0, False
    for _ in range(PASSES):
        for k in free:
            if k not in stale:
                continue
            left = None if deadline is None else deadline.left_s()
            if left is not None and left <= 0:
                out_of_time = True
                break
            new, optimal[k] = _Model(held, k, shifts).solve(limit, left)
            solves += 1
            stale.discard(k)
            if new != shifts[k]:
                shifts[k] = new
                stale |= sharing[k] | ({k} if not optimal[k] else set())
        if out_of_time or not stale & set(free):
            break
    unsettled = len(stale & set(free))
    proven = unsettled == 0 and all(optimal.values())
    # A last solve the deadline cut short is the budget's doing too.
    out_of_time = out_of_time or (not proven and deadline is not None and deadline.passed())
    return _Descent(shifts, proven, len(free), solves, unsettled, out_of_time)


class _Model:
    """The shifts of one direction (``free``), the others held at ``current``:
    built in the constructor, solved by ``solve``."""

    def __init__(self, held: _Held, free: LineDirection, current: Mapping[LineDirection, Sequence[int]]) -> None:
        self.model = cp_model.CpModel()
        self.grid_s, self.timed, self.current = held.grid_s, held.timed, current
        self.window = held.params.window_s // held.grid_s
        # The current shifts, every variable hinted, so the search starts from a whole solution.
        self.hints: list[tuple[cp_model.IntVar, int]] = []
        self.free = free
        self.shifts, picks = self._shifts(free, held.spans[free])
        terms = self._own_cost(held.directions[free], held.spans[free], free, held.weights)
        if free[0] in held.fleets:
            self._fleet(free, held.fleets[free[0]])
        touching = [r for r in held.rows if free in (r.arriving, r.departing)]
        waits, hints = wait_terms(self.model, free, picks, touching, held.offsets, held.timed, current, held.grid_s,
                                  held.params.max_wait_s, held.weights)
        self.model.minimize(sum(terms + waits))
        self.hints += hints + [(var, a) for var, a in zip(self.shifts, current[free])]
        for var, value in self.hints:
            self.model.add_hint(var, value)

    def time(self, k: LineDirection, i: int) -> cp_model.LinearExprT:
        shift = self.shifts[i] if k == self.free else self.current[k][i]
        return self.timed[k][i] + self.grid_s * shift

    def solve(self, time_limit_s: float, wall_s: float | None) -> tuple[list[int], bool]:
        """The free direction's shifts, and whether they are proven optimal; CP-SAT
        stops at ``time_limit_s`` of deterministic time or ``wall_s`` seconds."""
        solver = cp_model.CpSolver()
        # Deterministic time, as the departure model: the same input gives the same
        # draft, unless the wall budget (a loaded machine) stops it first.
        solver.parameters.max_deterministic_time = time_limit_s
        solver.parameters.max_time_in_seconds = 4 * time_limit_s + 1 if wall_s is None else wall_s
        solver.parameters.num_workers = 1
        solver.parameters.cp_model_probing_level = 0
        # The full linearisation of the headway and fleet rows proves more directions
        # optimal within their share of the budget, at about the same speed; the
        # symmetry search finds none in these models and took a fifth of the time.
        solver.parameters.linearization_level = 2
        solver.parameters.symmetry_level = 0
        code = solver.solve(self.model)
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            # The current shifts meet every constraint, so only the time limit gets here.
            return list(self.current[self.free]), False
        return [solver.value(a) for a in self.shifts], code == cp_model.OPTIMAL

    def _shifts(self, k: LineDirection, spans: Sequence[Span]
                ) -> tuple[list[cp_model.IntVar], list[dict[int, cp_model.IntVar | None]]]:
        """Departure ``i`` moves at most the window, not out of its span (so its gap keeps
        its period's headway limits and its price: the engine prices a gap by the span it
        leaves in, and a gap moved into a busier hour would cost that hour's riders), and
        the first and last not at all. Each shift is also one literal per value (the
        transfer waits are tables of them); a departure that cannot move has ``None``."""
        times, step, shifts, picks = self.timed[k], self.grid_s, [], []
        for i, t in enumerate(times):
            reach = self.window if 0 < i < len(times) - 1 else 0
            span = span_at(spans, t)
            values = [a for a in range(-reach, reach + 1) if span_at(spans, t + a * step) is span]
            shift = self.model.new_int_var_from_domain(cp_model.Domain.from_values(values), f"shift[{i}]")
            shifts.append(shift)
            if len(values) == 1:
                picks.append({values[0]: None})
                continue
            pick = {a: self.model.new_bool_var(f"pick[{i},{a}]") for a in values}
            self.model.add_exactly_one(pick.values())
            self.model.add(shift == sum(a * lit for a, lit in pick.items()))
            self.hints += [(lit, int(a == self.current[k][i])) for a, lit in pick.items()]
            picks.append(pick)
        return shifts, picks

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


def _bindings(descent: _Descent, solved: Mapping[LineDirection, tuple[int, ...]],
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
    if descent.out_of_time:
        found.append(Binding("time_limit", f"the hub budget ({params.time_limit_s:g} s of wall time, --hub-budget) "
                             f"ran out after {descent.solves} direction solve(s), {descent.unsettled} of the "
                             f"{descent.free} directions still to solve (again): the best shifts found by then",
                             descent.unsettled, "directions"))
    elif descent.unsettled:
        found.append(Binding("time_limit", f"{PASSES} passes of the descent ended with {descent.unsettled} "
                             f"direction(s) still moving: the best shifts found", descent.unsettled, "directions"))
    elif not descent.proven:
        found.append(Binding("time_limit", f"the time limit per direction (the {params.time_limit_s:g} s hub "
                             f"budget shared by the directions and up to {PASSES} passes) came first for some "
                             "direction: its shifts are the best found, not proven optimal given the others"))
    elif descent.free > 1:
        found.append(Binding("coordinate", f"each of the {descent.free} directions' shifts is optimal with the "
                             "others held (CP-SAT per direction until none moves); not proven for all together"))
    if not any(a != b for k in keys for a, b in zip(timed[k], solved[k])):
        found.append(Binding("unchanged", f"no shift within ±{params.window_s // 60} min that keeps the first and "
                             "last departures, the headway limits and the fleet shortens transfer waits by "
                             "more than it costs the lines' own riders: departures left as timed"))
    elif not found:
        found.append(Binding("objective", "optimal: the transfer riders' gain and the lines' own riders' "
                             "waits, crowding and even headways balance at these shifts"))
    return tuple(found)
