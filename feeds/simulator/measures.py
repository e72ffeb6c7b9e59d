"""What a timetable gave riders and cost in vehicles, measured on a simulated
service day: per line, per line direction and for the whole network.

Waiting: riders come to a stop as the demand's Poisson process. The run says
how many came for each bus (in the window since the previous bus of the
pattern left) and how many boarded; here each rider gets an arrival instant
drawn from the stop's arrival rate in that window, and riders board first
come, first served, so a rider refused by a full bus waits on for the next.
A wait ends when the bus the rider boards opens its doors.

Load: each trip's load factor is at its peak-load point (most riders on board
over capacity). Fleet: a vehicle counts for a line while on a trip of it or
laying over between two of its trips in a row; for a direction, while on a
trip of it; for the network, from its block's first departure to its last
arrival.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from feeds.simulator.demand import DemandModel
from feeds.simulator.running import TripRun
from feeds.simulator.service import WAITING_STREAM, ServiceRun, pattern_key

# Passengers on board a planner wants at most at the peak-load point: Ceder's
# desired occupancy d0, three quarters of the simulator's 80 places.
DESIRED_LOAD = 60.0

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class ServiceMeasures:
    """Figures of one line, direction or the network. Waits and shares are 0
    when nobody rode; load factors 0 when no trip ran."""

    trips: int
    riders: int  # boardings
    mean_wait_s: float
    p95_wait_s: float
    denied_boardings: int  # refusals by full buses: a rider refused twice counts twice
    stranded: int  # riders still waiting when the last bus had gone
    # Riders expected to come between two buses and leave before one came,
    # after the simulator's ``max_wait_s``: lost to a long gap, not in the waits.
    gave_up: float
    mean_load_factor: float  # of the trips, each at its peak-load point
    p95_load_factor: float
    max_load_factor: float
    full_trips: int  # trips that filled up somewhere
    over_desired_share: float  # share of riders on trips whose peak load passed the desired load
    vehicles_at_peak: int
    vehicle_hours: float


@dataclass(frozen=True)
class TimetableMeasures:
    total: ServiceMeasures
    lines: Mapping[str, ServiceMeasures]  # by route_id
    directions: Mapping[tuple[str, int], ServiceMeasures]  # by (route_id, direction_id)


@dataclass(frozen=True)
class _PatternWaits:
    waits: np.ndarray  # seconds, one per rider who boarded
    stranded: int
    gave_up: float


def measure_service(run: ServiceRun, demand: DemandModel, *, capacity: int,
                    desired_load: float = DESIRED_LOAD, seed: int) -> TimetableMeasures:
    """The measures of ``run`` (simulated with ``demand``); riders' arrival
    instants are drawn from a stream per pattern keyed by ``seed``."""
    if capacity <= 0:
        raise ValueError(f"capacity must be at least 1 passenger, got {capacity}")
    if not 0 < desired_load <= capacity:
        raise ValueError(f"desired load must be above 0 and at most the capacity "
                         f"({capacity} passengers), got {desired_load}")
    by_pattern: dict[str, list[TripRun]] = defaultdict(list)
    for trip_run in run.runs:
        by_pattern[trip_run.trip.pattern_id].append(trip_run)
    waits = {pid: _pattern_waits(runs, demand, run.origin, seed) for pid, runs in by_pattern.items()}
    figures = _Figures(run.runs, by_pattern, waits, capacity, desired_load)
    total = figures.by_group(lambda r: "")
    return TimetableMeasures(
        total=total.get("", _group_measures([], [], [], capacity, desired_load)),
        lines=figures.by_group(lambda r: r.trip.route_id),
        directions=figures.by_group(lambda r: (r.trip.route_id, r.trip.direction_id)),
    )


@dataclass(frozen=True)
class _Figures:
    """A run cut by pattern, ready to be measured by any grouping of its patterns."""

    runs: Sequence[TripRun]
    by_pattern: Mapping[str, Sequence[TripRun]]
    waits: Mapping[str, _PatternWaits]
    capacity: int
    desired_load: float

    def by_group(self, group_of: Callable[[TripRun], K]) -> dict[K, ServiceMeasures]:
        spans = _service_spans(self.runs, group_of)
        groups: dict[K, list[str]] = defaultdict(list)
        for pid, runs in self.by_pattern.items():
            groups[group_of(runs[0])].append(pid)
        return {
            key: _group_measures([r for p in pids for r in self.by_pattern[p]],
                                 [self.waits[p] for p in pids], spans[key], self.capacity,
                                 self.desired_load)
            for key, pids in sorted(groups.items(), key=lambda item: repr(item[0]))
        }


def _pattern_waits(runs: Sequence[TripRun], demand: DemandModel, origin: float,
                   seed: int) -> _PatternWaits:
    """Every boarded rider's wait on one pattern (runs in the order they ran)."""
    pattern_id = runs[0].trip.pattern_id
    rng = np.random.default_rng([seed, WAITING_STREAM, pattern_key(pattern_id)])
    since = np.stack([r.waiting_since for r in runs]) - origin  # (buses, stops)
    until = np.stack([r.boarding_at for r in runs]) - origin
    arrived = np.stack([r.arrived for r in runs])
    boarded = np.stack([r.boardings for r in runs])
    # Riders wait from the last departure so far (in the order the buses ran).
    left = np.maximum.accumulate(np.stack([r.departures for r in runs]) - origin, axis=0)
    waits, stranded, gave_up = [], 0, 0.0
    for i in range(since.shape[1] - 1):  # nobody boards at the last stop
        came = demand.draw_arrival_times(pattern_id, i, since[:, i], until[:, i], arrived[:, i], rng)
        bus = np.repeat(np.arange(len(runs)), boarded[:, i])
        # First come, first served; a bus that overtook finds riders who came
        # after it (the simulator's clamp), who wait nothing.
        waits.append(np.maximum(until[bus, i] - came[: len(bus)], 0.0))
        stranded += len(came) - len(bus)
        gave_up += float(demand.expected_arrivals_in(pattern_id, i, left[:-1, i], since[1:, i]).sum())
    return _PatternWaits(np.concatenate(waits) if waits else np.zeros(0), stranded, gave_up)


