"""What a gap between two departures costs, in the integer units both solvers share.

Units: the objective counts tenths of passenger-minute equivalents
(``settings.Weights``); gaps are seconds, slots ``grid_s`` seconds from the
first departure. The CP-SAT model and the dynamic program price gaps with these
functions alone, so the program's optimum is an exact bound for the model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from optimizer.timetable.settings import Weights
from optimizer.timetable.spans import Span, span_at

SCALE = 10  # objective units per passenger-minute equivalent


@dataclass(frozen=True, slots=True)
class Grid:
    """Slot ``j`` is ``first_s + j * step_s``, except the last slot: the last departure."""

    first_s: int
    last_s: int
    step_s: int

    @property
    def last_slot(self) -> int:
        return math.ceil((self.last_s - self.first_s) / self.step_s)

    @property
    def end_shortfall_s(self) -> int:
        """How much shorter than its slots a gap into the last departure is."""
        return self.step_s * self.last_slot - (self.last_s - self.first_s)

    def time(self, slot: int) -> int:
        return self.last_s if slot >= self.last_slot else self.first_s + slot * self.step_s

    def slot(self, t: float) -> int:
        return min(max(round((t - self.first_s) / self.step_s), 0), self.last_slot)

    def slots_of(self, span: Span) -> tuple[int, int]:
        """The first and last slot whose time lies in ``span`` (empty when first > last)."""
        low = math.ceil((span.start_s - self.first_s) / self.step_s)
        high = self.last_slot if span.end_s > self.last_s else math.ceil((span.end_s - self.first_s) / self.step_s) - 1
        return low, high


def gap_cost(span: Span, gap_s: int, weights: Weights, capacity: float) -> int:
    """The waiting of the riders who arrive in a gap leaving in ``span`` (evenly:
    rate * gap^2 / 2), the crowding of the trip that ends it (its peak load is the
    peak-load point's rate times the gap), and the vehicle time of the trip that starts it."""
    wait_min = span.boarding_rate * gap_s * gap_s / 2 / 60
    load = span.peak_rate * gap_s
    crowding = (weights.over_desired_per_passenger * max(0.0, load - span.period.desired_load)
                + weights.over_capacity_per_passenger * max(0.0, load - capacity))
    return round(SCALE * (weights.wait_per_passenger_min * wait_min + crowding)) + trip_cost(span, weights)


def trip_cost(span: Span, weights: Weights) -> int:
    """The vehicle time of one trip leaving in ``span``."""
    return round(SCALE * weights.vehicle_hour * span.trip_time_s / 3600)


def change_cost(weights: Weights, grid_s: int) -> int:
    """The cost of one slot of change between consecutive gaps."""
    return round(SCALE * weights.headway_change_per_min * grid_s / 60)


def too_close_to_last(grid: Grid, spans: Sequence[Span]) -> set[int]:
    """Slots less than their period's minimum headway before the last departure."""
    closed = set()
    for slot in range(grid.last_slot - 1, 0, -1):
        t = grid.time(slot)
        if grid.last_s - t >= span_at(spans, t).period.min_headway_s:
            break
        closed.add(slot)
    return closed
