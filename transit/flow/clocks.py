"""Each POS reader's clock offset, from how its taps cluster around stop dwells.

Riders tap while the bus stands at a stop, so a reader whose clock is right
puts nearly all its taps inside its bus's dwell windows; one that runs ``d``
seconds ahead puts them there only once ``d`` is taken off. The count of taps
inside windows, for every shift up to ``clock_max_offset_s`` either way at one
second steps, is the cross-correlation of the taps' histogram with the windows'
indicator, computed with one FFT per reader. The estimate is the middle of the
run of shifts that come within a small tolerance of the best count, and zero
unless that beats the reader's own clock by more than the tolerance: a reader
that is right (or too few seconds off to tell) is left alone.

Interpolated dwells (stops the tracker missed) do not count: they have no
window. A first stop's long window (riders board during the layover) holds its
taps at most shifts, so it widens the ground but not the peak, which the short
and uneven dwells of the other stops make sharp: a wrong shift puts only a
minority of their taps inside them. A reader with fewer than ``clock_min_taps``
taps is not estimated.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from transit.flow.dwells import Dwell, Timeline
from transit.flow.params import FlowParams


@dataclass(frozen=True, slots=True)
class ReaderClock:
    """How far one vehicle's reader runs ahead of the true time (negative:
    behind); its taps' true times are their stamps less ``offset_s``."""

    vehicle_id: str
    offset_s: float
    taps: int
    inside_before: float  # share of its taps inside a dwell window, as stamped
    inside_after: float  # the same once corrected
    estimated: bool  # False: too few taps or dwells to tell; 0 is assumed


def estimate_clock(vehicle_id: str, tap_times: Sequence[float], timeline: Timeline,
                   params: FlowParams = FlowParams()) -> ReaderClock:
    """The offset of ``vehicle_id``'s reader from its taps' stamped times."""
    taps = np.asarray(tap_times, float)
    observed = [d for d in timeline.dwells if d.observed]
    if len(taps) < params.clock_min_taps or not observed:
        inside = _inside_share(taps, observed, 0.0, params.clock_slack_s)
        return ReaderClock(vehicle_id, 0.0, len(taps), inside, inside, False)
    reach = int(math.ceil(params.clock_max_offset_s))
    origin = math.floor(min(d.start for d in observed) - params.clock_slack_s) - reach
    span = math.ceil(max(d.end for d in observed) + params.clock_slack_s) - origin + reach + 1
    size = 1 << int(math.ceil(math.log2(span + reach + 1)))  # no wrap-around of shifts
    windows = np.zeros(size)
    for dwell in observed:
        first = math.floor(dwell.start - params.clock_slack_s) - origin
        windows[first:math.floor(dwell.end + params.clock_slack_s) - origin + 1] = 1.0
    seconds = np.floor(taps - origin).astype(np.int64)
    seconds = seconds[(seconds >= 0) & (seconds < span)]
    histogram = np.bincount(seconds, minlength=size)[:size].astype(float)
    # counts[k] = taps inside windows once every tap is moved back by k seconds.
    counts = np.rint(np.fft.irfft(np.fft.rfft(histogram) * np.conj(np.fft.rfft(windows)), size))
    shifts = np.arange(-reach, reach + 1)
    inside = counts[shifts % size]
    offset = _best_shift(inside, shifts, len(taps), params)
    before = _inside_share(taps, observed, 0.0, params.clock_slack_s)
    after = _inside_share(taps, observed, offset, params.clock_slack_s)
    return ReaderClock(vehicle_id, offset, len(taps), before, after, True)


def _best_shift(inside: np.ndarray, shifts: np.ndarray, taps: int, params: FlowParams) -> float:
    """The middle of the run of shifts around the best within the tolerance;
    zero when the unshifted clock is itself within it."""
    tolerance = max(1.0, params.clock_tolerance_share * taps)
    best = int(np.argmax(inside))
    good = inside >= inside[best] - tolerance
    if good[shifts == 0][0]:
        return 0.0
    low = high = best
    while low > 0 and good[low - 1]:
        low -= 1
    while high < len(good) - 1 and good[high + 1]:
        high += 1
    return float(shifts[low] + shifts[high]) / 2


def _inside_share(taps: np.ndarray, dwells: Sequence[Dwell], offset: float, slack: float) -> float:
    """Share of ``taps`` that fall inside a dwell window once ``offset`` is taken off."""
    if not len(taps):
        return 0.0
    starts = np.array([d.start - slack for d in dwells])
    ends = np.array([d.end + slack for d in dwells])
    order = np.argsort(starts)
    starts, ends = starts[order], ends[order]
    true = taps - offset
    at = np.searchsorted(starts, true, side="right") - 1
    hit = (at >= 0) & (true <= ends[np.clip(at, 0, None)])
    return float(hit.mean())
