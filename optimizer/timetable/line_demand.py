"""Riders of a changed or new line, bin by bin.

A changed line's riders keep their trips between the stops it still serves. A
stop it no longer serves sends its riders to the nearest stop of the new line
within the walk (``walk_to``); a ride whose two ends then fall on one stop, or
in the wrong order, or with no stop within the walk, is lost. Each bin's
origin-destination matrix is rebuilt as a scenario rebuilds it
(``scenarios.origin_destination``), its cells moved, and the loads summed again.

A new stop takes riders two ways: as many board there as alight there (riders
come back the way they went), those boarding ride the line's mean ride onwards
and those alighting came that far (``profiles.ride_shares``). How many: a
figure a day shared over the bins as the line's own boardings are, or an equal
share of the taps at that stop on the lines serving it today: ``taps / (lines
serving it + 1)``. Those riders are not taken off the other lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from optimizer.timetable.bins import TimeBins
from optimizer.timetable.model import DirectionInput, LoadProfile
from optimizer.timetable.profiles import ride_shares, table_rows
from optimizer.timetable.scenarios import origin_destination

# A ride length where nobody rode that day (a new line on a day without flow), km.
DEFAULT_RIDE_KM = 3.0


@dataclass(frozen=True, slots=True)
class StopTaps:
    """Boardings at each stop by clock bin, over the lines serving it that day."""

    boardings: Mapping[str, Mapping[int, float]]  # stop -> bin start (s) -> boardings
    directions: Mapping[str, int]  # stop -> line directions serving it
    bin_s: int

    def share(self, stop: str, bins: TimeBins) -> np.ndarray:
        """Per bin of ``bins``, the riders one more line direction would take at ``stop``."""
        taps = self.boardings.get(stop, {})
        row = np.array([taps.get((bins.start_s + b * bins.bin_s) // self.bin_s * self.bin_s, 0.0)
                        for b in range(bins.count)])
        return row / (self.directions.get(stop, 0) + 1)


def stop_taps(inputs: Sequence[DirectionInput], bin_s: int) -> StopTaps:
    boardings: dict[str, dict[int, float]] = {}
    directions: dict[str, int] = {}
    for d in inputs:
        p = d.profile
        for stop in set(p.stop_ids):
            directions[stop] = directions.get(stop, 0) + 1
        for b, row in enumerate(p.boardings):
            start = (p.start_s + b * p.bin_s) // bin_s * bin_s
            for stop, count in zip(p.stop_ids, row):
                at = boardings.setdefault(stop, {})
                at[start] = at.get(start, 0.0) + count
    return StopTaps(boardings, directions, bin_s)


def day_shape(profiles: Sequence[LoadProfile], bins: TimeBins) -> np.ndarray:
    """Share of the day's boardings of ``profiles`` in each bin of ``bins`` (even without any)."""
    totals = np.zeros(bins.count)
    for p in profiles:
        for b, row in enumerate(p.boardings):
            i = bins.index(p.start_s + b * p.bin_s)
            if i is not None:
                totals[i] += sum(row)
    return totals / totals.sum() if totals.sum() > 0 else np.full(bins.count, 1.0 / bins.count)


def mean_ride_km(profiles: Sequence[LoadProfile]) -> float | None:
    """Passenger-km over boardings; None when nobody rode."""
    km = sum(float(np.asarray(p.loads).reshape(p.bins, -1).sum(axis=0) @ np.asarray(p.segment_km))
             for p in profiles if p.bins)
    riders = sum(float(np.sum(p.boardings)) for p in profiles)
    return km / riders if riders > 0 else None


@dataclass(frozen=True, slots=True)
class DemandChange:
    profile: LoadProfile
    riders_before: float  # boardings a day
    riders_after: float
    moved: float  # riders of stops no longer served who walk to a stop of the line
    lost: float  # riders of stops no longer served with none within the walk (or whose ride vanishes)
    gained: float  # riders boarding or alighting at the new stops


def reshaped_demand(profile: LoadProfile, pattern_id: str, stop_ids: Sequence[str], segment_km: Sequence[float],
                    walk_to: Sequence[int | None], new_boardings: np.ndarray, ride_km: float) -> DemandChange:
    """``profile`` (of the old stops) on ``stop_ids``: ``walk_to[i]`` is where old stop
    ``i``'s riders get on and off now (its own index when kept), ``new_boardings[b][k]``
    the riders boarding at new stop ``k`` in bin ``b`` (zero at stops kept)."""
    n = len(stop_ids)
    shares = ride_shares(segment_km, ride_km)
    back = ride_shares(segment_km[::-1], ride_km)[::-1, ::-1]  # back[k][i]: from i, alighting at k
    kept = np.array([w if w is not None else -1 for w in walk_to])
    moved_stop = np.array([w is None or stop_ids[w] != s for w, s in zip(walk_to, profile.stop_ids)])
    loads, boardings = [], []
    moved = lost = gained = 0.0
    for b in range(profile.bins):
        od = origin_destination(np.asarray(profile.boardings[b], dtype=float), np.asarray(profile.loads[b], dtype=float))
        to_o, to_d = kept[:, None], kept[None, :]
        rides = (to_o >= 0) & (to_d >= 0) & (to_o < to_d)
        touched = moved_stop[:, None] | moved_stop[None, :]
        lost += float(od[~rides].sum())
        moved += float(od[rides & touched].sum())
        new = np.zeros((n, n))
        np.add.at(new, (np.broadcast_to(to_o, od.shape)[rides], np.broadcast_to(to_d, od.shape)[rides]), od[rides])
        fresh = new_boardings[b]
        new += fresh[:, None] * shares + (fresh[:, None] * back).T
        gained += float((fresh[:, None] * shares).sum() + (fresh[:, None] * back).sum())
        on = new.sum(axis=1)
        boardings.append(on)
        loads.append(np.cumsum(on - new.sum(axis=0))[:-1])
    reshaped = LoadProfile(pattern_id, tuple(stop_ids), tuple(segment_km), profile.start_s, profile.bin_s,
                           table_rows(np.maximum(np.array(loads).reshape(profile.bins, n - 1), 0.0)),
                           table_rows(np.array(boardings).reshape(profile.bins, n)))
    return DemandChange(reshaped, float(np.sum(profile.boardings)), float(np.sum(boardings)), moved, lost, gained)
