"""Bad input gets an explanation in the input's own terms, never a bare solver status."""

from __future__ import annotations

from dataclasses import replace

import pytest

from optimizer.blocks import Code, Depot, InvalidBlockingInput, block_network, block_trips, parse_mdvsp
from tests.optimizer.helpers import network, seconds, shuttle, trip


def _problems(error: pytest.ExceptionInfo[InvalidBlockingInput]) -> dict[Code, str]:
    return {p.code: p.message for p in error.value.problems}


def test_a_depot_with_no_capacity_is_named() -> None:
    with pytest.raises(InvalidBlockingInput) as error:
        block_trips(shuttle((Depot("D", 0, "D"), Depot("E", 3, "E"))), seconds())
    assert _problems(error) == {Code.DEPOT_WITHOUT_CAPACITY: _problems(error)[Code.DEPOT_WITHOUT_CAPACITY]}
    assert "depot D has capacity 0" in str(error.value)


def test_a_depot_with_no_capacity_in_the_benchmark_format() -> None:
    text = "2 2 0 3\n-1 -1 10 10\n-1 -1 10 10\n10 10 -1 5\n10 10 -1 -1\n"
    with pytest.raises(InvalidBlockingInput) as error:
        block_network(parse_mdvsp(text), seconds())
    assert "depot D1 has capacity 0" in _problems(error)[Code.DEPOT_WITHOUT_CAPACITY]


def test_a_trip_no_vehicle_can_reach() -> None:
    # Trip 2's column is -1 everywhere: no pull-out to it, no trip before it.
    instance = network(pull_out=[[10, -1, 10]], pull_in=[[10], [10], [10]],
                       connections=[(0, 2, 5)], capacities=[3])
    with pytest.raises(InvalidBlockingInput) as error:
        block_network(instance, seconds())
    problem = error.value.problems[0]
    assert (problem.code, problem.trip_id) == (Code.TRIP_UNREACHABLE, "T2")
    assert "no depot may pull out to it and no trip connects to it" in problem.message


def test_a_trip_reached_only_from_unreachable_trips_is_explained_as_such() -> None:
    instance = network(pull_out=[[10, -1, -1]], pull_in=[[10], [10], [10]],
                       connections=[(1, 2, 5)], capacities=[3])
    with pytest.raises(InvalidBlockingInput) as error:
        block_network(instance, seconds())
    messages = _problems(error)[Code.TRIP_UNREACHABLE]
    assert "themselves out of every vehicle's reach" in messages
    assert [p.trip_id for p in error.value.problems] == ["T2", "T3"]


def test_a_trip_after_which_no_vehicle_gets_home() -> None:
    instance = network(pull_out=[[10, 10], [10, 10]], pull_in=[[10, 10], [-1, -1]],
                       connections=[(0, 1, 5)], capacities=[1, 1])
    with pytest.raises(InvalidBlockingInput) as error:
        block_network(instance, seconds())
    problem = error.value.problems[0]
    assert (problem.code, problem.trip_id) == (Code.TRIP_STRANDED, "T2")


def test_a_trip_that_ends_before_it_starts() -> None:
    instance = shuttle((Depot("D", 5, "D"),))
    late = trip("t5", "A", "11:00", "B", "10:50")
    with pytest.raises(InvalidBlockingInput) as error:
        block_trips(replace(instance, trips=(*instance.trips, late)), seconds())
    problem = error.value.problems[0]
    assert (problem.code, problem.trip_id) == (Code.TRIP_ENDS_BEFORE_START, "t5")
    assert problem.message == "trip t5 ends at 10:50:00, before it starts at 11:00:00"


def test_more_trips_at_peak_than_the_depots_hold_says_by_how_much() -> None:
    with pytest.raises(InvalidBlockingInput) as error:
        block_trips(shuttle((Depot("D", 1, "D"),)), seconds())
    problem = error.value.problems[0]
    assert (problem.code, problem.shortfall) == (Code.FLEET_OVER_CAPACITY, 1)
    assert problem.message == (
        "at 08:30, 2 trips are running or in layover at once, and no chaining of the trips by their "
        "connections needs fewer than 2 vehicles; the depots hold 1 in all (D 1): 1 vehicle(s) short")


def test_depots_too_small_for_the_trips_only_they_may_serve() -> None:
    # T1 and T2 overlap and only D1 may serve them; D1 holds one vehicle, D2 plenty.
    instance = network(pull_out=[[10, 10, 10], [-1, -1, 10]], pull_in=[[10, -1], [10, -1], [10, 10]],
                       connections=[], capacities=[1, 5])
    with pytest.raises(InvalidBlockingInput) as error:
        block_network(instance, seconds())
    problem = error.value.problems[0]
    assert (problem.code, problem.shortfall) == (Code.DEPOT_SHORT, 1)
    assert "D1 +1" in problem.message


def test_one_depot_too_small_for_where_it_may_go() -> None:
    instance = network(pull_out=[[10, 10]], pull_in=[[10], [10]], connections=[], capacities=[1])
    with pytest.raises(InvalidBlockingInput) as error:
        block_network(instance, seconds())
    assert error.value.problems[0].code is Code.FLEET_OVER_CAPACITY


def test_missing_deadheads_are_listed() -> None:
    instance = shuttle((Depot("D", 5, "D"),))
    kept = tuple(h for h in instance.deadheads if (h.from_place, h.to_place) not in {("B", "A"), ("A", "D")})
    with pytest.raises(InvalidBlockingInput) as error:
        block_trips(replace(instance, deadheads=kept), seconds())
    message = _problems(error)[Code.DEADHEAD_MISSING]
    assert "2 move(s)" in message and "A -> D" in message and "B -> A" in message


def test_a_cycle_of_connections_is_refused() -> None:
    instance = network(pull_out=[[10, 10]], pull_in=[[10], [10]], connections=[(0, 1, 5), (1, 0, 5)],
                       capacities=[2])
    with pytest.raises(InvalidBlockingInput) as error:
        block_network(instance, seconds())
    assert "a trip would follow itself" in _problems(error)[Code.CONNECTION_CYCLE]


def test_all_problems_are_reported_together() -> None:
    instance = shuttle((Depot("D", 0, "D"), Depot("D", 2, None)))
    with pytest.raises(InvalidBlockingInput) as error:
        block_trips(instance, seconds())
    assert set(_problems(error)) == {Code.DEPOT_WITHOUT_CAPACITY, Code.DUPLICATE_ID, Code.UNKNOWN_PLACE}
