"""The boarding stop of each tap: where its bus stood when the rider paid.

With the reader's clock corrected, a tap belongs to the dwell of its vehicle
whose window contains it. Windows are seconds long and the tracker's times are
a few seconds off, so a tap just outside every window goes to the nearest one
in time (a window widened up to halfway to its neighbours); its confidence
falls with the distance to that window and with how close the runner-up is.
A tap on a vehicle that ran no tracked trip, or further than ``max_gap_s`` from
every dwell of its vehicle, is not placed: the reason is counted, never guessed.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from transit.flow.dwells import Timeline
from transit.flow.params import FlowParams
from transit.records import Tap


class Unplaced(enum.StrEnum):
    """Why a tap has no boarding stop."""

    UNKNOWN_VEHICLE = "unknown_vehicle"  # no tracked trip of its vehicle that day
    OUTSIDE_TRIPS = "outside_trips"  # too far in time from every dwell of its vehicle


@dataclass(frozen=True, slots=True)
class Boarding:
    """One tap placed at a stop of a trip."""

    tap_id: str
    account_hash: str
    vehicle_id: str
    service_date: date
    trip_id: str
    pattern_id: str
    stop_index: int  # in the pattern, from 0
    stop_sequence: int  # GTFS's
    stop_id: str
    time: float  # the tap's time with its reader's offset taken off, Unix s
    confidence: float  # 0-1


def place_taps(taps: Sequence[Tap], offset_s: float, timeline: Timeline | None,
               params: FlowParams = FlowParams()) -> list[Boarding | Unplaced]:
    """The boarding of each of one vehicle's ``taps``, its reader running
    ``offset_s`` ahead, on the vehicle's ``timeline`` (None: it ran no tracked trip)."""
    if timeline is None or not timeline.dwells:
        return [Unplaced.UNKNOWN_VEHICLE] * len(taps)
    times = np.fromiter((t.timestamp for t in taps), float, len(taps)) - offset_s
    nearest, gap, runner_up = _nearest_dwells(timeline, times)
    with np.errstate(divide="ignore", invalid="ignore"):
        near_share = np.where(np.isinf(runner_up), 1.0, runner_up / (gap + runner_up))
    confidence = np.where(gap == 0, np.where(runner_up == 0, 0.5, 1.0),  # inside two: either
                          near_share * np.exp(-gap / params.confidence_scale_s))
    placed: list[Boarding | Unplaced] = []
    for tap, time, i, g, c in zip(taps, times.tolist(), nearest.tolist(), gap.tolist(),
                                  confidence.tolist()):
        if g > params.max_gap_s:
            placed.append(Unplaced.OUTSIDE_TRIPS)
            continue
        dwell = timeline.dwells[i]
        if not dwell.observed:
            c *= params.interpolated_confidence
        placed.append(Boarding(tap.tap_id, tap.account_hash, tap.vehicle_id, dwell.service_date,
                               dwell.trip_id, dwell.pattern_id, dwell.stop_index,
                               dwell.stop_sequence, dwell.stop_id, time, round(c, 3)))
    return placed


def _nearest_dwells(timeline: Timeline, times: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each time: the index of the dwell nearest to it (gap 0 when inside),
    the gap in seconds, and the gap of the next nearest (inf when none)."""
    at = np.searchsorted(timeline.starts, times, side="right")
    # Windows barely overlap, so the nearest is among the few starting around each time.
    columns = at[:, None] + np.arange(-3, 2)[None, :]
    valid = (columns >= 0) & (columns < len(timeline.dwells))
    columns = np.clip(columns, 0, len(timeline.dwells) - 1)
    starts, ends = timeline.starts[columns], timeline.ends[columns]
    t = times[:, None]
    gaps = np.where(t < starts, starts - t, np.where(t > ends, t - ends, 0.0))
    gaps = np.where(valid, gaps, np.inf)
    order = np.argsort(gaps, axis=1, kind="stable")
    rows = np.arange(len(times))
    return columns[rows, order[:, 0]], gaps[rows, order[:, 0]], gaps[rows, order[:, 1]]
