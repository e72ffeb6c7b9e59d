"""Observed stop passages, reconstructed from real reports that carry trip ids.

For a real day there is no ground truth but the reports themselves: each report
of a trip is projected onto the trip's shape, and a stop lying between two
consecutive reports (moving forward) is passed at the time interpolated
linearly in distance between them. Stops before a trip's first report or after
its last are not passed as far as the reports can tell, and are left out.
Pure: data in, passages out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from feeds.gtfsrt.decode import ObservedReport
from transit.model.geometry import segment_projections
from transit.model.network import Network, Pattern, Shape
from transit.tracking.scoring import TruePassage


@dataclass(frozen=True, slots=True)
class TruthParams:
    # Farther than this from the shape, a fix is not on the trip's route (deadhead,
    # detour, GPS jump) and says nothing about its stops.
    max_offset_m: float = 100.0
    # GPS jitter moves a standing bus back and forth by a few metres; a projection
    # this far behind the previous one is still taken as the same passage.
    backtrack_m: float = 50.0
    # Between fixes further apart than this (a data gap) a straight-line
    # interpolation says little about when the stops in between were passed.
    max_gap_s: float = 300.0
    # Segments whose offset is within this of the best one are the same place on
    # the street; the earliest along the shape is taken, so a route that uses a
    # street twice is projected onto its first use first.
    tie_m: float = 25.0


@dataclass(frozen=True, slots=True)
class _ShapeArrays:
    lats: np.ndarray
    lons: np.ndarray
    dists: np.ndarray


def observed_passages(
    observed: Iterable[ObservedReport], network: Network, params: TruthParams = TruthParams()
) -> list[TruePassage]:
    """Passages of every (trip, vehicle) the reports name, ordered by trip,
    vehicle and stop. Reports without a trip id, or naming a trip the network
    does not hold, are ignored. ``stop_sequence`` is GTFS's, as the tracker's
    stop events carry it; ``departure`` is None (reports 30 s apart cannot tell a dwell from a pass)."""
    runs: dict[tuple[str, str], list[ObservedReport]] = {}
    for item in observed:
        if item.trip_id is not None and item.trip_id in network.trips:
            runs.setdefault((item.trip_id, item.report.vehicle_id), []).append(item)
    shapes: dict[str, _ShapeArrays] = {}
    passages: list[TruePassage] = []
    for (trip_id, vehicle_id), items in sorted(runs.items()):
        pattern = network.patterns[network.trips[trip_id].pattern_id]
        shape = network.shapes[pattern.shape_id]
        arrays = shapes.get(shape.shape_id) or shapes.setdefault(shape.shape_id, _arrays(shape))
        track = _track(items, arrays, params)
        passages += _passages(trip_id, vehicle_id, pattern, track, params)
    return passages


def _arrays(shape: Shape) -> _ShapeArrays:
    return _ShapeArrays(np.asarray(shape.lats, float), np.asarray(shape.lons, float),
                        np.asarray(shape.dists, float))


def _track(
    items: list[ObservedReport], shape: _ShapeArrays, params: TruthParams
) -> list[tuple[float, float]]:
    """(time, distance along) of the run's fixes that lie on the shape, in time
    order, one per timestamp (feeds repeat a fix across polls)."""
    track: list[tuple[float, float]] = []
    previous: float | None = None
    seen: set[float] = set()
    for item in sorted(items, key=lambda o: o.report.timestamp):
        report = item.report
        if report.timestamp in seen or len(shape.lats) < 2:
            continue
        seen.add(report.timestamp)
        along = _project(report.lat, report.lon, shape, previous, params)
        # A fix a little behind the last one is a standing bus's jitter, not the
        # bus reversing: dropped, so the pairs around stops only move forward.
        if along is None or (previous is not None and along < previous):
            continue
        track.append((report.timestamp, along))
        previous = along
    return track


def _project(
    lat: float, lon: float, shape: _ShapeArrays, previous: float | None, params: TruthParams
) -> float | None:
    """Distance along the shape of the fix, searched from just behind the previous
    fix's so that a loop or a street used twice keeps the bus's own passage."""
    along, offsets = segment_projections(lat, lon, shape.lats, shape.lons, shape.dists)
    if previous is None:
        eligible = np.ones(len(along), bool)
    else:
        eligible = along >= previous - params.backtrack_m
    if not eligible.any():
        return None
    best = float(offsets[eligible].min())
    if best > params.max_offset_m:
        return None
    close = np.flatnonzero(eligible & (offsets <= best + params.tie_m))
    segment = int(close[0])
    # The first close segment may end just before the fix: follow the street to
    # the segment the fix is actually beside.
    while segment + 1 < len(offsets) and offsets[segment + 1] < offsets[segment]:
        segment += 1
    return float(along[segment])


def _passages(
    trip_id: str,
    vehicle_id: str,
    pattern: Pattern,
    track: list[tuple[float, float]],
    params: TruthParams,
) -> list[TruePassage]:
    passages: list[TruePassage] = []
    stop = 0  # the next stop of the pattern not yet passed or given up
    count = len(pattern.stop_ids)
    for (t0, d0), (t1, d1) in zip(track, track[1:]):
        if d1 < d0 or t1 - t0 > params.max_gap_s:
            continue
        # Stops behind this pair were passed while no pair bracketed them.
        while stop < count and pattern.stop_dists[stop] < d0:
            stop += 1
        while stop < count and pattern.stop_dists[stop] <= d1:
            at = pattern.stop_dists[stop]
            arrival = t0 if d1 == d0 else t0 + (t1 - t0) * (at - d0) / (d1 - d0)
            passages.append(TruePassage(trip_id, pattern.sequence_at(stop), arrival, None,
                                        vehicle_id))
            stop += 1
    return passages
