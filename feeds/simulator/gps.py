"""GPS reports from true trajectories, with the faults real terminals show.

A vehicle's true track is a time-ordered polyline: within a trip, the stop
arrival/departure points and the shape's vertices between them (so the bus
follows the street and stands still while dwelling); between trips it stands at
the terminal, then drives a straight deadhead to the next trip's first stop if
that is elsewhere. Reports sample the track with ``np.interp`` every
per-vehicle interval, then get noise, jumps, dropouts, duplicates and late
(blind-zone backlog) delivery, each counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from feeds.simulator.params import SimulationParams
from feeds.simulator.running import VehicleDay
from transit.model.geometry import EARTH_RADIUS_M
from transit.model.network import Network
from transit.records import VehicleReport

M_PER_DEG = math.radians(1) * EARTH_RADIUS_M


@dataclass(frozen=True)
class Track:
    """A vehicle's true positions: linear between consecutive points."""

    times: np.ndarray  # Unix seconds, non-decreasing
    lats: np.ndarray
    lons: np.ndarray


@dataclass(frozen=True, slots=True)
class GpsCounts:
    reports: int = 0
    noisy: int = 0
    jumps: int = 0
    dropouts: int = 0
    dropped: int = 0
    duplicates: int = 0
    late: int = 0

    def __add__(self, other: GpsCounts) -> GpsCounts:
        return GpsCounts(*(a + b for a, b in zip(_fields(self), _fields(other))))


def _fields(counts: GpsCounts) -> tuple[int, ...]:
    return tuple(getattr(counts, name) for name in GpsCounts.__slots__)


