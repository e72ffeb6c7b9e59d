"""Load profiles of one pattern by time bin: observed from a day's passenger
flow, or given for a new line.

``loads[b][i]`` sums the riders across segment ``i`` over the trips leaving the
first stop in bin ``b``, per service day; ``boardings`` likewise by stop. A
bin no trip of the flow left in stays at zero: the caller says so.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from optimizer.timetable.bins import TimeBins, clock
from optimizer.timetable.errors import InputError
from optimizer.timetable.left_behind import demand_factors, left_behind, queue_shift
from optimizer.timetable.model import LoadProfile
from transit.flow.loads import TripFlow
from transit.model.network import Pattern
from transit.model.service_days import to_unix


def segment_km(pattern: Pattern) -> tuple[float, ...]:
    """Length of each segment of ``pattern`` along its shape, in km."""
    dists = pattern.stop_dists
    return tuple((dists[i + 1] - dists[i]) / 1000.0 for i in range(len(dists) - 1))


@dataclass(frozen=True, slots=True)
class ObservedProfile:
    profile: LoadProfile
    trips: int  # trips of the flow counted in the profile
    outside: int  # trips of the flow leaving the first stop outside the bins: left out
    censored: tuple[int, ...] = ()  # bins whose trips mostly ran full: demand scaled up
    queued: float = 0.0  # riders added from the queues full buses left (``Censoring.left_behind``)


def observed_profile(pattern: Pattern, flows: Iterable[TripFlow], bins: TimeBins,
                     timezone: str, days: int = 1, censoring: Censoring | None = None) -> ObservedProfile:
    """The profile of ``pattern`` from its trips' flows (every flow must be a
    trip of the pattern), averaged over ``days`` service days.

    Taps count the riders who got on: where buses ran full, those left at the
    stop are not in them, so a bin whose trips mostly filled up is a lower bound
    on its demand. With ``censoring``, such bins are scaled up by its factor;
    with its ``left_behind`` too, every bin first by the queue the next buses'
    taps show (``left_behind``), a censored bin by the larger of the two."""
    stops = len(pattern.stop_ids)
    loads = np.zeros((bins.count, stops - 1))
    boardings = np.zeros((bins.count, stops))
    trips, full = np.zeros(bins.count), np.zeros(bins.count)
    origins: dict[date, float] = {}
    binned: dict[date, list[tuple[int, TripFlow]]] = {}
    counted = outside = 0
    for flow in flows:
        if len(flow.boardings) != stops:
            raise InputError(f"trip {flow.key[1]} has {len(flow.boardings)} stops, pattern "
                             f"{pattern.pattern_id} has {stops}: not a trip of the pattern")
        service_date = flow.key[0]
        if service_date not in origins:
            origins[service_date] = to_unix(service_date, 0, timezone)
        b = bins.index(float(flow.departures[0]) - origins[service_date])
        if b is None:
            outside += 1
            continue
        loads[b] += flow.load
        boardings[b] += flow.boardings
        trips[b] += 1
        binned.setdefault(service_date, []).append((b, flow))
        if censoring is not None and flow.load.size and flow.load.max() >= censoring.full_load:
            full[b] += 1
        counted += 1
    censored: list[int] = []
    queued = 0.0
    if censoring is not None:
        scale = np.ones(bins.count)
        if censoring.left_behind:
            shifted = sum((_queue_shift(day, bins.count, censoring.full_load) for day in binned.values()),
                          np.zeros(bins.count))
            scale = demand_factors(boardings.sum(axis=1), shifted)
            queued = float(((scale - 1) * boardings.sum(axis=1)).sum() / days)
        censored = np.flatnonzero((trips > 0) & (full >= censoring.full_share * trips)).tolist()
        scale[censored] = np.maximum(scale[censored], censoring.factor)
        loads *= scale[:, None]
        boardings *= scale[:, None]
    profile = LoadProfile(pattern.pattern_id, pattern.stop_ids, segment_km(pattern),
                          bins.start_s, bins.bin_s, table_rows(loads / days), table_rows(boardings / days))
    return ObservedProfile(profile, counted, outside, tuple(censored), queued)


def _queue_shift(day: list[tuple[int, TripFlow]], bins: int, full_load: float) -> np.ndarray:
    """Riders each bin gains from the queues full buses left, over one day's trips."""
    day = sorted(day, key=lambda item: float(item[1].departures[0]))
    left = left_behind(np.array([f.departures for _, f in day], dtype=float),
                       np.array([f.boardings for _, f in day], dtype=float),
                       np.array([f.load for _, f in day], dtype=float), full_load)
    return queue_shift([b for b, _ in day], left, bins)


