"""Live crowding, pure: taps board riders where the bus is, stop events let
them off by the alighting shares, the trip's end empties the bus."""

from __future__ import annotations

import pytest

from tests.flow.helpers import DAY, at, make_network, trip_events
from transit.flow.alighting_shares import AlightingShares
from transit.flow.crowding import (
    Crowding,
    CrowdingParams,
    Occupancy,
    OnBoard,
    Unplaced,
    board,
    crowding_json,
    crowding_of,
    find_crowding,
    pass_stop,
)
from transit.flow.od import OdFlow
from transit.tracking.state import StopStatus, TripRef, VehicleState

NETWORK = make_network()  # line A: A1..A6; trip A0-2 leaves A1 at 08:00
TRIP = "A0-2"
EVEN = AlightingShares(NETWORK)


def state(index: int | None, status: StopStatus = StopStatus.STOPPED_AT, trip_id: str | None = TRIP,
          vehicle_id: str = "V1") -> VehicleState:
    trip = None if trip_id is None else TripRef(trip_id, "A", 0, DAY, 8 * 3600, None)
    return VehicleState(vehicle_id, at(8), 35.0, 109.0, 5.0, 90.0, trip, index,
                        None if index is None else index + 1, None, status, None, None)


def ride(taps_at: dict[int, int], shares: AlightingShares = EVEN, passed: int = -1) -> OnBoard:
    """The estimate after ``taps_at[index]`` taps at each stop index (the bus
    standing there), passing the stops before each, then up to ``passed``."""
    events = trip_events(NETWORK, TRIP, "V1", at(8))
    current: OnBoard | None = None
    done = -1
    for index in sorted(taps_at):
        for event in events[done + 1:index]:
            assert current is not None
            current = pass_stop(current, event, NETWORK, at(8.1))
        done = max(done, index - 1)
        for _ in range(taps_at[index]):
            placed = board(current, state(index), NETWORK, shares, at(8) + index)
            assert isinstance(placed, OnBoard)
            current = placed
    assert current is not None
    for event in events[done + 1:passed + 1]:
        current = pass_stop(current, event, NETWORK, at(8.2))
    return current


def test_riders_spread_evenly_leave_stop_by_stop_without_a_built_day() -> None:
    on_board = ride({0: 10})
    assert on_board.load == 10 and not on_board.learned
    assert on_board.due == pytest.approx((0, 2, 2, 2, 2, 2))  # 10 riders over A2..A6
    assert ride({0: 10}, passed=1).load == pytest.approx(8)
    assert ride({0: 10}, passed=3).load == pytest.approx(4)


def test_riders_boarding_later_only_leave_after_their_stop() -> None:
    on_board = ride({0: 5, 3: 4}, passed=3)
    # 5 at A1 (1 off at each of A2..A4 so far) and 4 at A4 (none off yet).
    assert on_board.boardings == 9 and on_board.load == pytest.approx(2 + 4)
    assert on_board.due == pytest.approx((0, 0, 0, 0, 1 + 2, 1 + 2))


def test_learned_shares_from_a_built_day_set_where_riders_leave() -> None:
    od = [OdFlow(DAY, "A", 8, "A1", "A3", 6.0, 6.0), OdFlow(DAY, "A", 8, "A1", "A5", 4.0, 0.0)]
    shares = AlightingShares(NETWORK, od)
    on_board = ride({0: 10}, shares)
    assert on_board.learned and on_board.due == pytest.approx((0, 0, 6, 0, 4, 0))
    assert ride({0: 10}, shares, passed=2).load == pytest.approx(4)
    assert ride({0: 10}, shares, passed=4).load == pytest.approx(0)


def test_shares_fall_back_to_the_whole_day_then_to_even() -> None:
    od = [OdFlow(DAY, "A", 7, "A1", "A2", 5.0, 5.0), OdFlow(DAY, "A", 8, "A1", "A6", 1.0, 1.0)]
    shares = AlightingShares(NETWORK, od)
    # Hour 8 holds 1 rider from A1 (under 5): the day's 6 speak for it.
    assert shares.find("A0", 8, 0).by_stop == pytest.approx((0, 5 / 6, 0, 0, 0, 1 / 6))
    assert shares.find("A0", 8, 0).learned
    # Nobody rode from A2 that day: evenly over A3..A6, and said so.
    found = shares.find("A0", 8, 1)
    assert found.by_stop == pytest.approx((0, 0, 0.25, 0.25, 0.25, 0.25)) and not found.learned


