"""The trip a report names (its GTFS-RT trip descriptor): taken where the bus
is on it, refused (and counted) where it is not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from tests.simulator.helpers import WEEKDAY, make_network
from tests.tracking.test_tracker import DEPARTS, report
from transit.model.network import Network
from transit.model.service_days import to_unix
from transit.records import VehicleReport
from transit.tracking.descriptors import DescriptorOutcome
from transit.tracking.tracker import Tracker

# Line 1 leaves every 10 min from 06:00, 60 s per stop, stops 400 m apart: at
# 06:02 a bus 800 m along direction 0 is where the 06:00 trip should be.
FIRST, SECOND = "L1-21600-0", "L1-22200-0"


@pytest.fixture(scope="module")
def network() -> Network:
    return make_network(lines=2, stops_per_line=10)


def named(r: VehicleReport, trip_id: str | None = None, **fields: object) -> VehicleReport:
    return replace(r, trip_id=trip_id, **fields)


def trip_of(tracker: Tracker, r: VehicleReport) -> str | None:
    state = tracker.observe(r).state
    return state.trip.trip_id if state is not None and state.trip is not None else None


def test_the_named_trip_is_followed_where_position_alone_picks_another(network: Network) -> None:
    plain = Tracker(network)
    assert trip_of(plain, report(network, DEPARTS + 120, 800.0)) == FIRST
    tracker = Tracker(network)
    assert trip_of(tracker, named(report(network, DEPARTS + 120, 800.0), SECOND)) == SECOND
    events = []
    for offset, along in ((150, 1000.0), (180, 1200.0), (210, 1400.0)):
        events += tracker.observe(named(report(network, DEPARTS + offset, along), SECOND)).events
    assert events and {e.trip_id for e in events} == {SECOND}
    assert tracker.descriptor_counts == {DescriptorOutcome.FOLLOWED: 4}


def test_a_bus_on_a_wrong_trip_switches_at_its_next_fix_naming_the_right_one(network: Network) -> None:
    tracker = Tracker(network)
    assert trip_of(tracker, report(network, DEPARTS + 90, 600.0)) == FIRST  # position alone
    assert trip_of(tracker, named(report(network, DEPARTS + 120, 800.0), SECOND)) == SECOND
    assert tracker.descriptor_counts[DescriptorOutcome.SWITCHED] == 1
    # The 06:00 trip is free again for the bus really running it.
    assert trip_of(tracker, report(network, DEPARTS + 125, 830.0, vehicle="TC0002")) == FIRST


def test_a_named_trip_far_from_the_bus_is_refused_and_matching_goes_on(network: Network) -> None:
    tracker = Tracker(network)
    on_line_2 = named(report(network, DEPARTS + 120, 800.0, pattern="L2-0"), FIRST)  # 1 km north
    assert trip_of(tracker, on_line_2) == "L2-21600-0"
    assert tracker.descriptor_counts == {DescriptorOutcome.OFF_SHAPE: 1}


def test_a_named_trip_run_the_other_way_is_refused(network: Network) -> None:
    # Direction 1 runs the same street back: the bus moving east is not on it.
    back = next(t.trip_id for t in network.trips.values()
                if t.route_id == "L1" and t.direction_id == 1 and t.start >= 6 * 3600)
    tracker = Tracker(network)
    tracker.observe(report(network, DEPARTS + 90, 600.0))
    assert trip_of(tracker, named(report(network, DEPARTS + 120, 800.0), back)) == FIRST
    assert tracker.descriptor_counts == {DescriptorOutcome.OFF_SHAPE: 1}


def afternoon_trip(network: Network) -> str:
    return min((t for t in network.trips.values()
                if t.pattern_id == "L1-0" and t.start >= 15 * 3600), key=lambda t: t.start).trip_id


@pytest.mark.parametrize(("name", "outcome"), [
    (lambda network: "L1-21600-0@2024-gtfs", DescriptorOutcome.UNKNOWN_TRIP),  # another GTFS version's id
    (afternoon_trip, DescriptorOutcome.NOT_RUNNING),  # a 15:00 trip, named at 06:02
])
def test_a_trip_that_cannot_be_taken_is_counted_and_ignored(
        network: Network, name: Callable[[Network], str], outcome: DescriptorOutcome) -> None:
    tracker = Tracker(network)
    assert trip_of(tracker, named(report(network, DEPARTS + 120, 800.0), name(network))) == FIRST
    assert tracker.descriptor_counts == {outcome: 1}


def test_a_finished_trip_still_named_does_not_pull_the_bus_back(network: Network) -> None:
    # The feed keeps naming the trip at its terminal while the bus waits for
    # its block's next trip: that trip stays, the stale name is counted.
    tracker = Tracker(network)
    length = network.patterns["L1-0"].stop_dists[-1]
    for offset in range(-60, 541, 30):
        tracker.observe(named(report(network, DEPARTS + offset, min(length, max(0.0, offset * 400 / 60))),
                              FIRST))
    block = network.trips[FIRST].block_id
    at_end = named(report(network, DEPARTS + 600, 0.0, pattern="L1-1", speed=0.0), FIRST)
    state = tracker.observe(at_end).state
    assert state is not None and state.trip is not None
    assert state.trip.trip_id != FIRST and state.trip.block_id == block
    assert tracker.descriptor_counts[DescriptorOutcome.TRIP_OVER] >= 1
    assert DescriptorOutcome.SWITCHED not in tracker.descriptor_counts


def test_a_bus_matched_by_position_gives_way_to_the_bus_naming_its_trip(network: Network) -> None:
    tracker = Tracker(network)
    assert trip_of(tracker, report(network, DEPARTS + 120, 800.0, vehicle="TC0007")) == FIRST
    assert trip_of(tracker, named(report(network, DEPARTS + 125, 830.0), FIRST)) == FIRST
    assert tracker.descriptor_counts == {DescriptorOutcome.FOLLOWED: 1}
    # Two buses naming one trip (a feed glitch): the first keeps it.
    second = named(report(network, DEPARTS + 130, 860.0, vehicle="TC0008"), FIRST)
    assert trip_of(tracker, second) != FIRST
    assert tracker.descriptor_counts[DescriptorOutcome.HELD] == 1


def test_a_named_route_and_direction_bound_matching(network: Network) -> None:
    # At 06:30 a bus standing 800 m along direction 0 fits the 06:28 trip that
    # way, and the 06:24 trip of direction 1 (2.8 km along it) nearly as well:
    # which way it goes, position alone waits for it to move to tell.
    at = to_unix(WEEKDAY, 6 * 3600 + 30 * 60, "Asia/Shanghai")
    standing = report(network, at, 800.0, speed=0.0)
    plain = Tracker(network).observe(standing).state
    assert plain is not None and plain.trip is None
    tracker = Tracker(network)
    state = tracker.observe(named(standing, route_id="L1", direction_id=1)).state
    assert state is not None and state.trip is not None
    assert (state.trip.route_id, state.trip.direction_id) == ("L1", 1)
    assert tracker.descriptor_counts == {DescriptorOutcome.ROUTE_ONLY: 1}


def test_a_named_route_moves_a_bus_off_a_trip_of_another(network: Network) -> None:
    tracker = Tracker(network)
    assert trip_of(tracker, report(network, DEPARTS + 120, 800.0)) == FIRST
    # The bus says it serves line 2 (1 km away): line 1's trip is let go, and
    # nothing of line 2 runs here.
    assert trip_of(tracker, named(report(network, DEPARTS + 150, 1000.0), route_id="L2")) is None
    assert trip_of(tracker, report(network, DEPARTS + 160, 1070.0, vehicle="TC0002")) == FIRST
    unknown = Tracker(network)
    assert trip_of(unknown, report(network, DEPARTS + 120, 800.0)) == FIRST
    assert trip_of(unknown, named(report(network, DEPARTS + 150, 1000.0), route_id="L9")) == FIRST
    assert unknown.descriptor_counts == {DescriptorOutcome.UNKNOWN_ROUTE: 1}
