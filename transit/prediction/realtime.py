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
# pseudo-observations, so one odd segment does not reshape the whole trip,
# until today's finished trips say how noisy segments are (Shrinkage).
TRIP_PRIOR_WEIGHT = 2.0
MIN_TRIPS_FOR_SHRINKAGE = 20
MIN_TRIP_PRIOR_WEIGHT, MAX_TRIP_PRIOR_WEIGHT = 1.0, 30.0


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
    """How this bus runs on this trip against the streets' current estimate:
    the mean of its segments' log deviations, shrunk toward 0."""

    total: float = 0.0
    squares: float = 0.0
    count: int = 0

    def add(self, log_ratio: float) -> None:
        self.total += log_ratio
        self.squares += log_ratio * log_ratio
        self.count += 1

    def factor(self, prior_weight: float = TRIP_PRIOR_WEIGHT) -> float:
        return math.exp(self.total / (self.count + prior_weight))


@dataclass
class Shrinkage:
    """How far to trust a trip's own deviation, learned from today's trips.

    A trip's mean deviation over n segments is its true effect (variance tau2
    across trips) plus segment noise (variance sigma2 / n). The mean that
    predicts best is shrunk by n / (n + sigma2 / tau2): with dense fixes
    segment times are precise and a bus's own pace is believed after a few
    stops; with fixes every 30-60 s each segment time is a rough difference of
    two interpolations, and one bus's few segments say little. Both variances
    come from the trips that finished (method of moments); until enough have,
    the prior weight is ``TRIP_PRIOR_WEIGHT``.
    """

    trips: int = 0
    within: float = 0.0  # sum of squared deviations of segments from their trip's mean
    within_dof: int = 0
    means: float = 0.0  # sum of squared trip means
    inverse_counts: float = 0.0  # sum of 1 / n over trips

    def finished(self, trip: TripResidual) -> None:
        if trip.count < 2:
            return
        mean = trip.total / trip.count
        self.trips += 1
        self.within += trip.squares - trip.count * mean * mean
        self.within_dof += trip.count - 1
        self.means += mean * mean
        self.inverse_counts += 1.0 / trip.count

    @property
    def prior_weight(self) -> float:
        if self.trips < MIN_TRIPS_FOR_SHRINKAGE or self.within_dof == 0:
            return TRIP_PRIOR_WEIGHT
        sigma2 = self.within / self.within_dof
        tau2 = self.means / self.trips - sigma2 * self.inverse_counts / self.trips
        if tau2 <= 0.0:
            return MAX_TRIP_PRIOR_WEIGHT
        return min(MAX_TRIP_PRIOR_WEIGHT, max(MIN_TRIP_PRIOR_WEIGHT, sigma2 / tau2))
