"""Observed passages of a run at its stops: the closest approach of its track.

The track is the run's fixes joined by straight lines (fixes come every 20-60
s). For each stop, in the pattern's order, the point of the track nearest the
stop is found on the pieces after the previous stop's; its time is
interpolated along the piece: the arrival. A bus standing at a stop is seen
in several fixes about as near: the departure is the nearest point of the
piece leaving the last of them (the arrival when it did not stand). A stop the
track never came within ``reach_m`` of is not passed as far as the fixes can
tell (counted, not invented).

The run's track is lengthened by the same vehicle's last fix before the run
and first fix after it (when close in time): runs begin just after the bus
left its first stop (the feed opens the run when it moves off), so without
the fix before, the first stop's departure would rarely be seen.
Pure: arrays in, passages out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from transit.model.geometry import EARTH_RADIUS_M


@dataclass(frozen=True, slots=True)
class TruthParams:
    reach_m: float = 60.0  # farther from the track than this, a stop is not passed
    # Pieces of the track within this of the nearest one are the same approach:
    # the earliest is taken, so a street used twice keeps the first passage.
    tie_m: float = 25.0
    # Between fixes further apart (a data gap) a straight line says little.
    max_gap_s: float = 300.0
    # A standing bus's fixes wander by GPS noise: pieces this much farther from
    # the stop than the nearest still belong to the same stand.
    stand_m: float = 15.0


@dataclass(frozen=True, slots=True)
class Track:
    times: tuple[float, ...]  # strictly increasing
    lats: tuple[float, ...]
    lons: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class StopPassage:
    index: int  # the stop's index in the pattern
    arrival: float
    departure: float  # equals arrival when the bus did not stand
    distance_m: float  # of the closest approach


@dataclass(frozen=True, slots=True)
class RunPassages:
    passages: tuple[StopPassage, ...]  # in stop order, times non-decreasing
    missed: int  # stops the track never came within reach of


def join_track(before: Track | None, run: Track, after: Track | None,
               params: TruthParams = TruthParams()) -> Track:
    """``run`` with the last fix of ``before`` and the first of ``after``
    added when within ``params.max_gap_s`` of it."""
    times, lats, lons = list(run.times), list(run.lats), list(run.lons)
    if before is not None and before.times and 0 < times[0] - before.times[-1] <= params.max_gap_s:
        times.insert(0, before.times[-1])
        lats.insert(0, before.lats[-1])
        lons.insert(0, before.lons[-1])
    if after is not None and after.times and 0 < after.times[0] - times[-1] <= params.max_gap_s:
        times.append(after.times[0])
        lats.append(after.lats[0])
        lons.append(after.lons[0])
    return Track(tuple(times), tuple(lats), tuple(lons))


def closest_passages(track: Track, stops: Sequence[tuple[float, float]],
                     params: TruthParams = TruthParams()) -> RunPassages:
    """The passage of ``track`` at each of ``stops`` ((lat, lon), in visiting order)."""
    t = np.asarray(track.times, float)
    if len(t) < 2:
        return RunPassages((), len(stops))
    usable = np.diff(t) <= params.max_gap_s
    passages: list[StopPassage] = []
    start, not_before, missed = 0, -math.inf, 0
    for index, (lat, lon) in enumerate(stops):
        share, offset, fix_offset = _pieces(lat, lon, track)
        offset = np.where(usable, offset, np.inf)
        offset[:start] = np.inf
        best = float(offset.min())
        if best > params.reach_m:
            missed += 1
            continue
        first = int(np.flatnonzero(offset <= min(best + params.tie_m, params.reach_m))[0])
        while first + 1 < len(offset) and offset[first + 1] < offset[first]:
            first += 1  # follow the street to the piece actually nearest
        # Still at the stop while the fixes after the approach stay about as near.
        last = first
        while (last + 1 < len(offset) and usable[last + 1]
               and fix_offset[last + 1] <= offset[first] + params.stand_m):
            last += 1
        arrival = max(not_before, _time_on(t, first, share[first]))
        departure = max(arrival, _time_on(t, last, share[last]))
        passages.append(StopPassage(index, arrival, departure, float(offset[first])))
        start, not_before = last, departure
    return RunPassages(tuple(passages), missed)


def _pieces(lat: float, lon: float, track: Track) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each piece between consecutive fixes: where along it (0-1) the point
    nearest the stop lies, and how far that point is (m); and each fix's distance (m)."""
    k = math.radians(1) * EARTH_RADIUS_M
    x = (np.asarray(track.lons, float) - lon) * k * math.cos(math.radians(lat))
    y = (np.asarray(track.lats, float) - lat) * k
    ax, ay, dx, dy = x[:-1], y[:-1], np.diff(x), np.diff(y)
    length2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(length2 > 0, -(ax * dx + ay * dy) / length2, 0.0)
    share = np.clip(share, 0.0, 1.0)
    return share, np.hypot(ax + share * dx, ay + share * dy), np.hypot(x, y)


def _time_on(t: np.ndarray, piece: int, share: float) -> float:
    return float(t[piece] + share * (t[piece + 1] - t[piece]))
