"""Riders a full bus left at a stop, estimated from the taps of the bus after it.

Taps count the riders who got on. A bus that leaves a stop full (its load over
the next segment at capacity) may have left riders there; they board the next
bus of the pattern, so that bus takes more at the stop than the stop's usual
rate over its headway. That excess is the estimate of the queue the full bus
left. The usual rate of a stop is what it boards per second of headway on the
buses neither full there nor after a full one (the day's, not the bin's: a
busy bin may have no such bus; with none at all, the rate is 0).

It is a lower bound, and a tight one only while queues stay under one bus:
the next bus takes at most its spare room, so a queue longer than that (a
demand several times capacity) shows as a chain of full buses each taking
what it can. Riders who gave up waiting are in no tap at all.

A bin's demand at a stop is what its buses boarded there, plus the queue left
at its end, minus the queue found at its start (those riders came earlier).
Units: riders, seconds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def left_behind(departures: np.ndarray, boardings: np.ndarray, loads: np.ndarray, full_load: float) -> np.ndarray:
    """``left[i][k]``: riders trip ``i`` left at stop ``k``, for the trips of
    one pattern on one day. ``departures`` and ``boardings`` are trips x stops
    (trips in any order: each stop is ordered by its own departures), ``loads``
    trips x segments."""
    trips, stops = boardings.shape
    left = np.zeros((trips, stops))
    for k in range(stops - 1):
        order = np.argsort(departures[:, k], kind="stable")
        full = loads[order, k] >= full_load
        headway = np.diff(departures[order, k])
        taken = boardings[order[1:], k]
        usual = ~full[:-1] & ~full[1:] & (headway > 0)
        rate = taken[usual].sum() / headway[usual].sum() if usual.any() else 0.0
        excess = np.where(full[:-1], np.maximum(taken - rate * headway, 0.0), 0.0)
        left[order[:-1], k] = excess
    return left


def queue_shift(bin_of_trip: Sequence[int], left: np.ndarray, bins: int) -> np.ndarray:
    """Per bin, riders to add to what its buses boarded: the queue its last
    trip left, less the queue the bin found (left by the trip before its
    first). ``bin_of_trip[i]``: the bin trip ``i`` leaves its first stop in
    (trips of one pattern and day, in departure order)."""
    shifted = np.zeros(bins)
    for i, b in enumerate(bin_of_trip):
        if i + 1 == len(bin_of_trip) or bin_of_trip[i + 1] != b:
            queue = left[i].sum()
            shifted[b] += queue
            if i + 1 < len(bin_of_trip):
                shifted[bin_of_trip[i + 1]] -= queue
    return shifted


def demand_factors(boarded: np.ndarray, shifted: np.ndarray) -> np.ndarray:
    """Per bin, demand over what boarded, never under 1 (a draining queue is
    not taken as less demand) and 1 where nobody boarded."""
    with np.errstate(divide="ignore", invalid="ignore"):
        factors = np.where(boarded > 0, (boarded + shifted) / boarded, 1.0)
    return np.maximum(factors, 1.0)
