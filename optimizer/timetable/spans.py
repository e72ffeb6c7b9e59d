"""The service day of one line direction cut where demand, policy or running time change.

Between two cuts (a demand bin edge, a period edge, a running-time bin edge)
everything the departure planner reads is constant, so the constructions
integrate rates span by span and the CP-SAT model prices a gap by the span its
first departure leaves in. Units as in ``model``: seconds, passengers,
vehicles per hour for frequencies.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from optimizer.timetable.model import DirectionInput, Period


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of the service day with one demand rate, one policy, one trip time."""

    start_s: int
    end_s: int  # exclusive
    period: Period
    boarding_rate: float  # passengers per second boarding anywhere along the direction
    peak_rate: float  # passengers per second crossing the bin's peak-load segment
    trip_time_s: int
    target_per_s: float  # departures per second the frequency plan asks for (0 without a plan)
    has_demand: bool  # False where the load profile has no bin, or an empty one


def cut_spans(direction: DirectionInput, frequencies: Sequence[float] | None = None) -> tuple[Span, ...]:
    """Spans from the first to the last departure (the last span holds the last departure).

    Expects periods that cover the service span (``checks`` refuses others).
    ``frequencies`` (vehicles per hour, one per load-profile bin) feed
    ``target_per_s``."""
    first, last = direction.first_departure_s, direction.last_departure_s
    end = max(last, first) + 1  # the last departure belongs to the last span
    cuts = {first, end}
    cuts.update(p.start_s for p in direction.periods)
    cuts.update(_bin_edges(direction.profile.start_s, direction.profile.bin_s, direction.profile.bins))
    cuts.update(_bin_edges(direction.running.start_s, direction.running.bin_s, len(direction.running.arrivals)))
    edges = sorted(c for c in cuts if first <= c <= end)
    return tuple(_span(direction, a, b, frequencies) for a, b in zip(edges, edges[1:]))


def span_at(spans: Sequence[Span], t: float) -> Span:
    """The span holding instant ``t`` (clamped to the first or last span)."""
    i = bisect.bisect_right([s.start_s for s in spans], t) - 1
    return spans[min(max(i, 0), len(spans) - 1)]


def period_at(periods: Sequence[Period], t: float) -> Period:
    """The period holding ``t``; the last period also holds its own end (the last departure)."""
    for period in periods:
        if period.start_s <= t < period.end_s:
            return period
    return periods[-1] if t >= periods[-1].start_s else periods[0]


def _bin_edges(start_s: int, bin_s: int, bins: int) -> list[int]:
    return [start_s + b * bin_s for b in range(bins + 1)]


def _span(direction: DirectionInput, a: int, b: int, frequencies: Sequence[float] | None) -> Span:
    profile = direction.profile
    demand_bin = (a - profile.start_s) // profile.bin_s
    boarding = peak = target = 0.0
    has_demand = False
    if 0 <= a - profile.start_s and demand_bin < profile.bins:
        boarding = sum(profile.boardings[demand_bin]) / profile.bin_s
        peak = max(profile.loads[demand_bin], default=0.0) / profile.bin_s
        has_demand = boarding > 0 or peak > 0
        if frequencies is not None:
            target = frequencies[demand_bin] / 3600
    return Span(a, b, period_at(direction.periods, a), boarding, peak,
                direction.running.trip_time_s(a), target, has_demand)