def _group_measures(runs: Sequence[TripRun], waits: Sequence[_PatternWaits],
                    spans: Sequence[tuple[float, float]], capacity: int,
                    desired_load: float) -> ServiceMeasures:
    riders = np.array([int(r.boardings.sum()) for r in runs], dtype=np.int64)
    peak = np.array([int(r.loads.max()) for r in runs], dtype=np.int64)
    factor = peak / capacity
    waited = np.concatenate([w.waits for w in waits]) if waits else np.zeros(0)
    total_riders = int(riders.sum())
    return ServiceMeasures(
        trips=len(runs),
        riders=total_riders,
        mean_wait_s=float(waited.mean()) if len(waited) else 0.0,
        p95_wait_s=float(np.percentile(waited, 95)) if len(waited) else 0.0,
        denied_boardings=int(sum(int(r.left_behind.sum()) for r in runs)),
        stranded=sum(w.stranded for w in waits),
        gave_up=sum(w.gave_up for w in waits),
        mean_load_factor=float(factor.mean()) if len(runs) else 0.0,
        p95_load_factor=float(np.percentile(factor, 95)) if len(runs) else 0.0,
        max_load_factor=float(factor.max()) if len(runs) else 0.0,
        full_trips=int((peak >= capacity).sum()),
        over_desired_share=float(riders[peak > desired_load].sum() / total_riders)
        if total_riders else 0.0,
        vehicles_at_peak=_peak_vehicles(spans),
        vehicle_hours=sum(end - start for start, end in spans) / 3600.0,
    )


def _service_spans(runs: Sequence[TripRun], group_of: Callable[[TripRun], K],
                   ) -> dict[K, list[tuple[float, float]]]:
    """Per group, the spans (Unix start, end) its vehicles spend on it: from the
    first to the last of each run of consecutive trips of the group in a block."""
    blocks: dict[str, list[TripRun]] = defaultdict(list)
    for trip_run in runs:
        blocks[trip_run.block_id].append(trip_run)
    spans: dict[K, list[tuple[float, float]]] = defaultdict(list)
    for block_runs in blocks.values():
        block_runs.sort(key=lambda r: float(r.arrivals[0]))
        for key, in_a_row in itertools.groupby(block_runs, key=group_of):
            together = list(in_a_row)
            spans[key].append((float(together[0].arrivals[0]), float(together[-1].arrivals[-1])))
    return spans


def _peak_vehicles(spans: Sequence[tuple[float, float]]) -> int:
    """Most spans open at once; one ending when another starts does not overlap it."""
    events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    counts = np.cumsum([change for _, change in events]) if events else np.zeros(1)
    return int(counts.max())
