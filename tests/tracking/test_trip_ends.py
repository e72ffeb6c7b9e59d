"""Where one trip ends and the next begins (as Kaohsiung's buses and feed have
them): a trip left short of its last stops, the next trip begun before them, a
block that overlaps itself, a feed whose direction lags the bus at the
terminal. The block's next trip is not lost, nor its first stops."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.simulator.helpers import make_network
from tests.tracking.test_tracker import DEPARTS, report
from transit.model.network import Network
from transit.records import StopEvent, VehicleReport
from transit.tracking.tracker import Tracker

# Line 1's 06:00 trip runs 3.6 km east in 9 min (60 s per 400 m stop); its
# block's next trip leaves the far terminal back west at 06:14.
FIRST = "L1-21600-0"
SPEED = 400 / 60
BACK_DEPARTS = DEPARTS + 14 * 60


@pytest.fixture(scope="module")
def network() -> Network:
    return make_network(lines=2, stops_per_line=10)


def next_trip(network: Network) -> str:
    first = network.trips[FIRST]
    return min((t for t in network.trips.values() if t.block_id == first.block_id and t.start > first.start),
               key=lambda t: t.start).trip_id


def out_east(network: Network, up_to: float) -> list[VehicleReport]:
    """The 06:00 trip run east from its first stop to ``up_to`` metres."""
    return [report(network, DEPARTS + offset, min(up_to, offset * SPEED))
            for offset in range(-60, int(up_to / SPEED) + 1, 30)]


def back_west(network: Network, from_s: float, count: int) -> list[VehicleReport]:
    """The next trip run west from its first stop (direction 1's shape)."""
    return [report(network, BACK_DEPARTS + from_s + 30 * k, (from_s + 30 * k) * SPEED, pattern="L1-1")
            for k in range(count)]


def north_of(r: VehicleReport, metres: float) -> VehicleReport:
    return replace(r, lat=r.lat + metres / 111_195)


def run(tracker: Tracker, reports: list[VehicleReport]) -> list[StopEvent]:
    return [e for r in reports for e in tracker.observe(r).events]


def test_a_bus_leaving_the_route_short_of_the_last_stop_has_ended_its_trip(network: Network) -> None:
    # The bus turns off 120 m short of the last stop (a terminal loop on
    # streets the shape does not draw) and comes back onto the next trip's
    # street 300 m along it, under way: that trip is its block's next, run
    # from its first stop (not a trip matched mid-route, its first stops lost).
    tracker = Tracker(network)
    run(tracker, out_east(network, 3480.0))
    at_end = report(network, DEPARTS + 560, 3480.0, speed=SPEED)
    off = [north_of(replace(at_end, timestamp=DEPARTS + 600 + 60 * k, received_at=DEPARTS + 601 + 60 * k),
                    250.0) for k in range(2)]
    run(tracker, off)
    events = run(tracker, back_west(network, 45.0, 4))
    assert (next_trip(network), 1) in {(e.trip_id, e.stop_sequence) for e in events}
    assert {e.trip_id for e in events} == {next_trip(network)}


def test_the_next_trip_waits_at_the_terminal_while_the_feed_still_names_the_last_direction(
        network: Network) -> None:
    tracker = Tracker(network)
    east = [replace(r, route_id="L1", direction_id=0) for r in out_east(network, 3600.0)]
    events = run(tracker, east)
    assert (FIRST, 10) in {(e.trip_id, e.stop_sequence) for e in events}
    # Standing at the terminal and leaving it, the feed still says direction 0;
    # it says 1 once the bus is under way.
    waiting = [replace(report(network, DEPARTS + 600 + 60 * k, 0.0, pattern="L1-1", speed=0.0),
                       route_id="L1", direction_id=0) for k in range(3)]
    leaving = back_west(network, 30.0, 4)
    leaving = [replace(r, route_id="L1", direction_id=0 if k < 2 else 1) for k, r in enumerate(leaving)]
    events = run(tracker, waiting + leaving)
    assert (next_trip(network), 1) in {(e.trip_id, e.stop_sequence) for e in events}


def test_a_bus_first_seen_at_a_terminal_under_the_last_direction_takes_the_next_departure(
        network: Network) -> None:
    # A bus first seen standing at direction 1's first stop (direction 0's
    # last) while its feed still names direction 0: the departure from there.
    tracker = Tracker(network)
    standing = replace(report(network, BACK_DEPARTS - 120, 0.0, pattern="L1-1", speed=0.0),
                       route_id="L1", direction_id=0)
    state = tracker.observe(standing).state
    assert state is not None and state.trip is not None
    assert (state.trip.direction_id, state.trip.trip_id) == (1, next_trip(network))


NORTH_M = 300.0


@pytest.fixture(scope="module")
def parallel() -> Network:
    """Line 1 with its way back on a parallel street 300 m north (a one-way
    pair): a bus turning off direction 0 short of its last stops is already
    on direction 1's first metres."""
    network = make_network(lines=1, stops_per_line=10)
    back = network.shapes["L1-1"]
    shapes = dict(network.shapes)
    shapes["L1-1"] = replace(back, lats=tuple(lat + NORTH_M / 111_195 for lat in back.lats))
    stops = dict(network.stops)
    for stop_id in network.patterns["L1-1"].stop_ids:
        stops[stop_id] = replace(stops[stop_id], lat=stops[stop_id].lat + NORTH_M / 111_195)
    return replace(network, shapes=shapes, stops=stops)


def test_a_bus_turning_onto_its_next_trip_before_the_last_stops_runs_it_from_its_first_stop(
        parallel: Network) -> None:
    # Direction 0 run to 3.0 km of 3.6 (its last stop never served), then
    # north to the parallel street, 600 m along direction 1, and west on it.
    tracker = Tracker(parallel)
    run(tracker, out_east(parallel, 3000.0))
    back = [report(parallel, BACK_DEPARTS + 60 + 30 * k, 600.0 + 200.0 * k, pattern="L1-1")
            for k in range(4)]
    events = run(tracker, back)
    following = next_trip(parallel)
    assert {e.trip_id for e in events} == {following}
    assert {1, 2, 3} <= {e.stop_sequence for e in events}


def test_a_trip_of_the_block_that_should_have_left_long_before_is_passed_over(network: Network) -> None:
    # A timetable built from observed runs can have a block overlap itself: its
    # next trip due an hour before the bus ends this one is another's; the bus
    # waits for the one after it.
    blocks = dict(network.trips_by_block)
    block = network.trips[FIRST].block_id
    assert block is not None
    stale = replace(network.trips[next_trip(network)], trip_id="L1-stale-1",
                    arrivals=tuple(t - 3600 for t in network.trips[next_trip(network)].arrivals),
                    departures=tuple(t - 3600 for t in network.trips[next_trip(network)].departures))
    position = blocks[block].index(FIRST)
    blocks[block] = (*blocks[block][:position + 1], stale.trip_id, *blocks[block][position + 1:])
    overlapping = replace(network, trips={**network.trips, stale.trip_id: stale}, trips_by_block=blocks)
    tracker = Tracker(overlapping)
    run(tracker, out_east(overlapping, 3600.0))
    state = tracker.observe(report(overlapping, BACK_DEPARTS - 120, 0.0, pattern="L1-1", speed=0.0)).state
    assert state is not None and state.trip is not None and state.trip.trip_id == next_trip(network)


def test_a_bus_running_late_keeps_its_blocks_next_trip(network: Network) -> None:
    # Held 50 min halfway (past the 40 min a trip is matched that late), the
    # 06:00 trip's bus still runs its block's 06:14 trip next: only a trip due
    # before this one ends is passed over.
    late = 50 * 60
    tracker = Tracker(network)
    outbound = out_east(network, 3600.0)
    held = [r for r in outbound if r.timestamp < DEPARTS + 270]
    held += [report(network, DEPARTS + 270 + 60 * k, 1800.0, speed=0.0) for k in range(late // 60)]
    held += [replace(r, timestamp=r.timestamp + late, received_at=r.received_at + late)
             for r in outbound if r.timestamp >= DEPARTS + 270]
    events = run(tracker, held)
    assert (FIRST, 10) in {(e.trip_id, e.stop_sequence) for e in events}
    waiting = report(network, BACK_DEPARTS + late - 120, 0.0, pattern="L1-1", speed=0.0)
    state = tracker.observe(waiting).state
    assert state is not None and state.trip is not None and state.trip.trip_id == next_trip(network)
