"""Runs as trips: their passages, and runs the feed split in two joined again.

The feed opens a new RunUUID now and then in the middle of a trip (about one
run in ten: one run stops short of the last stops, the same bus's next run on
the same route and direction starts a few minutes later where it stopped).
Those halves are one trip: they are joined, so that the timetable plans one
trip and the truth follows one run, not two half-served trips.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from feeds.kaohsiung.layout import Layout
from feeds.kaohsiung.source import ObservedRun
from feeds.kaohsiung.truth import RunPassages, Track, TruthParams, closest_passages, join_track

# Halves further apart in time than this are two trips (a short turn, a break).
MAX_SPLIT_GAP_S = 600.0


def run_passages(runs: Sequence[ObservedRun], layout: Layout,
                 params: TruthParams = TruthParams()) -> dict[str, RunPassages]:
    """Run id -> its passages, each run's track joined to its vehicle's fixes just before and after."""
    result = {}
    for vehicle_runs in _by_vehicle(runs).values():
        tracks = [Track(r.times, r.lats, r.lons) for r in vehicle_runs]
        for i, run in enumerate(vehicle_runs):
            track = join_track(tracks[i - 1] if i else None, tracks[i],
                               tracks[i + 1] if i + 1 < len(tracks) else None, params)
            pattern = layout.patterns[(run.route_id, run.direction)]
            result[run.run_id] = closest_passages(track, pattern.points, params)
    return result


def join_split_runs(runs: Sequence[ObservedRun], passages: dict[str, RunPassages],
                    layout: Layout) -> list[ObservedRun]:
    """``runs`` with each run the feed split mid-trip joined to its continuation
    (run id ``first+second``), in the order of their first fix. A run that
    passed no stop (the bus standing off its route) between the halves is
    kept apart and does not break the trip."""
    joined: list[ObservedRun] = []
    for vehicle_runs in _by_vehicle(runs).values():
        current: ObservedRun | None = None
        for run in vehicle_runs:
            if not passages[run.run_id].passages:
                joined.append(run)
            elif current is not None and _continues(current, run, passages, layout):
                current = _joined(current, run)
            else:
                if current is not None:
                    joined.append(current)
                current = run
        if current is not None:
            joined.append(current)
    joined.sort(key=lambda r: (r.times[0], r.run_id))
    return joined


def _continues(current: ObservedRun, run: ObservedRun, passages: dict[str, RunPassages],
               layout: Layout) -> bool:
    """``run`` goes on where ``current`` (possibly already joined) stopped short.
    The halves may share a stop: each run's track includes the fix just before it."""
    if (run.route_id, run.direction) != (current.route_id, current.direction):
        return False
    if run.times[0] - current.times[-1] > MAX_SPLIT_GAP_S:
        return False
    last_seen = passages[current.run_id.rsplit("+", 1)[-1]].passages[-1].index
    first_seen = passages[run.run_id].passages[0].index
    stops = len(layout.patterns[(run.route_id, run.direction)].stop_ids)
    return last_seen < stops - 1 and first_seen >= last_seen


def _by_vehicle(runs: Sequence[ObservedRun]) -> dict[str, list[ObservedRun]]:
    by_vehicle: dict[str, list[ObservedRun]] = {}
    for run in sorted(runs, key=lambda r: (r.times[0], r.run_id)):
        by_vehicle.setdefault(run.vehicle_id, []).append(run)
    return by_vehicle


def _joined(a: ObservedRun, b: ObservedRun) -> ObservedRun:
    after = next((i for i, t in enumerate(b.times) if t > a.times[-1]), len(b.times))
    return replace(a, run_id=f"{a.run_id}+{b.run_id}", times=a.times + b.times[after:],
                   lats=a.lats + b.lats[after:], lons=a.lons + b.lons[after:],
                   speeds_kmh=a.speeds_kmh + b.speeds_kmh[after:],
                   azimuths=a.azimuths + b.azimuths[after:])
