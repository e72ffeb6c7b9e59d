"""Today's conditions: how much slower or faster than expected each street and
each bus is running right now.

Per segment, a scalar Kalman filter on the log of observed / expected running
time, relative to today's average over all segments whose expectation has the
same basis (history, or only the timetable). Between observations a segment's
own deviation relaxes toward that average and its variance grows, so a
slowdown seen by the buses just ahead is believed at once and forgotten
within the hour once buses stop confirming it; and a timetable that is
systematically slack or tight (no history yet) is learned from every bus.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from transit.prediction.history import Segment

RELAX_S = 1800.0  # an unconfirmed deviation halves in about 20 minutes
PROCESS_VAR_PER_S = 0.04 / 1800.0  # a segment can drift by ~20% in half an hour
OBSERVATION_VAR = 0.05  # one bus's traversal: noisy (segment noise, lights)
AVERAGE_GAIN = 0.02  # today's average follows the last ~50 traversals
# A bus's own deviation from the street's: shrunk toward 0 by this many
# pseudo-observations, so one odd segment does not reshape the whole trip.
TRIP_PRIOR_WEIGHT = 2.0


@dataclass
class _Filter:
    x: float  # log factor, beyond today's average
    p: float  # variance
    at: float  # time of the last update


@dataclass
class _Average:
    value: float = 0.0
    count: int = 0

    def add(self, log_ratio: float) -> None:
        self.count += 1
        gain = max(AVERAGE_GAIN, 1.0 / self.count)
        self.value += gain * (log_ratio - self.value)


@dataclass
class Conditions:
    """Mutable, owned by the single writer, like the tracker."""

    _segments: dict[Segment, _Filter] = field(default_factory=dict)
    _averages: dict[str, _Average] = field(default_factory=dict)

    def factor(self, segment: Segment, at: float, basis: str) -> float:
        """Multiplier of the expected running time on ``segment`` at ``at``;
        ``basis`` says what the expectation came from ("history", "schedule")."""
        average = self._averages.get(basis)
        base = average.value if average is not None else 0.0
        state = self._segments.get((segment, basis))  # type: ignore[arg-type]
        if state is None:
            return math.exp(base)
        return math.exp(base + state.x * math.exp(-max(0.0, at - state.at) / RELAX_S))

    def observe(self, segment: Segment, log_ratio: float, at: float, basis: str) -> None:
        average = self._averages.setdefault(basis, _Average())
        deviation = log_ratio - average.value
        average.add(log_ratio)
        key = (segment, basis)
        state = self._segments.get(key)  # type: ignore[arg-type]
        if state is None:
            state = self._segments[key] = _Filter(0.0, OBSERVATION_VAR, at)  # type: ignore[index]
        elapsed = max(0.0, at - state.at)
        x = state.x * math.exp(-elapsed / RELAX_S)
        p = state.p + PROCESS_VAR_PER_S * elapsed
        gain = p / (p + OBSERVATION_VAR)
        state.x = x + gain * (deviation - x)
        state.p = (1.0 - gain) * p
        state.at = at


@dataclass
class TripResidual:
    """How this bus runs on this trip against the streets' current estimate."""

    total: float = 0.0
    count: int = 0

    def add(self, log_ratio: float) -> None:
        self.total += log_ratio
        self.count += 1

    @property
    def factor(self) -> float:
        return math.exp(self.total / (self.count + TRIP_PRIOR_WEIGHT))
