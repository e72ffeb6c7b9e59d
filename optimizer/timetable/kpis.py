"""The figures a dispatcher compares a draft day with the live one by, measured
the same way on both sides: per line direction and in total.

Supply (any trips): trips, service km and hours (first stop to last), vehicles
at the peak, first and last departure. Vehicles and their hours and km come
from blocks (a trip without a block_id is a vehicle of its own); a block's
kilometres add the straight line between one trip's last stop and the next
one's first stop, its hours run from its first departure to its last arrival.

Demand (directions with a ``DirectionInput``): riders arrive evenly, at the
rate its ``LoadProfile`` boardings give in the departure's bin, so a trip
leaving after a gap ``g`` carries ``rate * g`` riders who waited ``g / 2`` on
average; the expected wait is ``sum(rate * g^2 / 2) / sum(rate * g)``. A trip's
load at the peak-load point is the bin's highest segment load rate times ``g``;
its load factor divides that by the vehicle capacity. The first trip's gap is
the one after it (riders time themselves to the first bus); a lone trip's is
the bin. Bins outside the profile carry no riders.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import pairwise

import numpy as np

from optimizer.timetable.model import DirectionInput, LoadProfile
from transit.geo import distance_m
from transit.model.network import Network, Trip


@dataclass(frozen=True, slots=True)
class Supply:
    trips: int
    service_km: float
    service_hours: float
    peak_vehicles: int  # directions: trips under way at once; the total: blocks out at once
    first_departure_s: int | None
    last_departure_s: int | None


@dataclass(frozen=True, slots=True)
class Crowding:
    expected_wait_s: float | None  # None when no rider is carried
    max_load_factor: float
    p95_load_factor: float
    trips_over_capacity: int
    riders: float  # boardings the departures carry under the even-arrival model


@dataclass(frozen=True, slots=True)
class DirectionKpis:
    route_id: str
    direction_id: int
    supply: Supply
    crowding: Crowding | None  # None without demand data for the direction


@dataclass(frozen=True, slots=True)
class DayKpis:
    directions: tuple[DirectionKpis, ...]  # the directions with demand data, by line
    total: Supply  # every trip of the day
    crowding: Crowding | None  # pooled over ``directions``
    vehicle_hours: float
    vehicle_km: float


def measure_day(network: Network, trips: Sequence[Trip], demand: Sequence[DirectionInput]) -> DayKpis:
    """KPIs of one day's ``trips`` (their patterns in ``network``)."""
    by_direction: dict[tuple[str, int], list[Trip]] = defaultdict(list)
    for trip in trips:
        by_direction[(trip.route_id, trip.direction_id)].append(trip)
    rows = []
    for inputs in sorted(demand, key=lambda d: (d.route_id, d.direction_id)):
        served = by_direction.get((inputs.route_id, inputs.direction_id), [])
        rows.append(DirectionKpis(inputs.route_id, inputs.direction_id,
                                  supply(network, served, _trips_at_once(served)),
                                  crowding(sorted(t.start for t in served), inputs.profile,
                                           inputs.vehicle_capacity)))
    blocks = _blocks(trips)
    spans = [(b[0].start, b[-1].end) for b in blocks]
    pooled = [r.crowding for r in rows if r.crowding is not None]
    return DayKpis(tuple(rows), supply(network, trips, _most_at_once(spans)),
                   _pool(pooled) if pooled else None,
                   sum(end - start for start, end in spans) / 3600.0,
                   sum(_block_km(network, b) for b in blocks))


def supply(network: Network, trips: Sequence[Trip], peak_vehicles: int) -> Supply:
    starts = [t.start for t in trips]
    return Supply(len(trips), sum(_trip_km(network, t) for t in trips),
                  sum(t.end - t.start for t in trips) / 3600.0, peak_vehicles,
                  min(starts, default=None), max(starts, default=None))


def crowding(departures: Sequence[int], profile: LoadProfile, capacity: float) -> Crowding:
    """Wait and load of departures (sorted, from the first stop) under ``profile``'s demand."""
    if not capacity > 0:
        raise ValueError(f"vehicle capacity {capacity}: give a number of passengers above 0")
    boarding = [sum(row) / profile.bin_s for row in profile.boardings]
    peak_load = [max(row, default=0.0) / profile.bin_s for row in profile.loads]
    waited = riders = 0.0
    factors = []
    for depart, gap in zip(departures, preceding_gaps(departures, profile.bin_s), strict=True):
        b = (depart - profile.start_s) // profile.bin_s
        inside = 0 <= b < profile.bins
        rate = boarding[b] if inside else 0.0
        riders += rate * gap
        waited += rate * gap * gap / 2.0
        factors.append((peak_load[b] if inside else 0.0) * gap / capacity)
    loads = np.asarray(factors or [0.0])
    return Crowding(waited / riders if riders > 0 else None, float(loads.max()),
                    float(np.percentile(loads, 95)), int((loads > 1.0).sum()), riders)


def preceding_gaps(departures: Sequence[int], lone_gap_s: int) -> list[int]:
    """The gap before each departure; the first takes the one after it."""
    if len(departures) < 2:
        return [lone_gap_s] * len(departures)
    gaps = [b - a for a, b in pairwise(departures)]
    return [gaps[0], *gaps]


def _pool(parts: Sequence[Crowding]) -> Crowding:
    riders = sum(p.riders for p in parts)
    waited = sum(p.expected_wait_s * p.riders for p in parts if p.expected_wait_s is not None)
    # The 95th percentile of a union is not derived from the parts' own: the
    # highest of them is an upper bound, and honest about being one.
    return Crowding(waited / riders if riders > 0 else None, max(p.max_load_factor for p in parts),
                    max(p.p95_load_factor for p in parts), sum(p.trips_over_capacity for p in parts), riders)


def _trip_km(network: Network, trip: Trip) -> float:
    dists = network.patterns[trip.pattern_id].stop_dists
    return (dists[-1] - dists[0]) / 1000.0


def _blocks(trips: Sequence[Trip]) -> list[list[Trip]]:
    members: dict[str, list[Trip]] = defaultdict(list)
    for trip in trips:
        members[trip.block_id or f"trip:{trip.trip_id}"].append(trip)
    return [sorted(m, key=lambda t: (t.start, t.trip_id)) for _, m in sorted(members.items())]


def _block_km(network: Network, block: Sequence[Trip]) -> float:
    km = sum(_trip_km(network, t) for t in block)
    for before, after in pairwise(block):
        a = network.stops[network.patterns[before.pattern_id].stop_ids[-1]]
        b = network.stops[network.patterns[after.pattern_id].stop_ids[0]]
        km += distance_m(a.lat, a.lon, b.lat, b.lon) / 1000.0
    return km


def _trips_at_once(trips: Sequence[Trip]) -> int:
    return _most_at_once([(t.start, t.end) for t in trips])


def _most_at_once(spans: Sequence[tuple[int, int]]) -> int:
    """Most spans open at one instant; one ending as another starts is not overlap."""
    out = highest = 0
    for _, change in sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans]):
        out += change
        highest = max(highest, out)
    return highest


def as_mapping(kpis: DayKpis) -> Mapping[str, object]:
    """The KPIs as JSON-ready data (what drafts store and serve)."""
    return asdict(kpis)
