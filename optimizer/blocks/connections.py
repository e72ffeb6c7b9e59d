"""From timed trips and a deadhead matrix to the blocking network: which trip may
follow which, and what each move costs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from optimizer.blocks.inputs import BlockingInput, Interlining, Trip
from optimizer.blocks.network import NOT_ALLOWED, BlockingNetwork, Depot, make_network
from optimizer.blocks.problems import Code, InputProblem, listing, raise_if_any

MISSING = -1


@dataclass(frozen=True, eq=False)
class DeadheadMatrix:
    places: tuple[str, ...]
    time_s: NDArray[np.int64]  # MISSING where the input gives no deadhead
    cost: NDArray[np.int64]

    def index(self) -> dict[str, int]:
        return {place: i for i, place in enumerate(self.places)}


def deadhead_matrix(blocking_input: BlockingInput) -> DeadheadMatrix:
    places = sorted({t.start_place for t in blocking_input.trips}
                    | {t.end_place for t in blocking_input.trips}
                    | {d.place for d in blocking_input.depots if d.place is not None}
                    | {h.from_place for h in blocking_input.deadheads}
                    | {h.to_place for h in blocking_input.deadheads})
    index = {place: i for i, place in enumerate(places)}
    time_s = np.full((len(places), len(places)), MISSING, dtype=np.int64)
    cost = np.full_like(time_s, MISSING)
    np.fill_diagonal(time_s, 0)
    np.fill_diagonal(cost, 0)
    for h in blocking_input.deadheads:
        time_s[index[h.from_place], index[h.to_place]] = h.time_s
        cost[index[h.from_place], index[h.to_place]] = h.cost
    return DeadheadMatrix(tuple(places), time_s, cost)


def check_depots(depots: tuple[Depot, ...]) -> list[InputProblem]:
    problems = [InputProblem(Code.DUPLICATE_ID, f"depot id {depot_id!r} is used {count} times",
                             depot_id=depot_id)
                for depot_id, count in Counter(d.depot_id for d in depots).items() if count > 1]
    problems += [InputProblem(
        Code.DEPOT_WITHOUT_CAPACITY,
        f"depot {d.depot_id} has capacity {d.capacity}: it can send out no vehicle; "
        "give it the number of vehicles it holds, or leave it out", depot_id=d.depot_id)
        for d in depots if d.capacity <= 0]
    if not depots:
        problems.append(InputProblem(Code.DEPOT_WITHOUT_CAPACITY, "no depot: vehicles come from nowhere"))
    return problems


def check_input(blocking_input: BlockingInput, matrix: DeadheadMatrix) -> list[InputProblem]:
    """Problems of the timed input itself (the network's own checks come after)."""
    trips = blocking_input.trips
    problems = check_depots(blocking_input.depots)
    problems += [InputProblem(Code.DUPLICATE_ID, f"trip id {trip_id!r} is used {count} times",
                              trip_id=trip_id)
                 for trip_id, count in Counter(t.trip_id for t in trips).items() if count > 1]
    problems += [InputProblem(Code.UNKNOWN_PLACE, f"depot {d.depot_id} has no place: its pull-outs "
                              "and pull-ins cannot be priced", depot_id=d.depot_id)
                 for d in blocking_input.depots if d.place is None]
    problems += [InputProblem(
        Code.TRIP_ENDS_BEFORE_START,
        f"trip {t.trip_id} ends at {_clock(t.end_s)}, before it starts at {_clock(t.start_s)}",
        trip_id=t.trip_id) for t in trips if t.end_s < t.start_s]
    problems += [InputProblem(Code.BAD_DEADHEAD, f"the deadhead {h.from_place} -> {h.to_place} takes "
                              f"{h.time_s} s at cost {h.cost}: neither may be negative")
                 for h in blocking_input.deadheads if h.time_s < 0 or h.cost < 0]
    problems += _missing_deadheads(blocking_input, matrix)
    problems += _untyped(blocking_input)
    cap = blocking_input.max_wait_s
    if cap is not None and cap < blocking_input.min_layover_s:
        problems.append(InputProblem(Code.BAD_WAIT_CAP, f"the longest wait allowed ({cap} s) is shorter "
                                     f"than the minimum layover ({blocking_input.min_layover_s} s): no "
                                     "trip could follow another; allow at least the layover"))
    return problems


def _untyped(blocking_input: BlockingInput) -> list[InputProblem]:
    """With vehicle types, every trip and depot needs one: a block's type is its
    depot's, and an untyped trip between two typed ones could join two types."""
    typed = [t.vehicle_type is not None for t in blocking_input.trips]
    typed += [d.vehicle_type is not None for d in blocking_input.depots]
    if not any(typed) or all(typed):
        return []
    trips = [t.trip_id for t in blocking_input.trips if t.vehicle_type is None]
    depots = [d.depot_id for d in blocking_input.depots if d.vehicle_type is None]
    named = ", ".join([f"trip {t}" for t in trips[:5]] + [f"depot {d}" for d in depots[:5]])
    return [InputProblem(Code.UNTYPED, f"vehicle types are given, but {len(trips)} trip(s) and "
                         f"{len(depots)} depot(s) have none ({named}): give every trip and depot a type, "
                         "or none", trip_id=trips[0] if trips else None,
                         depot_id=depots[0] if depots else None)]


def _typed(trips: tuple[Trip, ...], depots: tuple[Depot, ...]) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Each trip's type as a number (-1: untyped), and which depot may run which trip."""
    codes: dict[str, int] = {}
    trip_type = np.array([-1 if t.vehicle_type is None else codes.setdefault(t.vehicle_type, len(codes))
                          for t in trips], dtype=np.int64)
    depot_type = np.array([-1 if d.vehicle_type is None else codes.setdefault(d.vehicle_type, len(codes))
                           for d in depots], dtype=np.int64)
    return trip_type, (depot_type[:, None] == trip_type[None, :]) | (depot_type[:, None] < 0)


def build_network(blocking_input: BlockingInput) -> BlockingNetwork:
    """The network of the input; raises ``InvalidBlockingInput`` on a bad input."""
    matrix = deadhead_matrix(blocking_input)
    raise_if_any(check_input(blocking_input, matrix))
    index = matrix.index()
    trips = blocking_input.trips
    start = np.array([t.start_s for t in trips], dtype=np.int64)
    end = np.array([t.end_s for t in trips], dtype=np.int64)
    start_place = np.array([index[t.start_place] for t in trips], dtype=np.int64)
    end_place = np.array([index[t.end_place] for t in trips], dtype=np.int64)
    line = _line_codes(trips)
    trip_type, may_run = _typed(trips, blocking_input.depots)
    rows = [_connections_from(i, blocking_input, matrix, start, end, start_place, end_place, line, trip_type)
            for i in range(len(trips))]
    connections = np.concatenate(rows) if rows else np.zeros((0, 3), dtype=np.int64)
    depot_place = np.array([index[d.place] for d in blocking_input.depots if d.place is not None],
                           dtype=np.int64)
    pull_out = blocking_input.costs.vehicle + matrix.cost[depot_place[:, None], start_place[None, :]]
    pull_in = matrix.cost[end_place[:, None], depot_place[None, :]]
    pull_out[~may_run] = NOT_ALLOWED
    pull_in[~may_run.T] = NOT_ALLOWED
    return make_network(tuple(t.trip_id for t in trips), blocking_input.depots, pull_out, pull_in,
                        connections)


def _line_codes(trips: tuple[Trip, ...]) -> NDArray[np.int64]:
    """Each trip's line as a number; -1 (any line) where it has none."""
    codes: dict[str, int] = {}
    return np.array([-1 if t.line is None else codes.setdefault(t.line, len(codes)) for t in trips],
                    dtype=np.int64)


def _connections_from(i: int, blocking_input: BlockingInput, matrix: DeadheadMatrix,
                      start: NDArray[np.int64], end: NDArray[np.int64],
                      start_place: NDArray[np.int64], end_place: NDArray[np.int64],
                      line: NDArray[np.int64], trip_type: NDArray[np.int64]) -> NDArray[np.int64]:
    """Rows ``(i, j, cost)`` for every trip ``j`` one vehicle can run after ``i``."""
    travel = matrix.time_s[end_place[i], start_place]
    ready = end[i] + blocking_input.min_layover_s + travel
    allowed = (start >= ready) & (travel != MISSING) & (trip_type == trip_type[i])
    if blocking_input.interlining is not Interlining.ANY:
        same = (line == line[i]) | (line < 0) | (line[i] < 0)
        if blocking_input.interlining is Interlining.SHARED_TERMINAL:
            same |= start_place == end_place[i]
        allowed &= same
    if blocking_input.max_wait_s is not None:
        allowed &= start - end[i] - travel <= blocking_input.max_wait_s
    follows = np.flatnonzero(allowed)
    follows = follows[follows != i]
    idle_s = start[follows] - end[i] - travel[follows]
    cost = matrix.cost[end_place[i], start_place[follows]] + blocking_input.costs.idle_cost(idle_s)
    return np.column_stack([np.full_like(follows, i), follows, cost])


def _missing_deadheads(blocking_input: BlockingInput, matrix: DeadheadMatrix) -> list[InputProblem]:
    """A vehicle may need to move from where a trip ends (or a depot) to where a
    trip starts (or a depot): every such pair must have a deadhead."""
    depots = {d.place for d in blocking_input.depots if d.place is not None}
    origins = {t.end_place for t in blocking_input.trips} | depots
    targets = {t.start_place for t in blocking_input.trips} | depots
    index = matrix.index()
    missing = sorted(f"{a} -> {b}" for a in origins for b in targets
                     if matrix.time_s[index[a], index[b]] == MISSING and not (a in depots and b in depots))
    if not missing:
        return []
    return [InputProblem(Code.DEADHEAD_MISSING,
                         f"the deadhead matrix has no time and cost for {len(missing)} move(s) a vehicle "
                         f"may need: {listing(missing)}; give every move from where a trip ends or a "
                         "depot to where a trip starts or a depot")]


def _clock(seconds: int) -> str:
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