def test_a_tap_on_a_moving_bus_boards_at_the_stop_it_left() -> None:
    events = trip_events(NETWORK, TRIP, "V1", at(8))
    current = board(None, state(0), NETWORK, EVEN, at(8))
    assert isinstance(current, OnBoard)
    for event in events[:2]:
        current = pass_stop(current, event, NETWORK, at(8.05))
    moving = board(current, state(2, StopStatus.IN_TRANSIT_TO), NETWORK, EVEN, at(8.06))
    assert isinstance(moving, OnBoard)
    # The new rider boarded at A2 (index 1): a quarter due at each of A3..A6.
    assert [b - a for a, b in zip(current.due, moving.due)] == pytest.approx((0, 0, 0.25, 0.25, 0.25, 0.25))


def test_the_trip_end_empties_the_bus_and_the_next_trip_starts_anew() -> None:
    ended = ride({0: 7, 2: 3}, passed=5)
    assert ended.ended and ended.load == 0
    assert board(ended, state(5), NETWORK, EVEN, at(8.3)) is Unplaced.TRIP_END
    nxt = board(ended, state(0, trip_id="A0-3"), NETWORK, EVEN, at(17))
    assert isinstance(nxt, OnBoard)
    assert (nxt.trip_id, nxt.boardings, nxt.load, nxt.passed) == ("A0-3", 1, 1, -1)


def test_a_tap_with_no_tracked_trip_is_counted_not_placed() -> None:
    assert board(None, None, NETWORK, EVEN, at(8)) is Unplaced.NO_TRIP  # unknown vehicle
    assert board(None, state(None, trip_id=None), NETWORK, EVEN, at(8)) is Unplaced.NO_TRIP
    assert board(None, state(0, trip_id="gone"), NETWORK, EVEN, at(8)) is Unplaced.NO_TRIP


def test_an_event_of_another_trip_or_an_earlier_stop_changes_nothing() -> None:
    on_board = ride({0: 4}, passed=2)
    other = trip_events(NETWORK, "A0-1", "V1", at(7))[3]
    assert pass_stop(on_board, other, NETWORK, at(8.2)) is on_board
    again = trip_events(NETWORK, TRIP, "V1", at(8))[1]
    assert pass_stop(on_board, again, NETWORK, at(8.2)) is on_board


@pytest.mark.parametrize(("load", "status"), [
    (0, Occupancy.EMPTY), (3.9, Occupancy.EMPTY), (4, Occupancy.MANY_SEATS_AVAILABLE),
    (19.9, Occupancy.MANY_SEATS_AVAILABLE), (20, Occupancy.FEW_SEATS_AVAILABLE),
    (32, Occupancy.STANDING_ROOM_ONLY), (60, Occupancy.CRUSHED_STANDING_ROOM_ONLY),
    (79.9, Occupancy.CRUSHED_STANDING_ROOM_ONLY), (80, Occupancy.FULL), (95, Occupancy.FULL),
])
def test_status_by_share_of_capacity(load: float, status: Occupancy) -> None:
    assert CrowdingParams().status(load) is status


def test_bad_capacity_or_thresholds_are_refused_in_plain_words() -> None:
    with pytest.raises(ValueError, match="capacity must be a positive number of riders, got 0"):
        CrowdingParams(capacity=0)
    with pytest.raises(ValueError, match="thresholds must rise"):
        CrowdingParams(few_seats_below=0.2)


def test_percentage_status_and_json_of_an_estimate() -> None:
    crowding = crowding_of(ride({0: 30}), CrowdingParams(capacity=40))
    assert (crowding.load, crowding.percentage, crowding.status, crowding.boardings) == (
        30, 75, Occupancy.CRUSHED_STANDING_ROOM_ONLY, 30)
    assert crowding_json(crowding) == {"status": "crushed_standing_room_only", "percentage": 75,
                                       "label": "拥挤", "learned": False}
    assert crowding_json(None) is None


def test_an_estimate_is_found_only_for_the_trip_the_bus_runs() -> None:
    crowding: dict[str, Crowding] = {"V1": crowding_of(ride({0: 3}), CrowdingParams())}
    assert find_crowding(crowding, "V1", TRIP, DAY) is crowding["V1"]
    assert find_crowding(crowding, "V1", "A0-3", DAY) is None  # its next trip
    assert find_crowding(crowding, "V2", TRIP, DAY) is None  # no reader heard from
    assert find_crowding(crowding, None, TRIP, DAY) is None  # a timetable arrival
