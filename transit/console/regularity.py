"""Headway regularity per line and direction over a service day, from the
departures observed at every stop.

At each stop, the line's departures in one direction are put in the order
they happened; each after the first has an actual headway (since the bus
before it left) and the timetable's at that call (``ScheduledHeadways``:
since the line's previous scheduled departure there). Per line direction:

- ``cv_h``, the Transit Capacity and Quality of Service Manual's headway
  adherence: the standard deviation of (actual - scheduled) over the mean
  scheduled headway. Not the plain coefficient of variation of actual
  headways, which the timetable's own change from peak to evening inflates.
- the shares of headways within ±50% of the scheduled one, under half of it
  (bunched) and over one and a half times it (gapped);
- the manual's level of service for ``cv_h`` (A best, F worst).

Pure: the day's stop events and the network in.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from transit.console.adherence import trip_calls
from transit.console.headways import ScheduledHeadways
from transit.model.network import Network
from transit.records import ObservedCall, StopEvent

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


def list_observed_headways(network: Network, scheduled: ScheduledHeadways,
                           events: Iterable[StopEvent | ObservedCall]) -> Observed:
    """Every actual headway at every stop with the timetable's beside it
    (a call the timetable has none for, the day's first, is left out)."""
    trips = trip_calls(network)
    # (line, direction, stop) -> (departed, trip, stop index, service day), sorted as they left
    at_stop: dict[tuple[str, int, str], list[tuple[float, str, int, date]]] = defaultdict(list)
    for event in events:
        trip = trips.get(event.trip_id)
        position = None if trip is None else trip[2].get(event.stop_sequence)
        if trip is None or position is None or event.departure is None:
            continue
        at_stop[trip[0], trip[1], event.stop_id].append((event.departure, event.trip_id, position, event.service_date))
    found: Observed = defaultdict(list)
    for (route_id, direction_id, _), departures in sorted(at_stop.items()):
        departures.sort()
        pairs = found[route_id, direction_id]
        for ahead, mine in zip(departures, departures[1:]):
            timetable = scheduled.headway_s(mine[1], mine[2], mine[3])
            if timetable is not None and timetable > 0:
                pairs.append((mine[0] - ahead[0], timetable))
    return {key: pairs for key, pairs in found.items() if pairs}


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
