"""Headway regularity per line and direction over a service day, from the
departures observed at every stop.

At each stop, the line's departures in one direction are put in the order
they happened; each after the first has an actual headway (since the bus
before it left) and the timetable's at that call (``TimetableCalls``, the
live view's rule: since the line's previous scheduled departure there).
Per line direction:

- ``cv_h``, the Transit Capacity and Quality of Service Manual's headway
  adherence: the standard deviation of (actual - scheduled) over the mean
  scheduled headway. Not the plain coefficient of variation of actual
  headways, which the timetable's own change from peak to evening inflates.
- the shares of headways within ±50% of the scheduled one, under half of it
  (bunched) and over one and a half times it (gapped);
- the manual's level of service for ``cv_h`` (A best, F worst).

Pure: the day's stop events and the network's calls in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from transit.console.timetable_calls import TimetableCalls, ranks
from transit.records import DayEvents

# TCQSM 3rd edition, headway adherence: upper bounds of cv_h for A-E; above E is F.
LEVELS = ((0.21, "A"), (0.30, "B"), (0.39, "C"), (0.52, "D"), (0.74, "E"))
HALF = 0.5  # "within ±50% of the scheduled headway"


# (route_id, direction_id) -> its measured headways, each (actual s, scheduled s), stop after stop.
Observed = dict[tuple[str, int], list[tuple[float, float]]]


@dataclass(frozen=True, slots=True)
class LineRegularity:
    route_id: str
    direction_id: int
    headways: int  # measured, all stops
    mean_actual_s: float
    mean_scheduled_s: float
    cv_h: float  # std(actual - scheduled) / mean(scheduled)
    within: float  # share with |actual - scheduled| <= 50% of scheduled
    bunched: float  # share under 50% of scheduled
    gapped: float  # share over 150% of scheduled

    @property
    def level(self) -> str:
        return level_of(self.cv_h)


def level_of(cv_h: float) -> str:
    return next((letter for bound, letter in LEVELS if cv_h <= bound), "F")


def list_observed_headways(calls: TimetableCalls, events: DayEvents) -> Observed:
    """Every actual headway at every stop with the timetable's beside it
    (a call the timetable has none for, the day's first, is left out); per
    line direction, stop after stop (by stop_id), in the order they left."""
    call = calls.match(events)
    departed = (call >= 0) & ~np.isnan(events.departures)
    call, departure = call[departed], events.departures[departed]
    stop, _ = ranks(np.asarray(events.stop_ids, dtype=object)[departed])
    route, direction = calls.route[call], calls.direction[call]
    # Ties in departure go by trip_id, then stop index, as the buses' order is read.
    order = np.lexsort((calls.stop_index[call], calls.trip[call], departure, stop, direction, route))
    route, direction, stop, departure, call = route[order], direction[order], stop[order], departure[order], call[order]
    follows = (route[1:] == route[:-1]) & (direction[1:] == direction[:-1]) & (stop[1:] == stop[:-1])
    actual = departure[1:] - departure[:-1]
    timetable = calls.headways_s(events.service_date)[call[1:]]
    kept = follows & (timetable > 0)  # NaN (none) is not
    route, direction = route[1:][kept], direction[1:][kept]
    pairs = list(zip(actual[kept].tolist(), timetable[kept].tolist()))
    if not pairs:
        return {}
    starts = np.flatnonzero(np.r_[True, (route[1:] != route[:-1]) | (direction[1:] != direction[:-1])]).tolist()
    found: Observed = {(calls.route_ids[route[start]], int(direction[start])): pairs[start:end]
                       for start, end in zip(starts, [*starts[1:], len(pairs)])}
    return found


def line_regularity(observed: Observed) -> list[LineRegularity]:
    """One row per line and direction measured, by route then direction."""
    rows = []
    for (route_id, direction_id), pairs in sorted(observed.items()):
        n = len(pairs)
        mean_actual = sum(a for a, _ in pairs) / n
        mean_scheduled = sum(s for _, s in pairs) / n
        mean_deviation = mean_actual - mean_scheduled
        spread = math.sqrt(sum((a - s - mean_deviation) ** 2 for a, s in pairs) / n)
        bunched = sum(1 for a, s in pairs if a < (1 - HALF) * s)
        gapped = sum(1 for a, s in pairs if a > (1 + HALF) * s)
        rows.append(LineRegularity(route_id, direction_id, n, mean_actual, mean_scheduled, spread / mean_scheduled,
                                   (n - bunched - gapped) / n, bunched / n, gapped / n))
    return rows
