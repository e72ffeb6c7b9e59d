"""Riders left behind by full buses, from the taps of the next bus (issue 13, censored demand)."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.timetable.left_behind import demand_factors, left_behind, queue_shift


def trips(boarded_at_a: list[float], full_at_a: list[bool], headway_s: int = 600):
    """Trips of a two-stop pattern (A -> B) every ``headway_s``: boardings at A,
    and the load leaving A (80, full, where marked)."""
    n = len(boarded_at_a)
    departures = np.array([[i * headway_s, i * headway_s + 300] for i in range(n)], dtype=float)
    boardings = np.array([[b, 0.0] for b in boarded_at_a])
    loads = np.array([[80.0 if full else b] for b, full in zip(boarded_at_a, full_at_a)])
    return departures, boardings, loads


def test_the_excess_of_the_bus_after_a_full_one_is_what_it_left():
    # usual: 20 a headway (buses neither full nor after a full one); the bus after the full one took 50
    departures, boardings, loads = trips([20, 20, 80, 50, 20], [False, False, True, False, False])
    left = left_behind(departures, boardings, loads, full_load=76)
    assert left[:, 0].tolist() == pytest.approx([0, 0, 30, 0, 0])
    assert not left[:, 1].any()  # nobody boards at the last stop


def test_trips_in_any_order_and_a_taker_under_the_usual_rate_leaves_nothing():
    departures, boardings, loads = trips([20, 80, 10, 20], [False, True, False, False])
    order = [3, 1, 0, 2]
    left = left_behind(departures[order], boardings[order], loads[order], full_load=76)
    assert not left.any()


def test_a_chain_of_full_buses_each_left_what_the_next_took_over_the_rate():
    departures, boardings, loads = trips([20, 80, 80, 80, 20], [False, True, True, True, False])
    left = left_behind(departures, boardings, loads, full_load=76)
    # no bus both not full and after a non-full one: no usual rate, every excess counts
    assert left[:, 0].tolist() == pytest.approx([0, 80, 80, 20, 0])


def test_no_usual_bus_no_rate_every_next_boarding_counts():
    departures, boardings, loads = trips([80, 80, 80], [True, True, True])
    left = left_behind(departures, boardings, loads, full_load=76)
    assert left[:, 0].tolist() == pytest.approx([80, 80, 0])


def test_a_bin_gains_the_queue_left_at_its_end_and_loses_the_one_it_found():
    left = np.array([[0.0], [30.0], [0.0], [10.0]])  # trip 1 (last of bin 0) left 30, the day's last 10
    shifted = queue_shift([0, 0, 1, 1], left, bins=3)
    assert shifted.tolist() == pytest.approx([30, -30 + 10, 0])


def test_demand_factors_never_lower_demand_and_leave_empty_bins_alone():
    factors = demand_factors(np.array([120.0, 80.0, 0.0]), np.array([30.0, -30.0, 5.0]))
    assert factors.tolist() == pytest.approx([150 / 120, 1.0, 1.0])