@dataclass(frozen=True, slots=True)
class Censoring:
    """When a bin's observed demand is a lower bound, and what is assumed instead."""

    full_load: float  # riders on board at which a trip counts as full (95% of capacity)
    factor: float  # demand of a censored bin: this many times what boarded
    full_share: float = 0.5  # a bin is censored when at least this share of its trips ran full
    left_behind: bool = False  # also add the queues the next buses' taps show (``left_behind``)


def given_profile(pattern_id: str, stop_ids: Sequence[str], segment_km: Sequence[float],
                  bins: TimeBins, boardings: Sequence[Sequence[float]],
                  mean_ride_km: float) -> LoadProfile:
    """A profile for a line without observed flow, from the boardings expected
    at each stop in each bin (``boardings[b][i]``, passengers per bin) and a
    mean ride length.

    Every rider rides ``mean_ride_km``: alighting is split between the two stops
    around that distance so that the mean holds, at the next stop at the
    earliest and at the last stop at the latest (those rides are shorter or
    longer, so the mean drifts on lines shorter than a few rides).
    """
    if len(stop_ids) < 2:
        raise InputError(f"pattern {pattern_id} has {len(stop_ids)} stop(s): a line needs two or more")
    if len(segment_km) != len(stop_ids) - 1 or any(km <= 0 for km in segment_km):
        raise InputError(f"pattern {pattern_id}: give {len(stop_ids) - 1} segment lengths above 0 km")
    if not mean_ride_km > 0:
        raise InputError(f"mean_ride_km = {mean_ride_km}: give a length above 0 km", "mean_ride_km")
    table = np.asarray(boardings, dtype=float)
    if table.shape != (bins.count, len(stop_ids)):
        raise InputError(f"pattern {pattern_id}: boardings has shape {table.shape}; give "
                         f"{bins.count} bins of {len(stop_ids)} stops from {clock(bins.start_s)}")
    if (table < 0).any() or table[:, -1].any():
        raise InputError(f"pattern {pattern_id}: boardings must be 0 or more, and 0 at the last "
                         f"stop ({stop_ids[-1]}), where nobody boards")
    alight = ride_shares(segment_km, mean_ride_km)
    loads = np.cumsum(table - table @ alight, axis=1)[:, :-1]
    return LoadProfile(pattern_id, tuple(stop_ids), tuple(segment_km), bins.start_s, bins.bin_s,
                       table_rows(np.maximum(loads, 0.0)), table_rows(table))


def ride_shares(segment_km: Sequence[float], ride_km: float) -> np.ndarray:
    """``shares[i][j]``: share of riders boarding at stop ``i`` who alight at ``j``."""
    at = np.concatenate(([0.0], np.cumsum(segment_km)))
    n = len(at)
    shares = np.zeros((n, n))
    for i in range(n - 1):
        target = at[i] + ride_km
        j = bisect.bisect_left(at.tolist(), target)
        if j >= n:
            shares[i, n - 1] = 1.0
        elif j == i + 1 or at[j] == target:
            shares[i, j] = 1.0
        else:
            later = (target - at[j - 1]) / (at[j] - at[j - 1])
            shares[i, j], shares[i, j - 1] = later, 1.0 - later
    return shares


def check_span(profile: LoadProfile, first_s: int, last_s: int, where: str) -> None:
    """Raise unless the profile's bins cover the departures from ``first_s`` to
    ``last_s`` and carry no demand in a bin wholly outside that span."""
    end = profile.start_s + profile.bins * profile.bin_s
    if profile.start_s > first_s or end <= last_s:
        raise InputError(f"{where}: the profile covers {clock(profile.start_s)}-{clock(end)}, "
                         f"not the service span {clock(first_s)}-{clock(last_s)}")
    for b in range(profile.bins):
        start = profile.start_s + b * profile.bin_s
        outside = start + profile.bin_s <= first_s or start > last_s
        if outside and (any(profile.loads[b]) or any(profile.boardings[b])):
            raise InputError(f"{where}: demand in {clock(start)}-{clock(start + profile.bin_s)}, "
                             f"outside the service span {clock(first_s)}-{clock(last_s)} "
                             f"(no departure serves it)")


def empty_bins(profile: LoadProfile) -> tuple[int, ...]:
    """Bins without any boarding: no demand data (or nobody rode)."""
    return tuple(b for b in range(profile.bins) if not any(profile.boardings[b]))


def table_rows(table: np.ndarray) -> tuple[tuple[float, ...], ...]:
    """A 2-D array as the nested tuples of ``LoadProfile``, to the micro-passenger."""
    return tuple(tuple(round(float(x), 6) for x in row) for row in table)
