"""Transfer waits at hubs for given departures, and a direction's own cost: what
the hub timing model minimises, measured exactly on a timetable.

A transfer row is the riders of one pair (``hubs.TransferDemand``) who arrive
on one trip of the arriving direction: a bin's riders are shared equally among
the trips arriving at the hub in that bin (in the timetable as the engine made
it, so before and after count the same riders on the same trips). A rider
arriving at ``a`` takes the first departure of the other direction from its
hub stop at or after ``a + walk``; the wait is capped at ``max_wait_s`` (a
rider who would wait longer is counted at the cap). Units: seconds; waits
are per rider, costs in passenger-minute equivalents (``settings.Weights``).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from optimizer.timetable.costs import SCALE, gap_cost, trip_cost
from optimizer.timetable.hubs import LineDirection, TransferDemand
from optimizer.timetable.model import DirectionInput
from optimizer.timetable.settings import Weights
from optimizer.timetable.spans import Span, span_at


@dataclass(frozen=True, slots=True)
class TransferRow:
    hub: str
    arriving: LineDirection
    trip: int  # index of the arriving trip in its direction's departures
    arrive_index: int
    departing: LineDirection
    depart_index: int
    walk_s: int
    riders: float


@dataclass(frozen=True, slots=True)
class HubWaits:
    """Transfer waits at one hub: riders per day, their mean wait, those at the cap."""

    hub: str
    riders: float
    mean_wait_s: float | None  # None when no rider changes lines there
    capped_riders: float  # riders finding no departure within the maximum wait


def at_stop(direction: DirectionInput, depart_s: int, index: int, *, arriving: bool,
            timed_at: int | None = None) -> int:
    """When a trip leaving the first stop at ``depart_s`` arrives at (or leaves)
    stop ``index``; its running time is that of ``timed_at`` (default ``depart_s``)."""
    running = direction.running
    b = running.bin_at(depart_s if timed_at is None else timed_at)
    return depart_s + (running.arrivals if arriving else running.departures)[b][index]


def transfer_rows(demand: Sequence[TransferDemand], directions: Mapping[LineDirection, DirectionInput],
                  departures: Mapping[LineDirection, Sequence[int]]) -> tuple[tuple[TransferRow, ...], float]:
    """Each pair's riders on the arriving trips of their bin; and the riders of
    bins no trip arrives in (lost to the rows, reported)."""
    rows, lost = [], 0.0
    for d in demand:
        a = directions[d.arriving]
        trips = [k for k, t in enumerate(departures[d.arriving])
                 if d.bin_start_s <= at_stop(a, t, d.arrive_index, arriving=True) < d.bin_start_s + d.bin_s]
        if not trips:
            lost += d.riders
            continue
        rows += [TransferRow(d.hub, d.arriving, k, d.arrive_index, d.departing, d.depart_index, d.walk_s,
                             d.riders / len(trips)) for k in trips]
    return tuple(rows), lost


def hub_waits(hubs: Sequence[str], rows: Sequence[TransferRow], directions: Mapping[LineDirection, DirectionInput],
              departures: Mapping[LineDirection, Sequence[int]], max_wait_s: int) -> tuple[HubWaits, ...]:
    """Per hub the riders, their mean capped wait under ``departures`` and those at the cap."""
    riders: dict[str, float] = defaultdict(float)
    waited: dict[str, float] = defaultdict(float)
    capped: dict[str, float] = defaultdict(float)
    leaving: dict[tuple[LineDirection, int], list[int]] = {}  # each hub stop's departures, sorted once
    for row in rows:
        key = (row.departing, row.depart_index)
        if key not in leaving:
            b = directions[row.departing]
            leaving[key] = sorted(at_stop(b, t, row.depart_index, arriving=False) for t in departures[row.departing])
        ready = (at_stop(directions[row.arriving], departures[row.arriving][row.trip], row.arrive_index, arriving=True)
                 + row.walk_s)
        k = bisect.bisect_left(leaving[key], ready)
        wait = max_wait_s if k == len(leaving[key]) else min(leaving[key][k] - ready, max_wait_s)
        riders[row.hub] += row.riders
        waited[row.hub] += row.riders * wait
        capped[row.hub] += row.riders if wait >= max_wait_s else 0.0
    return tuple(HubWaits(h, riders[h], waited[h] / riders[h] if riders[h] > 0 else None, capped[h])
                 for h in hubs)


def direction_cost(direction: DirectionInput, spans: Sequence[Span], departures: Sequence[int],
                   weights: Weights) -> float:
    """The departure model's objective for these departures (``costs``): each gap
    priced by the span it leaves in, the headway changes, the last trip."""
    gaps = [b - a for a, b in pairwise(departures)]
    units = sum(gap_cost(span_at(spans, t), g, weights, direction.vehicle_capacity)
                for t, g in zip(departures, gaps))
    units += trip_cost(span_at(spans, departures[-1]), weights)
    change = sum(abs(b - a) for a, b in pairwise(gaps))
    return units / SCALE + weights.headway_change_per_min * change / 60
