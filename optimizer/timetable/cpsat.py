"""The CP-SAT departure model of one line direction: a sequence of departures on a grid.

Units: the model counts grid slots of ``grid_s`` seconds from the first
departure; the last slot is the last departure itself (which may sit less than
a slot after the one before). The objective is in tenths of passenger-minute
equivalents (``settings.Weights``).

Variables: ``slot[k]`` of departure k; ``gap[k] = slot[k+1] - slot[k]``;
``runs[k]``: departure k+1 is a real trip (``gap[k] > 0``). Departure 0 is the
first departure, departure ``k_hi - 1`` the last; trips the model does not
need collapse onto the last slot as zero gaps at the end, so the number of
trips is a variable between ``k_lo`` and ``k_hi``. Gap k is priced and bounded
by the span its first departure leaves in (``span[k]``, a table of (span, gap,
cost) rows). Departure k stays within ``trip_slack`` departures and one
maximum headway of the fleet-capped even-headway construction (``nominal``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from optimizer.timetable.checks import fewest_trips
from optimizer.timetable.costs import SCALE, Grid, change_cost, gap_cost, too_close_to_last, trip_cost
from optimizer.timetable.model import DirectionInput, Period
from optimizer.timetable.settings import FleetLimit, Search, Weights
from optimizer.timetable.spans import Span



@dataclass
class DepartureModel:
    """A built model and the variables its answer is read from."""

    model: cp_model.CpModel
    grid: Grid
    slots: list[cp_model.IntVar]
    runs: list[cp_model.IntVar]
    trips: tuple[int, int]  # k_lo, k_hi: the trips the model may run
    violation: cp_model.IntVar | None  # seconds by which a relaxed headway family is broken


def build_model(direction: DirectionInput, spans: Sequence[Span], nominal: Sequence[int], *,
                fleet: FleetLimit | None, weights: Weights, search: Search,
                relax: frozenset[str] = frozenset(), floor: int = 0) -> DepartureModel:
    """The model; ``relax`` ("neighbourhood", "fleet", "max_headway", "min_headway") drops constraint families: the neighbourhood
    of the construction and the fleet go; a headway family becomes the objective
    (the largest amount by which a gap breaks it). ``floor``: a proven lower bound
    on the objective (the relaxation's optimum), added as a cut."""
    grid = Grid(direction.first_departure_s, direction.last_departure_s, search.grid_s)
    model = cp_model.CpModel()
    k_lo, k_hi = _trip_range(direction, spans, nominal, grid, search, relax)
    bounds = _windows(grid, [grid.slot(t) for t in nominal], k_hi, search.trip_slack, spans,
                      wide="neighbourhood" in relax)
    closed = set() if "min_headway" in relax else too_close_to_last(grid, spans)
    slots = [model.new_int_var_from_domain(_domain(lo, hi, closed, k, k_hi), f"slot[{k}]")
             for k, (lo, hi) in enumerate(bounds)]
    gaps = [model.new_int_var(0, grid.last_slot, f"gap[{k}]") for k in range(k_hi - 1)]
    runs = [model.new_bool_var(f"runs[{k}]") for k in range(k_hi - 1)]
    for k, gap in enumerate(gaps):
        model.add(gap == slots[k + 1] - slots[k])
        model.add(gap >= 1).only_enforce_if(runs[k])
        model.add(gap == 0).only_enforce_if(~runs[k])
        if k + 1 < len(runs):
            model.add_implication(runs[k + 1], runs[k])
        if k < k_lo - 1:
            model.add(runs[k] == 1)
    tables = _GapTables(spans, grid, weights, direction.vehicle_capacity, relax)
    costs, violations = zip(*(tables.add(model, k, slots[k], gap, runs[k], bounds[k])
                              for k, gap in enumerate(gaps)))
    changes = _add_headway_changes(model, gaps, runs, grid.last_slot)
    if fleet is not None and "fleet" not in relax:
        _add_fleet(model, grid, slots, runs, fleet)
    violation = None
    if relax & {"max_headway", "min_headway"}:
        violation = model.new_int_var(0, 10 * 86_400, "violation")
        for gap_violation in violations:
            model.add(violation >= gap_violation)
        model.minimize(violation)
    else:
        objective = (sum(costs) + change_cost(weights, grid.step_s) * sum(changes)
                     + trip_cost(spans[-1], weights))
        model.add(objective >= floor)
        model.minimize(objective)
    _hint(model, grid, [grid.slot(t) for t in nominal], slots, gaps, runs, changes, tables)
    return DepartureModel(model, grid, slots, runs, (k_lo, k_hi), violation)


def _trip_range(direction: DirectionInput, spans: Sequence[Span], nominal: Sequence[int], grid: Grid,
                search: Search, relax: frozenset[str]) -> tuple[int, int]:
    fewest = fewest_trips(direction, grid.step_s)
    k_lo = max(len(nominal) - search.trip_slack, fewest, 2)
    k_hi = len(nominal) + search.trip_slack
    if "neighbourhood" in relax:
        shortest = min(s.period.min_headway_s for s in spans)
        k_lo, k_hi = max(fewest, 2), max(k_hi, min(2 * len(nominal), grid.last_slot * grid.step_s // shortest + 1))
    if search.max_trips is not None:
        k_hi = min(k_hi, search.max_trips)
    return k_lo, max(k_hi, k_lo)


def _windows(grid: Grid, nominal: Sequence[int], k_hi: int, slack: int, spans: Sequence[Span], *,
             wide: bool) -> list[tuple[int, int]]:
    """The slots each departure may take: near the nominal departures ``slack`` either side."""
    end = grid.last_slot
    if wide:
        return [(0, 0)] + [(1, end)] * (k_hi - 2) + [(end, end)]
    margin = math.ceil(max(s.period.max_headway_s for s in spans) / grid.step_s)
    last = len(nominal) - 1
    windows = []
    for k in range(k_hi):
        early, late = nominal[min(max(k - slack, 0), last)], nominal[min(k + slack, last)]
        windows.append((max(early - margin, 0), end if k + slack >= last else min(late + margin, end)))
    windows[0], windows[-1] = (0, 0), (end, end)
    return windows


def _domain(lo: int, hi: int, closed: set[int], k: int, k_hi: int) -> cp_model.Domain:
    if k in (0, k_hi - 1):
        return cp_model.Domain(lo, hi)
    values = [j for j in range(lo, hi + 1) if j not in closed]
    return cp_model.Domain.from_values(values)


@dataclass(frozen=True, slots=True)
class Solved:
    """What the solver said, in seconds and objective units (passenger-minute equivalents)."""

    status: str  # "optimal", "feasible", "infeasible", "unknown" (no answer in time)
    departures_s: tuple[int, ...] = ()
    objective: float | None = None
    bound: float | None = None
    violation_s: int | None = None  # with a relaxed headway family: by how much it is broken


def solve(built: DepartureModel, search: Search, *, first_solution: bool = False) -> Solved:
    """Run CP-SAT within the search's time limit and read the departures
    (with ``first_solution``, stop at the first timetable: a feasibility test)."""
    solver = cp_model.CpSolver()
    solver.parameters.stop_after_first_solution = first_solution
    # The limit is the solver's deterministic time (about a second of work each on
    # this machine), so the same input gives the same draft on any machine or load;
    # wall time is capped only as a safety net.
    solver.parameters.max_deterministic_time = search.time_limit_s
    solver.parameters.max_time_in_seconds = 4 * search.time_limit_s + 1
    solver.parameters.num_workers = search.workers
    # Probing costs seconds on this model and buys little: the search starts from a full hint.
    solver.parameters.cp_model_probing_level = 0
    code = solver.solve(built.model)
    if code == cp_model.MODEL_INVALID:
        raise RuntimeError(f"the departure model is invalid: {built.model.validate()}")
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Solved("infeasible" if code == cp_model.INFEASIBLE else "unknown")
    grid = built.grid
    departures = [grid.time(solver.value(built.slots[0]))]
    departures += [grid.time(solver.value(built.slots[k + 1])) for k, run in enumerate(built.runs)
                   if solver.value(run)]
    violation = None if built.violation is None else solver.value(built.violation)
    return Solved("optimal" if code == cp_model.OPTIMAL else "feasible", tuple(departures),
                  solver.objective_value / SCALE, solver.best_objective_bound / SCALE, violation)


class _GapTables:
    """The (span, gap, cost, violation) rows a gap may take, one table per span, built once."""

    def __init__(self, spans: Sequence[Span], grid: Grid, weights: Weights, capacity: float,
                 relax: frozenset[str]) -> None:
        self._spans, self._grid, self._weights, self._capacity, self._relax = spans, grid, weights, capacity, relax
        self._rows: dict[int, list[tuple[int, int, int, int]]] = {}  # span -> (span, gap, cost, violation)
        self._slots = [grid.slots_of(s) for s in spans]
        self.picks: list[list[tuple[int, int, cp_model.IntVar]]] = []  # per gap: (span, gap, literal)

    def add(self, model: cp_model.CpModel, k: int, slot: cp_model.IntVar, gap: cp_model.IntVar,
            runs: cp_model.IntVar, window: tuple[int, int]) -> tuple[cp_model.LinearExpr, cp_model.LinearExpr]:
        """One literal per (span, gap) row that gap k may take, tied to its slot and
        length by linear equations (so the LP sees each gap's convex cost); return
        the gap's cost and headway violation."""
        rows, picks, lows, highs = [], [], [], []
        self.picks.append([])
        for index, (low, high) in enumerate(self._slots):
            low, high = max(low, window[0]), min(high, window[1])
            for row in self._rows_of(index) if low <= high else ():
                rows.append(row)
                picks.append(model.new_bool_var(f"takes[{k},{index},{row[1]}]"))
                self.picks[-1].append((index, row[1], picks[-1]))
                lows.append(low)
                highs.append(high)
        end = self._grid.last_slot
        model.add(sum(picks) == runs)
        model.add(gap == sum(row[1] * pick for row, pick in zip(rows, picks)))
        # A gap that is not run starts at the last slot.
        model.add(slot >= sum(low * pick for low, pick in zip(lows, picks)) + end * (1 - runs))
        model.add(slot <= sum(high * pick for high, pick in zip(highs, picks)) + end * (1 - runs))
        return (sum(row[2] * pick for row, pick in zip(rows, picks)),
                sum(row[3] * pick for row, pick in zip(rows, picks)))

    def span_of(self, slot: int) -> int:
        return next(i for i, (low, high) in enumerate(self._slots) if low <= slot <= high)

    def _rows_of(self, index: int) -> list[tuple[int, int, int, int]]:
        if index not in self._rows:
            span, step = self._spans[index], self._grid.step_s
            policy = span.period
            shortest = 1 if "min_headway" in self._relax else math.ceil(policy.min_headway_s / step)
            longest = policy.max_headway_s // step
            if "max_headway" in self._relax:
                longest = min(4 * longest, self._grid.last_slot)
            self._rows[index] = [(index, h, gap_cost(span, h * step, self._weights, self._capacity), self._violation(policy, h * step))
                                 for h in range(max(shortest, 1), longest + 1)]
        return self._rows[index]

    def _violation(self, policy: Period, gap_s: int) -> int:
        if "max_headway" in self._relax:
            return max(0, gap_s - policy.max_headway_s)
        if "min_headway" in self._relax:
            return max(0, policy.min_headway_s - gap_s)
        return 0


def _add_headway_changes(model: cp_model.CpModel, gaps: Sequence[cp_model.IntVar],
                         runs: Sequence[cp_model.IntVar], longest: int) -> list[cp_model.IntVar]:
    """|gap[k+1] - gap[k]| in slots, for every pair of real gaps."""
    changes = []
    for k in range(len(gaps) - 1):
        change = model.new_int_var(0, longest, f"change[{k}]")
        model.add(change >= gaps[k + 1] - gaps[k]).only_enforce_if(runs[k + 1])
        model.add(change >= gaps[k] - gaps[k + 1]).only_enforce_if(runs[k + 1])
        changes.append(change)
    return changes


def _add_fleet(model: cp_model.CpModel, grid: Grid, slots: Sequence[cp_model.IntVar],
               runs: Sequence[cp_model.IntVar], fleet: FleetLimit) -> None:
    """No more than ``vehicles`` departures in any window of one cycle: departure
    k + vehicles leaves at least one cycle after departure k."""
    n, step = fleet.vehicles, grid.step_s
    cycle = math.ceil(fleet.cycle_s / step)
    to_last = math.ceil((fleet.cycle_s + grid.end_shortfall_s) / step)
    for k in range(len(slots) - n):
        j = k + n
        model.add(slots[j] - slots[k] >= cycle).only_enforce_if(runs[j - 1])
        if to_last > cycle:
            is_last = [runs[j - 1]] + ([~runs[j]] if j < len(runs) else [])
            model.add(slots[j] - slots[k] >= to_last).only_enforce_if(is_last)


def _hint(model: cp_model.CpModel, grid: Grid, start: Sequence[int], slots: Sequence[cp_model.IntVar],
          gaps: Sequence[cp_model.IntVar], runs: Sequence[cp_model.IntVar], changes: Sequence[cp_model.IntVar],
          tables: _GapTables) -> None:
    """Start the search from ``start`` (slots), every variable hinted so CP-SAT takes it whole."""
    hinted = list(start[: len(slots)]) + [grid.last_slot] * max(0, len(slots) - len(start))
    hinted[-1] = grid.last_slot
    lengths = [b - a for a, b in zip(hinted, hinted[1:])]
    for var, value in zip(slots, hinted):
        model.add_hint(var, value)
    for k, (gap, run, length) in enumerate(zip(gaps, runs, lengths)):
        model.add_hint(gap, length)
        model.add_hint(run, length > 0)
        leaves = tables.span_of(hinted[k])
        for index, h, pick in tables.picks[k]:
            model.add_hint(pick, length > 0 and index == leaves and h == length)
    for k, change in enumerate(changes):
        model.add_hint(change, abs(lengths[k + 1] - lengths[k]) if lengths[k + 1] else 0)
