"""The reports' computation as it was before it was vectorised, one Python
step per event: the reference ``transit.console.adherence.list_delays`` and
``transit.console.regularity.list_observed_headways`` must agree with
exactly (tests only), and ``day_events``, stop events as the columns the
reports read."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

import numpy as np

from transit.console.adherence import CellKey, Delays
from transit.console.headways import ScheduledHeadways
from transit.console.regularity import Observed
from transit.model.network import Network
from transit.model.service_days import service_day_origin
from transit.records import DayEvents, StopEvent

# What an event's trip says about it: line, direction, stop_sequence -> index in
# the pattern, and the timetable's departures and arrivals by that index.
TripCalls = tuple[str, int, dict[int, int], tuple[int, ...], tuple[int, ...]]


def day_events(events: Iterable[StopEvent]) -> DayEvents:
    """One service day's events as the store reads them (columns, NaN for a missing instant)."""
    found = list(events)
    days = {e.service_date for e in found}
    if len(days) != 1:
        raise ValueError(f"events of one service day expected, got {sorted(days)}")
    return DayEvents(days.pop(), [e.trip_id for e in found], np.array([e.stop_sequence for e in found], dtype=np.int64),
                     [e.stop_id for e in found],
                     np.array([np.nan if e.arrival is None else e.arrival for e in found], dtype=np.float64),
                     np.array([np.nan if e.departure is None else e.departure for e in found], dtype=np.float64))


def trip_calls(network: Network) -> dict[str, TripCalls]:
    """trip_id -> what its stop events are matched with (one lookup per event)."""
    positions = {p.pattern_id: {p.sequence_at(i): i for i in range(len(p.stop_ids))}
                 for p in network.patterns.values()}
    return {t.trip_id: (t.route_id, t.direction_id, positions[t.pattern_id], t.departures, t.arrivals)
            for t in network.trips.values()}


def list_delays(network: Network, events: Iterable[StopEvent]) -> Delays:
    """The delay of every observed call of ``network``'s trips, by cell."""
    trips = trip_calls(network)
    origins: dict[date, float] = {}
    by_cell: dict[CellKey, list[float]] = defaultdict(list)
    unmatched = 0
    for event in events:
        trip = trips.get(event.trip_id)
        position = None if trip is None else trip[2].get(event.stop_sequence)
        if trip is None or position is None:
            unmatched += 1
            continue
        if event.departure is not None:
            observed, scheduled = event.departure, trip[3][position]
        elif event.arrival is not None:
            observed, scheduled = event.arrival, trip[4][position]
        else:
            continue
        origin = origins.get(event.service_date)
        if origin is None:
            origin = origins[event.service_date] = service_day_origin(event.service_date, network.timezone).timestamp()
        by_cell[trip[0], trip[1], event.stop_id, scheduled // 3600].append(observed - origin - scheduled)
    return Delays(dict(by_cell), unmatched)


def list_observed_headways(network: Network, scheduled: ScheduledHeadways, events: Iterable[StopEvent]) -> Observed:
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
