"""The tracker keeps only the fixes a late report can still land between:
bounded memory over hours of one-second reports, and the same stop events,
corrections included, as a tracker that keeps every fix of every trip."""

from __future__ import annotations

from dataclasses import replace

import pytest

from feeds.simulator import simulate_day
from feeds.simulator.params import SimulationParams
from tests.simulator.helpers import WEEKDAY, make_network
from transit.model.network import Network
from transit.records import StopEvent, VehicleReport
from transit.tracking.filters import FilterParams, Outcome
from transit.tracking.tracker import Tracker, TrackingParams
from transit.tracking.runs import FORGET_BATCH

LATE_S = 200.0  # how late the late reports come; within both trackers' limit
EVERY_NTH_LATE = 37


@pytest.fixture(scope="module")
def network() -> Network:
    # 45 stops 400 m apart: a trip runs longer than the 32 min a late report can reach back.
    return make_network(lines=1, stops_per_line=45, first_s=6 * 3600, last_s=8 * 3600)


@pytest.fixture(scope="module")
def reports(network: Network) -> list[VehicleReport]:
    """A morning of one-second fixes (trips leaving 06:00-08:00); every 37th arrives 200 s late."""
    day = simulate_day(network, WEEKDAY, seed=5, params=SimulationParams(report_interval_s=(1, 1)))
    stream = [replace(r, received_at=r.timestamp + (LATE_S if n % EVERY_NTH_LATE == 0 else 1.0))
              for n, r in enumerate(day.reports)]
    return sorted(stream, key=lambda r: (r.received_at, r.vehicle_id, r.timestamp))


def fixes_kept(tracker: Tracker) -> int:
    """Fixes held by every vehicle's current and finished trip."""
    vehicles = tracker._vehicles.values()  # noqa: SLF001 - what the test is about
    return sum(len(run.fixes) for v in vehicles for run in (v.run, v.finished) if run is not None)


def run_tracker(tracker: Tracker, reports: list[VehicleReport]) -> tuple[list[Outcome], list[StopEvent], int]:
    """Outcomes, events, and the most fixes held at once (looked at every 20 reports)."""
    outcomes, events, most = [], [], 0
    for n, report in enumerate(reports):
        observation = tracker.observe(report)
        outcomes.append(observation.outcome)
        events.extend(observation.events)
        if n % 20 == 0:
            most = max(most, fixes_kept(tracker))
    return outcomes, events, most


def test_old_fixes_are_dropped_and_the_events_stay_the_same(network: Network, reports: list[VehicleReport]) -> None:
    # Late reports are taken up to 240 s: fixes more than 300 s older than the newest are of no use.
    short = FilterParams(too_late_s=240.0, future_tolerance_s=60.0)
    trimmed = Tracker(network, TrackingParams(filters=short))
    keeper = Tracker(network, TrackingParams(filters=replace(short, too_late_s=1e9)))
    outcomes, events, most = run_tracker(trimmed, reports)
    kept_outcomes, kept_events, kept_most = run_tracker(keeper, reports)

    assert outcomes == kept_outcomes
    assert events == kept_events
    assert outcomes.count(Outcome.LATE_USED) > 20  # corrections were made, from kept fixes
    # Per vehicle at most two trips of a 300 s window and a batch (plus late inserts):
    # nothing like the whole trip and the one before it that the keeper holds.
    vehicles = len({r.vehicle_id for r in reports})
    assert most <= vehicles * 2 * (300 + FORGET_BATCH + 1 + 300 // EVERY_NTH_LATE + 1)
    assert kept_most > 2 * most


def test_with_the_default_filters_no_fix_older_than_the_window_is_kept(
        network: Network, reports: list[VehicleReport]) -> None:
    tracker = Tracker(network)
    most_too_old, trimmed = 0, 0
    for report in reports:
        tracker.observe(report)
        vehicle = tracker._vehicles.get(report.vehicle_id)  # noqa: SLF001 - what the test is about
        if vehicle is None or vehicle.last_t is None:
            continue
        for run in (vehicle.run, vehicle.finished):
            if run is not None and len(run.fixes):
                most_too_old = max(most_too_old, run.fixes.count_before(vehicle.last_t - 1920.0))
                trimmed += run.checkpoint is not None
    # A late report reaches back 1,920 s (30 min late, its fix 2 min ahead of the
    # clock): fixes older than that are dropped once there are a batch of them.
    assert most_too_old <= FORGET_BATCH
    assert trimmed > 0  # trips ran longer than that, and were cut
