"""The day's origin-destination matrix at stop level, every boarding expanded.

A chained journey goes from its boarding stop to its inferred alighting stop.
A placed boarding without one is spread over the later stops of its trip by
the alighting pattern the loads use (``loads.alighting_patterns``, the same
groups and fallbacks), so every placed boarding counts once: the riders leaving
a stop in the matrix are the boardings there, and the riders of a line's pairs
that straddle a segment are the load on it (summed over the line's trips).

Rows are per line (``route_id``) and hour of the boarding (the tap's time, in
hours of its service day): the network-wide matrix or the whole day's is their
sum (``whole_day``). Zones are stops grouped (``transit.flow.zones``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from transit.flow.boarding import Boarding
from transit.flow.chaining import Alighting
from transit.flow.loads import GroupKey, alighting_patterns, boarding_groups
from transit.flow.params import FlowParams
from transit.model.network import Network

# (service_date, route_id, hour, origin stop, destination stop)
OdKey = tuple[date, str, int, str, str]


@dataclass(frozen=True, slots=True)
class OdFlow:
    """Riders from one stop to another on one line, boarding in one hour."""

    service_date: date
    route_id: str
    hour: int  # of the service day, when the riders tapped on boarding
    origin_stop_id: str
    destination_stop_id: str
    riders: float  # every boarding expanded: fractions of riders with no inferred stop
    chained: float  # of which riders whose alighting stop was inferred


@dataclass(frozen=True, slots=True)
class OdPair:
    """Riders from one place (stop or zone) to another over the day."""

    origin: str
    destination: str
    riders: float
    chained: float
    riders_by_hour: Mapping[int, float]


def stop_od(network: Network, boardings: Sequence[Boarding], alightings: Mapping[str, Alighting],
            params: FlowParams = FlowParams()) -> list[OdFlow]:
    """The matrix of ``boardings``, each with its alighting stop from
    ``alightings`` or spread as its peers alighted; sorted by key."""
    group = boarding_groups(network, params.bin_s)
    hour_of = boarding_groups(network, 3600.0)
    patterns = alighting_patterns(network, boardings, alightings, group, params)
    chained: Counter[OdKey] = Counter()
    unchained: Counter[tuple[date, int, GroupKey]] = Counter()
    for b in boardings:
        hour = hour_of(b)[1]
        alighting = alightings.get(b.tap_id)
        if alighting is None:
            unchained[(b.service_date, hour, group(b))] += 1
        else:
            route_id = network.patterns[b.pattern_id].route_id
            chained[(b.service_date, route_id, hour, b.stop_id, alighting.stop_id)] += 1
    riders: dict[OdKey, float] = {key: float(n) for key, n in chained.items()}
    for (service_date, hour, key), n in unchained.items():
        pattern = network.patterns[key[0]]
        shares = patterns.spread(key)
        for index in np.flatnonzero(shares).tolist():
            od = (service_date, pattern.route_id, hour, pattern.stop_ids[key[2]],
                  pattern.stop_ids[index])
            riders[od] = riders.get(od, 0.0) + n * float(shares[index])
    return [OdFlow(*key, round(total, 4), float(chained.get(key, 0)))
            for key, total in sorted(riders.items())]


def whole_day(rows: Iterable[tuple[str, str, int, float, float]]) -> list[OdPair]:
    """(origin, destination, hour, riders, chained) rows summed per pair over
    the hours (and whatever else they differ in: lines, days), busiest first."""
    totals: dict[tuple[str, str], list[float]] = {}
    hours: dict[tuple[str, str], dict[int, float]] = {}
    for origin, destination, hour, riders, chained in rows:
        pair = (origin, destination)
        total = totals.setdefault(pair, [0.0, 0.0])
        total[0] += riders
        total[1] += chained
        by_hour = hours.setdefault(pair, {})
        by_hour[hour] = by_hour.get(hour, 0.0) + riders
    pairs = [OdPair(o, d, total[0], total[1], dict(sorted(hours[(o, d)].items())))
             for (o, d), total in totals.items()]
    return sorted(pairs, key=lambda p: (-p.riders, p.origin, p.destination))
