"""Exact departure sequences without the fleet window, by dynamic programming over the grid.

Without the fleet limit the model is a shortest path over (slot, length of the
gap that reached it): the headway-change term only looks one gap back. Its
optimum is a lower bound for the CP-SAT model (which adds the fleet and keeps
to a neighbourhood), and the same program with every gap at least one cycle
over the fleet long is a timetable that meets the fleet: the search starts there.
Costs are the CP-SAT model's own integers (``costs``), so the bound is exact.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from optimizer.timetable.costs import Grid, change_cost, gap_cost, too_close_to_last, trip_cost
from optimizer.timetable.settings import Weights
from optimizer.timetable.spans import Span


@dataclass(frozen=True, slots=True)
class Sequenced:
    slots: tuple[int, ...]  # grid slots of the departures, first to last
    cost: int  # in model units, the last trip included


def best_sequence(spans: Sequence[Span], grid: Grid, weights: Weights, capacity: float, *,
                  shortest_s: int = 0) -> Sequenced | None:
    """The cheapest departures whose gaps keep each span's headways (and last at
    least ``shortest_s``); None when no sequence reaches the last departure."""
    end = grid.last_slot
    lengths = _gap_ranges(spans, grid, shortest_s)
    longest = max((high for _, high in lengths), default=0)
    if end == 0 or longest == 0:
        return None
    closed = too_close_to_last(grid, spans)
    reach = np.full((end + 1, longest + 1), np.inf)  # [slot, gap that reached it]
    came_from = np.zeros((end + 1, longest + 1), dtype=np.int64)
    reach[0, 0] = 0.0
    h = np.arange(longest + 1)
    turn = change_cost(weights, grid.step_s) * np.abs(h[:, None] - h[None, :]).astype(float)  # [out, in]
    tables: dict[int, np.ndarray] = {}
    span_of = _span_indices(spans, grid, end)
    for slot in range(end):
        here = reach[slot]
        if slot in closed or not np.isfinite(here).any():
            continue
        index = span_of[slot]
        if index not in tables:
            tables[index] = _costs(spans[index], lengths[index], grid, weights, capacity, longest)
        if slot == 0:
            base, previous = np.zeros(longest + 1), np.zeros(longest + 1, dtype=np.int64)
        else:
            with_turn = here[None, :] + turn
            previous = with_turn.argmin(axis=1)
            base = with_turn[h, previous]
        total = base + tables[index]
        usable = min(longest, end - slot)
        targets = slot + h[1: usable + 1]
        better = total[1: usable + 1] < reach[targets, h[1: usable + 1]]
        reach[targets[better], h[1: usable + 1][better]] = total[1: usable + 1][better]
        came_from[targets[better], h[1: usable + 1][better]] = previous[1: usable + 1][better]
    last_gap = int(np.argmin(reach[end]))
    if not np.isfinite(reach[end, last_gap]):
        return None
    last_trip = trip_cost(spans[-1], weights)
    return Sequenced(_walk_back(came_from, end, last_gap), int(reach[end, last_gap]) + last_trip)


def _gap_ranges(spans: Sequence[Span], grid: Grid, shortest_s: int) -> list[tuple[int, int]]:
    step = grid.step_s
    return [(max(math.ceil(max(s.period.min_headway_s, shortest_s) / step), 1), s.period.max_headway_s // step)
            for s in spans]


def _costs(span: Span, lengths: tuple[int, int], grid: Grid, weights: Weights, capacity: float,
           longest: int) -> np.ndarray:
    costs = np.full(longest + 1, np.inf)
    for h in range(lengths[0], lengths[1] + 1):
        costs[h] = gap_cost(span, h * grid.step_s, weights, capacity)
    return costs


def _span_indices(spans: Sequence[Span], grid: Grid, end: int) -> list[int]:
    """The span of each slot's time (as ``span_at``: clamped to the first or last span)."""
    times = [grid.time(slot) for slot in range(end)]
    starts = np.array([s.start_s for s in spans])
    found = np.searchsorted(starts, times, side="right") - 1
    return np.clip(found, 0, len(spans) - 1).tolist()


def _walk_back(came_from: np.ndarray, end: int, last_gap: int) -> tuple[int, ...]:
    slots, slot, gap = [end], end, last_gap
    while slot > 0:
        slot, gap = slot - gap, int(came_from[slot, gap])
        slots.append(slot)
    return tuple(reversed(slots))
