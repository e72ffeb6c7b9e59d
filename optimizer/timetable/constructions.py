"""Ceder's two classic timetable constructions (Public Transit Planning and Operation, ch. 5).

Both read a cumulative curve over the day and put a departure each time it
grows by one: the integral of the frequency (even headways, with the smooth
transitions between periods that the integral gives), or the passengers
crossing the peak-load point divided by the desired load (even average load).
The period's policy bounds every gap: a departure comes at the latest one
maximum headway and at the earliest one minimum headway after the one before
(the period of the earlier departure decides), and the count starts again from
there. Times are rounded to the second.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from optimizer.timetable.model import DirectionInput, Status, Timetable
from optimizer.timetable.spans import Span, cut_spans, span_at

Rate = Callable[[Span], float]  # departures per second the curve asks for in a span


def even_headway(direction: DirectionInput, frequencies: Sequence[float], *,
                 fleet_rate_per_s: float | None = None) -> Timetable:
    """Departures where the cumulative frequency curve crosses successive integers.

    ``frequencies``: vehicles per hour for each load-profile bin.
    ``fleet_rate_per_s`` caps the rate (vehicles / cycle time) so that no cycle
    holds more departures than the fleet can run."""
    spans = cut_spans(direction, frequencies)
    cap = math.inf if fleet_rate_per_s is None else fleet_rate_per_s
    departures = cumulative_departures(direction, spans, lambda s: min(s.target_per_s, cap))
    return Timetable(direction.route_id, direction.direction_id, departures, "even_headway", Status.CONSTRUCTED)


def even_load(direction: DirectionInput) -> Timetable:
    """Departures where the passengers crossing each bin's peak-load segment reach
    the period's desired load d0 again (or one maximum headway has passed)."""
    spans = cut_spans(direction)
    departures = cumulative_departures(direction, spans, lambda s: s.peak_rate / s.period.desired_load)
    return Timetable(direction.route_id, direction.direction_id, departures, "even_load", Status.CONSTRUCTED)


def cumulative_departures(direction: DirectionInput, spans: Sequence[Span], rate: Rate) -> tuple[int, ...]:
    """First departure, one departure per unit of the curve within the policy, last departure.

    A crossing closer to the last departure than the minimum headway is dropped
    when the gap it leaves stays within the maximum headway."""
    first, last = direction.first_departure_s, direction.last_departure_s
    times = [first]
    while True:
        t = times[-1]
        period = span_at(spans, t).period
        crossing = _next_crossing(spans, t, rate)
        step = min(max(crossing - t, period.min_headway_s), period.max_headway_s)
        following = t + math.floor(step + 0.5)
        if following >= last:
            break
        times.append(following)
    if last == first:
        return (first,)
    if len(times) > 1 and last - times[-1] < span_at(spans, times[-1]).period.min_headway_s \
            and last - times[-2] <= span_at(spans, times[-2]).period.max_headway_s:
        times.pop()
    return (*times, last)


def _next_crossing(spans: Sequence[Span], t: int, rate: Rate) -> float:
    """The instant the curve, counted from ``t``, reaches one; infinity if never by the last span."""
    remaining = 1.0
    now = float(t)
    for span in spans:
        if span.end_s <= now:
            continue
        per_s = rate(span)
        reach = per_s * (span.end_s - now)
        if per_s > 0 and reach >= remaining - 1e-9:  # a crossing right at a span's end counts
            return now + remaining / per_s
        remaining -= reach
        now = float(span.end_s)
    return math.inf
