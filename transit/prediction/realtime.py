"""Today's conditions: how much slower or faster than history each street and
each bus is running right now.

Per segment, a scalar Kalman filter on the log of observed / expected running
time. Between observations the estimate relaxes toward 0 (history) and its
variance grows, so a slowdown seen by the buses just ahead is believed at
once, and forgotten within the hour once buses stop confirming it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from transit.prediction.history import Segment

RELAX_S = 1800.0  # an unconfirmed deviation halves in about 20 minutes
PROCESS_VAR_PER_S = 0.04 / 1800.0  # a segment can drift by ~20% in half an hour
OBSERVATION_VAR = 0.05  # one bus's traversal: noisy (segment noise, lights)
# A bus's own deviation from the street's: shrunk toward 0 by this many
# pseudo-observations, so one odd segment does not reshape the whole trip.
TRIP_PRIOR_WEIGHT = 2.0


@dataclass
class _Filter:
    x: float  # log factor
    p: float  # variance
    at: float  # time of the last update


class Conditions:
    """Mutable, owned by the single writer, like the tracker."""

    def __init__(self) -> None:
        self._segments: dict[Segment, _Filter] = {}

    def factor(self, segment: Segment, at: float) -> float:
        """Multiplier of historical running time on ``segment`` at ``at``."""
        state = self._segments.get(segment)
        if state is None:
            return 1.0
        return math.exp(state.x * math.exp(-max(0.0, at - state.at) / RELAX_S))

    def observe(self, segment: Segment, log_ratio: float, at: float) -> None:
        state = self._segments.get(segment)
        if state is None:
            state = self._segments[segment] = _Filter(0.0, OBSERVATION_VAR, at)
        elapsed = max(0.0, at - state.at)
        x = state.x * math.exp(-elapsed / RELAX_S)
        p = state.p + PROCESS_VAR_PER_S * elapsed
        gain = p / (p + OBSERVATION_VAR)
        state.x = x + gain * (log_ratio - x)
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
