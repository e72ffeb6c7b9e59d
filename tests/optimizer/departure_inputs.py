"""Small line directions for the departure tests, built in a few lines."""

from __future__ import annotations

from collections.abc import Sequence

from optimizer.timetable.model import DirectionInput, LoadProfile, Period, RunningTimes

STOPS = ("A", "B", "C", "D")


def at(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def period(name: str, start: str, end: str, max_min: float, min_min: float = 2, desired_load: float = 50) -> Period:
    return Period(name, at(start), at(end), round(max_min * 60), round(min_min * 60), desired_load)


def profile(start: str, peaks: Sequence[float], bin_s: int = 3600, stops: Sequence[str] = STOPS) -> LoadProfile:
    """A profile whose bin b carries ``peaks[b]`` passengers across the middle segment
    (its peak-load point) and half as many on the others; everyone boards at the first
    stops, so a bin's boardings equal its peak load."""
    segments = len(stops) - 1
    loads, boardings = [], []
    for peak in peaks:
        row = [peak / 2] * segments
        if segments:
            row[segments // 2] = peak
        loads.append(tuple(row))
        board = [0.0] * len(stops)
        board[0] = peak / 2
        if len(stops) > 1:
            board[min(1, len(stops) - 1)] += peak / 2
        boardings.append(tuple(board))
    return LoadProfile("p1", tuple(stops), (1.0,) * segments, at(start), bin_s, tuple(loads), tuple(boardings))


def running(start: str, trip_min: float, bins: int = 24, bin_s: int = 3600, stops: int = len(STOPS)) -> RunningTimes:
    """The same trip time in every bin, stops evenly spaced, no dwell."""
    trip = round(trip_min * 60)
    offsets = tuple(trip * i // max(stops - 1, 1) for i in range(stops))
    return RunningTimes(at(start), bin_s, (offsets,) * bins, (offsets,) * bins)


def direction(periods: Sequence[Period], demand: LoadProfile, times: RunningTimes, first: str, last: str, *,
              capacity: float = 80, layover_s: int = 300) -> DirectionInput:
    return DirectionInput("L1", 0, demand, times, tuple(periods), at(first), at(last), capacity, layover_s)


def day(peaks: Sequence[float] | None = None, *, trip_min: float = 40) -> DirectionInput:
    """05:30-23:00 with a morning and an evening peak; ``peaks``: passengers per hour
    across the peak-load point for each hour from 05:00."""
    hourly = list(peaks) if peaks is not None else [
        40, 120, 420, 600, 300, 180, 160, 200, 180, 160, 220, 400, 560, 320, 180, 120, 80, 40, 30]
    periods = (period("early", "05:30", "07:00", 20, 3), period("am_peak", "07:00", "09:00", 10, 3),
               period("midday", "09:00", "16:00", 15, 3), period("pm_peak", "16:00", "19:00", 10, 3),
               period("evening", "19:00", "23:01", 30, 3))
    return direction(periods, profile("05:00", hourly), running("05:00", trip_min), "05:30", "23:00")
