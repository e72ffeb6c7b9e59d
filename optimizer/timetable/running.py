"""Running times of one pattern by time bin: medians of observed trips, the
schedule where too few trips were seen.

Each trip is reduced to its offsets from leaving the first stop (arrival and
departure at every stop). A trip counts as observed when its stop events give
its departure from the first stop and its arrival at the last; a stop between
that the tracker missed is interpolated by distance along the pattern. A bin
with at least ``min_trips`` observed trips takes their median per stop; any
other bin takes the median of the scheduled trips leaving in it (or of the
scheduled trip nearest to it when none leaves in it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from optimizer.timetable.bins import TimeBins
from optimizer.timetable.errors import InputError
from optimizer.timetable.model import RunningTimes
from transit.model.network import Network, Pattern, Trip
from transit.model.service_days import to_unix
from transit.records import StopEvent


@dataclass(frozen=True, slots=True)
class TripTimes:
    """One trip's times as offsets from its departure at the first stop."""

    depart_s: float  # service-day seconds at the first stop
    arrivals: tuple[float, ...]  # by stop; arrivals[0] == 0
    departures: tuple[float, ...]  # by stop; departures[-1] == arrivals[-1]


@dataclass(frozen=True, slots=True)
class RunningEstimate:
    running: RunningTimes
    observed_bins: tuple[int, ...]  # from stop events
    scheduled_bins: tuple[int, ...]  # fell back to the schedule


def scheduled_times(trip: Trip) -> TripTimes:
    start = trip.start
    return TripTimes(float(start), tuple(float(a - start) for a in (start, *trip.arrivals[1:])),
                     tuple(float(d - start) for d in (*trip.departures[:-1], trip.end)))


def observed_by_pattern(network: Network, events: Iterable[StopEvent]) -> dict[str, list[TripTimes]]:
    """The observed trips among ``events``, by pattern id; events of trips the
    schedule does not know are left out."""
    by_pattern: dict[str, list[StopEvent]] = {}
    for event in events:
        trip = network.trips.get(event.trip_id)
        if trip is not None:
            by_pattern.setdefault(trip.pattern_id, []).append(event)
    return {p: observed_times(network.patterns[p], found, network.timezone)
            for p, found in by_pattern.items()}


def observed_times(pattern: Pattern, events: Iterable[StopEvent], timezone: str) -> list[TripTimes]:
    """Every trip of ``pattern`` among ``events`` that counts as observed (its
    events must name trips of the pattern; the caller groups them)."""
    by_trip: dict[tuple, list[StopEvent]] = {}
    for event in events:
        by_trip.setdefault((event.service_date, event.trip_id), []).append(event)
    found = []
    for (service_date, _), trip_events in sorted(by_trip.items()):
        times = _trip_times(pattern, trip_events, to_unix(service_date, 0, timezone))
        if times is not None:
            found.append(times)
    return found


def _trip_times(pattern: Pattern, events: Sequence[StopEvent], origin: float) -> TripTimes | None:
    count = len(pattern.stop_ids)
    index_of = {pattern.sequence_at(i): i for i in range(count)}
    arrival = np.full(count, np.nan)
    departure = np.full(count, np.nan)
    for event in events:
        i = index_of.get(event.stop_sequence)
        if i is not None:
            arrival[i] = np.nan if event.arrival is None else event.arrival
            departure[i] = np.nan if event.departure is None else event.departure
    start, end = departure[0], arrival[-1] if not np.isnan(arrival[-1]) else departure[-1]
    if np.isnan(start) or np.isnan(end) or end <= start:
        return None
    arrival[0], departure[-1], arrival[-1] = start, end, end
    arrival = np.where(np.isnan(arrival), departure, arrival)
    departure = np.where(np.isnan(departure), arrival, departure)
    known = ~np.isnan(arrival)
    dists = np.asarray(pattern.stop_dists, dtype=float)
    filled = np.interp(dists, dists[known], arrival[known])
    arrival = np.where(known, arrival, filled)
    departure = np.where(known, departure, filled)
    return TripTimes(start - origin, tuple((arrival - start).tolist()),
                     tuple((departure - start).tolist()))


def estimate_running(pattern: Pattern, observed: Sequence[TripTimes], scheduled: Sequence[TripTimes],
                     bins: TimeBins, min_trips: int = 1) -> RunningEstimate:
    """Running times of ``pattern`` in every bin, and which bins came from where."""
    if not scheduled:
        raise InputError(f"pattern {pattern.pattern_id} has no scheduled trip to fall back on")
    by_bin: list[list[TripTimes]] = [[] for _ in range(bins.count)]
    for trip in observed:
        b = bins.index(trip.depart_s)
        if b is not None:
            by_bin[b].append(trip)
    arrivals, departures, seen, fallback = [], [], [], []
    for b, trips in enumerate(by_bin):
        if len(trips) >= min_trips:
            seen.append(b)
        else:
            trips = _scheduled_in(scheduled, bins, b)
            fallback.append(b)
        a, d = _median_offsets(trips)
        arrivals.append(a)
        departures.append(d)
    running = RunningTimes(bins.start_s, bins.bin_s, tuple(arrivals), tuple(departures))
    return RunningEstimate(running, tuple(seen), tuple(fallback))


def _scheduled_in(scheduled: Sequence[TripTimes], bins: TimeBins, b: int) -> list[TripTimes]:
    inside = [t for t in scheduled if bins.index(t.depart_s) == b]
    if inside:
        return inside
    middle = bins.start_s + (b + 0.5) * bins.bin_s
    return [min(scheduled, key=lambda t: abs(t.depart_s - middle))]


def _median_offsets(trips: Sequence[TripTimes]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Per-stop medians, made to run forward: a bus arrives before it leaves,
    and leaves a stop before it reaches the next (medians of different trips
    need not)."""
    arrivals = np.median([t.arrivals for t in trips], axis=0)
    departures = np.median([t.departures for t in trips], axis=0)
    interleaved = np.maximum.accumulate(np.column_stack((arrivals, departures)).ravel())
    rounded = np.rint(interleaved).astype(int).reshape(-1, 2)
    rounded[0] = 0
    rounded[-1, 1] = rounded[-1, 0]
    return tuple(rounded[:, 0].tolist()), tuple(rounded[:, 1].tolist())