class ShapeArrays:
    """Shapes as numpy arrays, converted once per day."""

    def __init__(self, network: Network) -> None:
        self._network = network
        self._cache: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def get(self, shape_id: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if shape_id not in self._cache:
            shape = self._network.shapes[shape_id]
            self._cache[shape_id] = (
                np.asarray(shape.dists, float),
                np.asarray(shape.lats, float),
                np.asarray(shape.lons, float),
            )
        return self._cache[shape_id]

    def position(self, shape_id: str, along: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        dists, lats, lons = self.get(shape_id)
        return np.interp(along, dists, lats), np.interp(along, dists, lons)


def vehicle_track(vehicle: VehicleDay, network: Network, shapes: ShapeArrays,
                  deadhead_speed_mps: float) -> Track:
    """The true track of one bus over its service day."""
    times: list[np.ndarray] = []
    lats: list[np.ndarray] = []
    lons: list[np.ndarray] = []
    for run in vehicle.runs:
        pattern = network.patterns[run.trip.pattern_id]
        stop_d = np.repeat(np.asarray(pattern.stop_dists, float), 2)
        stop_t = np.column_stack([run.arrivals, run.departures]).ravel()
        shape_d, _, _ = shapes.get(pattern.shape_id)
        inner = shape_d[(shape_d > stop_d[0]) & (shape_d < stop_d[-1])]
        along = np.concatenate([stop_d, inner])
        at = np.concatenate([stop_t, np.interp(inner, stop_d, stop_t)])
        order = np.lexsort((along, at))
        lat, lon = shapes.position(pattern.shape_id, along[order])
        if times:
            # Stand at the previous terminal, then deadhead in a straight line.
            gap = _metres(lats[-1][-1], lons[-1][-1], lat[0], lon[0])
            leave = max(times[-1][-1], at[order][0] - gap / deadhead_speed_mps)
            times.append(np.array([leave]))
            lats.append(lats[-1][-1:])
            lons.append(lons[-1][-1:])
        times.append(at[order])
        lats.append(lat)
        lons.append(lon)
    t = np.concatenate([[vehicle.appear], *times, [vehicle.leave]])
    la = np.concatenate([lats[0][:1], *lats, lats[-1][-1:]])
    lo = np.concatenate([lons[0][:1], *lons, lons[-1][-1:]])
    return Track(t, la, lo)


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dx = (lon2 - lon1) * M_PER_DEG * math.cos(math.radians(lat1))
    return math.hypot(dx, (lat2 - lat1) * M_PER_DEG)


def _segment_motion(track: Track) -> tuple[np.ndarray, np.ndarray]:
    """Speed (m/s) and bearing (degrees, carried over while standing) per segment."""
    cos = np.cos(np.radians(track.lats[:-1]))
    east = np.diff(track.lons) * M_PER_DEG * cos
    north = np.diff(track.lats) * M_PER_DEG
    length = np.hypot(east, north)
    dt = np.diff(track.times)
    speed = np.divide(length, dt, out=np.zeros_like(length), where=dt > 0)
    bearing = np.degrees(np.arctan2(east, north)) % 360.0
    moving = length > 0.5
    # Carry the last moving bearing forward over standing segments.
    last = np.maximum.accumulate(np.where(moving, np.arange(len(moving)), -1))
    first_moving = int(np.argmax(moving)) if moving.any() else 0
    bearing = bearing[np.where(last >= 0, last, first_moving)]
    return speed, bearing


def _windows(rng: np.random.Generator, start: float, end: float, per_hour: float,
             length: tuple[float, float]) -> np.ndarray:
    """Random (start, end) windows within [start, end), Poisson in number."""
    count = int(rng.poisson(per_hour * max(end - start, 0.0) / 3600.0))
    starts = rng.uniform(start, end, size=count)
    return np.column_stack([starts, starts + rng.uniform(*length, size=count)])


def _in_windows(times: np.ndarray, windows: np.ndarray) -> np.ndarray:
    inside = np.zeros(len(times), dtype=bool)
    for lo, hi in windows:
        inside |= (times >= lo) & (times < hi)
    return inside


def vehicle_reports(
    vehicle_id: str, track: Track, params: SimulationParams, rng: np.random.Generator
) -> tuple[list[VehicleReport], GpsCounts]:
    """Reports of one vehicle, in fix order, with their fault counts."""
    lo, hi = params.report_interval_s
    interval = int(rng.integers(lo, hi + 1))
    start = math.ceil(track.times[0]) + int(rng.integers(0, interval))
    fixes = np.arange(start, track.times[-1], interval, dtype=float)
    dropouts = _windows(rng, start, track.times[-1], params.dropouts_per_hour,
                        params.dropout_length_s)
    dropped = _in_windows(fixes, dropouts)
    fixes = fixes[~dropped]
    count = len(fixes)

    lat = np.interp(fixes, track.times, track.lats)
    lon = np.interp(fixes, track.times, track.lons)
    segment = np.clip(np.searchsorted(track.times, fixes, side="right") - 1,
                      0, len(track.times) - 2)
    seg_speed, seg_bearing = _segment_motion(track)
    speed, bearing = seg_speed[segment], seg_bearing[segment]

    lat, lon, noisy, jumps = _with_gps_error(lat, lon, params, rng)
    received, late = _receipt_times(fixes, start, track.times[-1], params, rng)
    duplicate = rng.random(count) < params.duplicate_probability

    rows = list(zip(fixes.tolist(), np.round(lat, 6).tolist(), np.round(lon, 6).tolist(),
                    np.round(speed, 1).tolist(), np.round(bearing).tolist(),
                    np.round(received, 3).tolist(), duplicate.tolist()))
    extra = rng.uniform(0.5, 3.0, size=int(duplicate.sum())).tolist()
    reports: list[VehicleReport] = []
    for fix, la, lo_, sp, be, rec, dup in rows:
        report = VehicleReport(vehicle_id, fix, la, lo_, sp, be, "sim", rec)
        reports.append(report)
        if dup:
            reports.append(VehicleReport(vehicle_id, fix, la, lo_, sp, be, "sim",
                                         round(rec + extra.pop(), 3)))
    counts = GpsCounts(
        reports=len(reports), noisy=int((noisy & ~jumps).sum()), jumps=int(jumps.sum()),
        dropouts=len(dropouts), dropped=int(dropped.sum()), duplicates=int(duplicate.sum()),
        late=int(late.sum()),
    )
    return reports, counts


def _with_gps_error(lat: np.ndarray, lon: np.ndarray, params: SimulationParams,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Positions as a receiver reports them: noise (now and then much more),
    and now and then a jump far away. Also which fixes were noisy and which jumped."""
    count = len(lat)
    noisy = rng.random(count) < params.noise_probability
    sigma = np.where(noisy, params.noise_sigma_m, params.gps_sigma_m)
    north = rng.normal(0.0, 1.0, count) * sigma
    east = rng.normal(0.0, 1.0, count) * sigma
    jumps = rng.random(count) < params.jump_probability
    reach = rng.uniform(*params.jump_distance_m, size=count)
    angle = rng.uniform(0.0, 2 * math.pi, size=count)
    north = np.where(jumps, reach * np.cos(angle), north)
    east = np.where(jumps, reach * np.sin(angle), east)
    lat = lat + north / M_PER_DEG
    lon = lon + east / (M_PER_DEG * np.cos(np.radians(lat)))
    return lat, lon, noisy, jumps


def _receipt_times(fixes: np.ndarray, start: float, end: float, params: SimulationParams,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """When each fix reaches the service, and which came late (in a backlog)."""
    count = len(fixes)
    received = fixes + rng.uniform(*params.network_delay_s, size=count)
    backlogs = _windows(rng, start, end, params.backlogs_per_hour, params.backlog_length_s)
    late = np.zeros(count, dtype=bool)
    for w_start, w_end in backlogs:
        # Reports of a blind zone are uploaded in a burst when coverage returns.
        inside = (fixes >= w_start) & (fixes < w_end)
        late |= inside
        received[inside] = w_end + np.arange(inside.sum()) * 0.05 + float(
            rng.uniform(*params.network_delay_s))
    return received, late
