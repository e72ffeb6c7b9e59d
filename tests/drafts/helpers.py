"""A line direction of a stored network as the timetable engine's input, built
from its own trips in a few lines (running times from the first trip of each
hour, a made-up even demand), and a new even-headway timetable for it; where
gtfs-validator is."""

from __future__ import annotations

import shutil
import sys
from collections import Counter
from pathlib import Path

from optimizer.timetable.draft import RebuiltDirection
from optimizer.timetable.model import DirectionInput, LoadProfile, Period, RunningTimes, Status, Timetable
from transit.model.network import Network

H = 3600


def rebuild_evenly(network: Network, services: frozenset[str], route_id: str, direction_id: int,
                   headway_s: int, *, riders_per_stop_hour: float = 6.0, capacity: float = 80.0) -> RebuiltDirection:
    """``route_id``'s direction on its commonest pattern, every ``headway_s``
    from its first departure of the day to its last."""
    trips = sorted((t for t in network.trips.values() if t.service_id in services
                    and (t.route_id, t.direction_id) == (route_id, direction_id)), key=lambda t: t.start)
    pattern_id = Counter(t.pattern_id for t in trips).most_common(1)[0][0]
    trips = [t for t in trips if t.pattern_id == pattern_id]
    stops = network.patterns[pattern_id].stop_ids
    first, last = trips[0].start, trips[-1].start
    start = first // H * H
    bins = last // H - first // H + 1
    sample = [next((t for t in trips if t.start >= start + b * H), trips[-1]) for b in range(bins)]
    running = RunningTimes(start, H, tuple(tuple(a - t.start for a in t.arrivals) for t in sample),
                           tuple(tuple(d - t.start for d in t.departures) for t in sample))
    boardings = tuple(riders_per_stop_hour if i < len(stops) - 1 else 0.0 for i in range(len(stops)))
    loads = tuple(riders_per_stop_hour * min(i + 1, len(stops) - 1 - i) for i in range(len(stops) - 1))
    dists = network.patterns[pattern_id].stop_dists
    profile = LoadProfile(pattern_id, stops, tuple((b - a) / 1000.0 for a, b in zip(dists, dists[1:])),
                          start, H, (loads,) * bins, (boardings,) * bins)
    period = Period("day", start, start + bins * H, max_headway_s=30 * 60, min_headway_s=5 * 60, desired_load=60.0)
    inputs = DirectionInput(route_id, direction_id, profile, running, (period,), first, last, capacity, 300)
    departures = tuple(range(first, last + 1, headway_s))
    return RebuiltDirection(inputs, Timetable(route_id, direction_id, departures, "even_headway", Status.CONSTRUCTED))


def gtfs_validator() -> str | None:
    """MobilityData's gtfs-validator on the PATH or beside this Python, if installed."""
    beside_python = Path(sys.executable).with_name("gtfs-validator")
    return shutil.which("gtfs-validator") or (str(beside_python) if beside_python.exists() else None)
