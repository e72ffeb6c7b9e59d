"""The hub model's transfer waits (``transfer_terms``) against the waits measured
on the timetable (``transfer_waits.hub_waits``): with every departure's shift
fixed, the model's wait terms add up to the measured passenger-seconds, up to a
constant per row (the least wait the row can have), for riders arriving on the
free direction and for riders leaving on it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from optimizer.timetable.settings import Weights
from optimizer.timetable.transfer_terms import stop_offsets, wait_terms
from optimizer.timetable.transfer_waits import TransferRow, hub_waits
from tests.optimizer.test_transfer_timing import A, B, hub_lines

GRID, CAP, WINDOW = 60, 600, 3
A_TIMES = tuple(6 * 3600 + 900 * k for k in range(5))  # A leaves every 15 min, reaches H 10 min later
B_TIMES = tuple(6 * 3600 + 600 * k for k in range(8))  # B leaves H every 10 min


def measured(rows: list[TransferRow], shifts: dict) -> float:
    """Passenger-seconds of transfer waiting with A and B moved by ``shifts`` grid steps."""
    moved = {k: tuple(t + GRID * a for t, a in zip(times, shifts[k])) for k, times in ((A, A_TIMES), (B, B_TIMES))}
    (hub,) = hub_waits(["H"], rows, hub_lines(), moved, CAP)
    return hub.riders * hub.mean_wait_s


def modelled(rows: list[TransferRow], free: tuple, shifts: dict) -> float:
    """The model's wait terms with the free direction's shifts fixed at ``shifts[free]``."""
    timed = {A: A_TIMES, B: B_TIMES}
    model = cp_model.CpModel()
    picks = []
    for i, a in enumerate(shifts[free]):
        pick = {v: model.new_bool_var(f"pick[{i},{v}]") for v in range(-WINDOW, WINDOW + 1)}
        model.add_exactly_one(pick.values())
        model.add(pick[a] == 1)
        picks.append(pick)
    terms, _ = wait_terms(model, free, picks, rows, stop_offsets(hub_lines(), timed, rows), timed, shifts, GRID,
                          CAP, Weights())
    model.minimize(sum(terms))
    solver = cp_model.CpSolver()
    assert solver.solve(model) == cp_model.OPTIMAL
    return solver.objective_value / 10  # tenths of passenger-seconds


shift_lists = st.tuples(st.lists(st.integers(-WINDOW, WINDOW), min_size=5, max_size=5),
                        st.lists(st.integers(-WINDOW, WINDOW), min_size=8, max_size=8))
# Walks on a half-minute grid: riders often ready just as a departure leaves (a wait of 0).
row_sets = st.lists(st.tuples(st.integers(0, 4), st.sampled_from(range(60, 420, 30)), st.integers(1, 9)), min_size=1,
                    max_size=4)


@settings(max_examples=40, deadline=None)
@given(shift_lists, shift_lists, row_sets)
def test_model_waits_change_as_the_measured_waits(first: tuple, second: tuple, made: list) -> None:
    rows = [TransferRow("H", A, trip, 1, B, 0, walk, float(riders)) for trip, walk, riders in made]
    base = {A: first[0], B: first[1]}
    for free, shifts in ((A, second[0]), (B, second[1])):
        moved = {**base, free: shifts}  # the held direction keeps its shifts
        assert modelled(rows, free, moved) - modelled(rows, free, base) == pytest.approx(
            measured(rows, moved) - measured(rows, base))
