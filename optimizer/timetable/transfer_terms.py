"""The transfer waits in one direction's hub model (``transfer_timing``), as
linear terms over the choice of each of its departures' shift.

Departure ``i`` of the free direction takes one shift ``a`` (literal
``picks[i][a]``; a departure that cannot move has ``None``, its only value).
A transfer row's wait is then exact, with no big-M rows:

- riders **arriving** on the free direction (the departing one held): the wait
  is a table of the arriving trip's shift, so one coefficient per literal, all
  rows of one trip summed;
- riders **leaving** on the free direction, ready at a held instant ``R``: the
  wait is the first departure at or after ``R``, less ``R``, capped. Over the
  waits ``d_0 < d_1 < ...`` the picks could give, ``wait = d_0 + sum_k (d_(k+1) -
  d_k) e_k``, where ``e_k`` means no departure leaves in ``[R, R + d_k]``:
  ``e_k >= 1 - (the picks leaving then)``, at equality at the optimum. Its LP
  relaxation is a covering one, and departures need no order.

Units: seconds; coefficients in tenths of passenger-seconds (``transfer_timing``).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Mapping, Sequence

from ortools.sat.python import cp_model

from optimizer.timetable.hubs import LineDirection
from optimizer.timetable.model import DirectionInput
from optimizer.timetable.settings import Weights
from optimizer.timetable.transfer_waits import TransferRow, at_stop

Picks = Sequence[Mapping[int, cp_model.IntVar | None]]  # per departure: shift -> its literal (None: fixed)
Offsets = Mapping[tuple[LineDirection, int, bool], tuple[int, ...]]  # (direction, stop, arriving) -> per trip
Hint = tuple[cp_model.IntVar, int]


def stop_offsets(directions: Mapping[LineDirection, DirectionInput],
                 timed: Mapping[LineDirection, Sequence[int]], rows: Sequence[TransferRow]) -> dict:
    """When each trip reaches (or leaves) the hub stops of ``rows``, after its
    engine departure: the model keeps each trip's running time (computed once
    for every model of the descent)."""
    wanted = ({(r.arriving, r.arrive_index, True) for r in rows}
              | {(r.departing, r.depart_index, False) for r in rows})
    return {(k, index, arriving): tuple(at_stop(directions[k], t, index, arriving=arriving) - t for t in timed[k])
            for k, index, arriving in wanted}


def wait_terms(model: cp_model.CpModel, free: LineDirection, picks: Picks, rows: Sequence[TransferRow],
               offsets: Offsets, timed: Mapping[LineDirection, Sequence[int]],
               current: Mapping[LineDirection, Sequence[int]], grid_s: int, max_wait_s: int,
               weights: Weights) -> tuple[list[cp_model.LinearExprT], list[Hint]]:
    """The riders' capped waits of the rows touching ``free`` (the others held at
    ``current``), and hints for the variables added."""
    def now(k: LineDirection, i: int, index: int, arriving: bool) -> int:
        return timed[k][i] + grid_s * current[k][i] + offsets[(k, index, arriving)][i]

    by_pick: dict[tuple[int, int], int] = defaultdict(int)  # (trip, shift) -> coefficient
    by_ready: dict[tuple[int, int], int] = defaultdict(int)  # (stop, ready instant) -> weight
    held: dict[tuple[LineDirection, int], list[int]] = {}
    for row in rows:
        weight = round(10 * row.riders * weights.wait_per_passenger_min)
        if weight == 0:
            continue
        if row.arriving == free:
            key = (row.departing, row.depart_index)
            if key not in held:
                held[key] = sorted(now(row.departing, j, row.depart_index, False)
                                   for j in range(len(timed[row.departing])))
            leaves = held[key]
            base = timed[free][row.trip] + offsets[(free, row.arrive_index, True)][row.trip] + row.walk_s
            for a in picks[row.trip]:
                ready = base + grid_s * a
                k = bisect.bisect_left(leaves, ready)
                by_pick[(row.trip, a)] += weight * (max_wait_s if k == len(leaves)
                                                    else min(leaves[k] - ready, max_wait_s))
        elif row.departing == free:
            by_ready[(row.depart_index, now(row.arriving, row.trip, row.arrive_index, True) + row.walk_s)] += weight
    terms: list[cp_model.LinearExprT] = [c * lit for (i, a), c in by_pick.items() if (lit := picks[i][a]) is not None]
    hints: list[Hint] = []
    for (index, ready), weight in sorted(by_ready.items()):
        leaving = [timed[free][i] + offsets[(free, index, False)][i] for i in range(len(timed[free]))]
        term = _first_departure(model, picks, leaving, [grid_s * a for a in current[free]], ready, grid_s,
                                max_wait_s, hints)
        if term is not None:
            terms.append(weight * term)
    return terms, hints


def _first_departure(model: cp_model.CpModel, picks: Picks, leaving: Sequence[int], now: Sequence[int],
                     ready: int, step: int, cap: int, hints: list[Hint]) -> cp_model.LinearExprT | None:
    """The wait from ``ready`` to the first departure (``leaving[i]`` moved by its
    pick), capped at ``cap``, less the least it can be (a constant); None when
    the picks cannot change it."""
    at: dict[int, list[cp_model.IntVar]] = defaultdict(list)  # wait -> the picks giving it
    end = cap
    for i, t in enumerate(leaving):
        for a, lit in picks[i].items():
            wait = t + step * a - ready
            if 0 <= wait < cap:
                if lit is None:
                    end = min(end, wait)  # a fixed departure: no wait beyond it
                else:
                    at[wait].append(lit)
    waits = sorted(w for w in at if w < end)
    if not waits:
        return None
    first_now = min([t + s - ready for t, s in zip(leaving, now) if t + s >= ready] + [end])
    none_yet: list[cp_model.IntVar] = []
    seen: list[cp_model.IntVar] = []
    for k, wait in enumerate(waits):
        seen += at[wait]
        e = model.new_bool_var(f"none_within[{ready},{wait}]")
        model.add(e + sum(seen) >= 1)
        none_yet.append(e)
        hints.append((e, int(first_now > wait)))
    steps = [b - a for a, b in zip(waits, waits[1:] + [end])]
    return sum(d * e for d, e in zip(steps, none_yet))
