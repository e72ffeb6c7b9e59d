"""Running times of a changed or new line, bin by bin.

A leg between two stops the line served in that order keeps what the bus took
between them (less the dwells at the stops dropped between). A new leg runs at
the moving speed of the line's own segments within ``NEIGHBOURS`` of where the
change is, in the same bin (a line extended into the centre slows down as its
last kilometres did); a new stop dwells as the median of those segments' stops.
A new line runs at the median speed of the day's lines in each bin, trip time
over route length (dwells included).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from optimizer.timetable.bins import TimeBins
from optimizer.timetable.errors import InputError
from optimizer.timetable.model import DirectionInput, RunningTimes

NEIGHBOURS = 3  # segments either side of a change whose speed a new leg takes


def kept_positions(old: Sequence[str], new: Sequence[str]) -> list[int | None]:
    """For each stop of ``new``, its index in ``old`` (matched in order), None for a new stop."""
    positions: list[int | None] = []
    after = 0
    for stop in new:
        if stop in old[after:]:
            i = old.index(stop, after)
            positions.append(i)
            after = i + 1
        else:
            positions.append(None)
    return positions


def reshaped_running(running: RunningTimes, old_km: Sequence[float], positions: Sequence[int | None],
                     new_km: Sequence[float], where: str) -> RunningTimes:
    """``running`` (of the old stops) on the new stops: ``positions`` from ``kept_positions``."""
    km_old = np.asarray(old_km, dtype=float)
    arrivals, departures = [], []
    for arr_row, dep_row in zip(running.arrivals, running.departures):
        arr, dep = np.asarray(arr_row, dtype=float), np.asarray(dep_row, dtype=float)
        dwell = dep - arr
        moving = arr[1:] - dep[:-1]
        new_arr, new_dep = [0.0], [0.0]
        for k, km in enumerate(new_km):
            p, q = positions[k], positions[k + 1]
            if p is not None and q is not None and q > p:
                run = arr[q] - dep[p] - dwell[p + 1:q].sum()
            else:
                window = _window(_anchor(positions, k), len(km_old))
                run = km / _speed(km_old, moving, window, where)
            new_arr.append(new_dep[-1] + max(run, 0.0))
            last = k + 1 == len(new_km)
            new_dep.append(new_arr[-1] + (0.0 if last else _dwell(dwell, positions[k + 1], _anchor(positions, k))))
        arrivals.append(new_arr)
        departures.append(new_dep)
    return _rounded(running.start_s, running.bin_s, arrivals, departures)


def speed_running(bins: TimeBins, km: Sequence[float], speeds_kmh: Sequence[float]) -> RunningTimes:
    """A new line's running times: each bin at its speed, dwells inside it."""
    at = np.concatenate(([0.0], np.cumsum(km)))
    rows = [(at * 3600.0 / speed).tolist() for speed in speeds_kmh]
    return _rounded(bins.start_s, bins.bin_s, rows, rows)


def day_speeds_kmh(inputs: Sequence[DirectionInput], bins: TimeBins) -> list[float]:
    """Per bin, the median over ``inputs`` of route length over trip time (km/h)."""
    if not inputs:
        raise InputError("no line runs that day to take a new line's speed from: give speed_kmh", "speed_kmh")
    speeds = []
    for b in range(bins.count):
        t = bins.start_s + b * bins.bin_s
        found = [d.profile.route_km * 3600.0 / trip for d in inputs
                 if (trip := d.running.trip_time_s(t)) > 0]
        speeds.append(float(np.median(found)) if found else 20.0)
    return speeds


def _anchor(positions: Sequence[int | None], k: int) -> int:
    """The old index of the kept stop nearest to leg ``k`` (its two stops first)."""
    for step in range(len(positions)):
        for i in (k - step, k + 1 + step):
            if 0 <= i < len(positions) and positions[i] is not None:
                return positions[i]  # type: ignore[return-value]
    raise InputError("the change keeps none of the line's stops: give it as a new line", "stops")


def _window(anchor: int, segments: int) -> slice:
    return slice(max(0, anchor - NEIGHBOURS), min(segments, anchor + NEIGHBOURS))


def _speed(km: np.ndarray, moving: np.ndarray, window: slice, where: str) -> float:
    """km per second over the window's segments, else over the whole line."""
    for part in (window, slice(None)):
        seconds = float(moving[part].sum())
        if seconds > 0:
            return float(km[part].sum()) / seconds
    raise InputError(f"{where}: its running times are all zero: no speed to run a new leg at", "running")


def _dwell(dwell: np.ndarray, position: int | None, anchor: int) -> float:
    """A kept interior stop's own dwell; else the median over the stops around the change."""
    if position is not None and 0 < position < len(dwell) - 1:
        return float(dwell[position])
    near = dwell[max(1, anchor - NEIGHBOURS):min(len(dwell) - 1, anchor + NEIGHBOURS + 1)]
    return float(np.median(near)) if near.size else 0.0


def _rounded(start_s: int, bin_s: int, arrivals: Sequence[Sequence[float]],
             departures: Sequence[Sequence[float]]) -> RunningTimes:
    return RunningTimes(start_s, bin_s, tuple(tuple(int(round(x)) for x in row) for row in arrivals),
                        tuple(tuple(int(round(x)) for x in row) for row in departures))
