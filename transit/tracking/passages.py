"""Stop arrivals and departures from a bus's progress along its trip.

Fixes come every 10-30 s, so a bus is rarely seen exactly at a stop. Between
two fixes it runs at about the speed it had at the earlier one until it stops,
and leaves at about the speed it has at the later one: so arrival is
extrapolated forward from the fix before the stop and departure backward from
the fix after it. When the two disagree (arrival after departure), the bus did
not run at those speeds, and linear interpolation between the fixes is used for
both. A bus standing at a stop across several fixes keeps one arrival and gets
its departure when a fix finally shows it gone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MOVING_MPS = 1.0  # below this a bus is standing; its speed says nothing of arrival
# A standing bus's fix can stray tens of metres (and a layover at a terminal
# lasts long enough to see it happen): beyond the stop's zone, it has only left
# when it moves, or is this far past the stop.
CLEAR_M = 80.0
# ... and at a trip's first stop, where it stands through its layover and so
# strays the most, this far: a stray fix taken for the departure gave the bus
# the next trip leaving (another bus's) in its place.
LAYOVER_CLEAR_M = 160.0


@dataclass(frozen=True, slots=True)
class Fix:
    """A fix reduced to the trip: time, metres along the shape, speed (m/s)."""

    t: float
    d: float
    v: float | None


@dataclass(frozen=True, slots=True)
class Passage:
    index: int  # the stop's index in the pattern
    arrival: float | None  # None at a trip's first stop: the bus stood there on layover
    departure: float | None  # None at a trip's last stop: the bus stays on layover


class StopDetector:
    """Turns one trip's fixes, in time order, into passages, stop by stop."""

    def __init__(self, stop_dists: Sequence[float], zone_m: float, *, from_start: bool = False) -> None:
        """``from_start``: the bus is known to begin the trip at its first stop
        (it was waiting for it), so a first sight beyond that stop means it has
        left it unseen, not that the stop is unknown."""
        self._stops = stop_dists
        self._zone = zone_m
        self._from_start = from_start
        self._next = 0
        self._arrival: float | None = None  # at stop ``_next``, once its zone is reached
        self._anchor: Fix | None = None  # where the last estimate may start from
        self.reached_end = False

    @property
    def next_index(self) -> int:
        return self._next

    @property
    def at_stop(self) -> bool:
        return self._arrival is not None

    def feed(self, fix: Fix) -> list[Passage]:
        """Passages completed by ``fix`` (possibly several after a gap)."""
        stops, zone, last = self._stops, self._zone, len(self._stops) - 1
        passed: list[Passage] = []
        anchor = self._anchor
        if anchor is None and self._from_start and fix.d > stops[0] + zone:
            departure = fix.t - (fix.d - stops[0]) / fix.v if _moving(fix) else fix.t
            passed.append(Passage(0, None, departure))
            anchor = Fix(departure, stops[0], fix.v)
            self._next = 1
        elif anchor is None:
            # First sight of the bus on this trip: stops already behind it are
            # unknown, not invented; a stop whose zone it is in starts now.
            while self._next <= last and fix.d > stops[self._next] + zone:
                self._next += 1
            if self._next <= last and fix.d >= stops[self._next] - zone:
                self._arrival = fix.t
        while not self.reached_end and anchor is not None and self._next <= last:
            s = stops[self._next]
            if fix.d < s - zone:
                break
            if self._arrival is None:
                self._arrival = _arrive(anchor, fix, s)
            if self._next == last:
                passed.append(Passage(last, self._arrival, None))
                self.reached_end = True
                break
            clear = CLEAR_M if self._next > 0 else LAYOVER_CLEAR_M
            if fix.d <= s + zone or (fix.d <= s + clear and not _moving(fix)):
                break  # standing at, or just at, the stop (a stray fix is not a departure)
            departure = _depart(anchor, fix, s, self._arrival)
            arrival = None if self._next == 0 else self._arrival
            passed.append(Passage(self._next, arrival, departure))
            anchor = Fix(departure, s, None)
            self._arrival = None
            self._next += 1
        self._anchor = fix
        return passed


def _moving(fix: Fix) -> bool:
    return fix.v is not None and fix.v >= MOVING_MPS


def _linear(a: Fix, b: Fix, s: float) -> float:
    if b.d <= a.d:
        return a.t
    share = min(1.0, max(0.0, (s - a.d) / (b.d - a.d)))
    return a.t + share * (b.t - a.t)


def _arrive(before: Fix, after: Fix, s: float) -> float:
    if before.v is not None and before.v >= MOVING_MPS:
        forward = before.t + max(0.0, s - before.d) / before.v
        return min(forward, after.t)
    return _linear(before, after, s)


def _depart(before: Fix, after: Fix, s: float, arrival: float) -> float:
    earliest = max(arrival, before.t)
    if after.v is not None and after.v >= MOVING_MPS:
        backward = after.t - max(0.0, after.d - s) / after.v
        if backward >= earliest:
            return min(backward, after.t)
    return max(earliest, min(after.t, _linear(before, after, s)))
