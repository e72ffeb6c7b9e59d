"""Transfer timing at a hand-made hub: line A reaches hub stop H 10 min after it
leaves (06:00 and 07:00 only: first and last, so it cannot move); line B leaves
H every 10 min from 06:00 to 08:00. Ten riders an hour change from A to B.

With a 1-min walk they are ready at 06:11 and 07:11 and wait 9 min for B's
06:20 and 07:20. The optimum moves B's 06:10 and 07:10 to 06:11 and 07:11:
transfer waits fall to 0 (-180 passenger-minutes). B's first and last
departures are fixed and its gaps add up to 120 min, so with a first gap of 11
min some later gap is 9: the headway changes cost at least 1 + 1 minutes, and
shifting B's whole interior by one minute costs exactly that (+2).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from optimizer.blocks.deadline import Deadline
from optimizer.timetable.errors import InputError
from optimizer.timetable.hubs import (Hub, HubParams, TransferDemand, demand_from_cards, demand_from_profiles,
                                      named_hubs)
from optimizer.timetable.model import DirectionInput, Status
from optimizer.timetable.settings import FleetLimit
from optimizer.timetable.transfer_timing import time_transfers
from tests.flow import helpers as flow_helpers
from tests.optimizer.departure_inputs import at, direction, period, profile, running
from transit.flow.transfers import Transfer

A, B = ("A", 0), ("B", 0)
PARAMS = HubParams(window_s=180, max_wait_s=600, time_limit_s=5.0)


def hub_lines(min_headway: float = 3, max_headway: float = 15) -> dict:
    a = direction((period("day", "05:00", "09:00", 60, 3),), profile("05:00", [0] * 4, stops=("X", "H", "Y")),
                  running("05:00", 20, bins=4, stops=3), "06:00", "07:00")
    b = direction((period("day", "05:00", "09:00", max_headway, min_headway),),
                  profile("05:00", [0] * 4, stops=("H", "Z", "W")), running("05:00", 20, bins=4, stops=3),
                  "06:00", "08:00")
    return {A: replace(a, route_id="A"), B: replace(b, route_id="B")}


def timed() -> dict:
    return {A: (at("06:00"), at("07:00")), B: tuple(at("06:00") + 600 * k for k in range(13))}


def demand(walk_s: int = 60, riders: float = 10.0) -> list[TransferDemand]:
    return [TransferDemand("H", A, 1, B, 0, walk_s, at(hour), 3600, riders) for hour in ("06:00", "07:00")]


def gaps_min(departures: tuple[int, ...]) -> list[float]:
    return [(b - a) / 60 for a, b in zip(departures, departures[1:])]


def test_line_b_follows_line_a_arrivals_plus_walk() -> None:
    result = time_transfers(hub_lines(), timed(), demand(), ["H"], grid_s=60, params=PARAMS)
    b = result.departures[B]
    assert at("06:11") in b and at("07:11") in b
    assert result.departures[A] == timed()[A]
    assert (result.before[0].mean_wait_s, result.after[0].mean_wait_s) == (540, 0)
    assert result.before[0].riders == pytest.approx(20)
    assert result.wait_change_min == pytest.approx(-180)
    assert result.cost_change[B] == pytest.approx(2.0)
    assert result.cost_change[A] == 0
    assert result.status is Status.OPTIMAL
    assert (b[0], b[-1]) == (at("06:00"), at("08:00"))


def test_the_window_limits_each_shift_and_says_so() -> None:
    # A 3-min walk: ready at 06:13; B may move 1 min, so its 06:20 comes to 06:19 (6 min, was 7).
    narrow = replace(PARAMS, window_s=60)
    result = time_transfers(hub_lines(), timed(), demand(walk_s=180), ["H"], grid_s=60, params=narrow)
    assert all(abs(x - y) <= 60 for x, y in zip(result.departures[B], timed()[B]))
    assert (result.before[0].mean_wait_s, result.after[0].mean_wait_s) == (420, 360)
    assert any(b.constraint == "window" for b in result.bindings)


def test_headway_limits_are_kept() -> None:
    result = time_transfers(hub_lines(min_headway=9.5, max_headway=10.5), timed(), demand(), ["H"], grid_s=30,
                            params=PARAMS)
    assert all(9.5 <= g <= 10.5 for g in gaps_min(result.departures[B]))
    assert result.after[0].mean_wait_s < 540  # half-minute steps still help
    fixed = time_transfers(hub_lines(min_headway=10, max_headway=10), timed(), demand(), ["H"], grid_s=60,
                           params=PARAMS)
    assert fixed.departures[B] == timed()[B] and fixed.moved == 0
    assert fixed.after[0].mean_wait_s == 540
    assert any(b.constraint == "unchanged" for b in fixed.bindings)


def test_the_fleet_window_is_kept() -> None:
    fleet = FleetLimit(2, 20 * 60)  # no more than 2 departures of B in any 20 min
    result = time_transfers(hub_lines(), timed(), demand(), ["H"], grid_s=60, params=PARAMS,
                            fleets={"B": fleet})
    b = result.departures[B]
    assert all(b[k + 2] - b[k] >= fleet.cycle_s for k in range(len(b) - 2))
    assert result.after[0].mean_wait_s < 540


class Ticking:
    """A clock one second later at every reading: the budget counts readings."""

    def __init__(self) -> None:
        self.now = -1.0

    def __call__(self) -> float:
        self.now += 1
        return self.now


def test_the_budget_is_honoured_and_named_when_it_binds() -> None:
    unbounded = time_transfers(hub_lines(), timed(), demand(), ["H"], grid_s=60, params=PARAMS)
    spare = time_transfers(hub_lines(), timed(), demand(), ["H"], grid_s=60, params=PARAMS,
                           deadline=Deadline(lambda: 0.0, 60.0))
    assert spare.departures == unbounded.departures and spare.status is Status.OPTIMAL
    assert not any(b.constraint == "time_limit" for b in spare.bindings)
    spent = time_transfers(hub_lines(), timed(), demand(), ["H"], grid_s=60, params=PARAMS,
                           deadline=Deadline(lambda: 10.0, 5.0))
    assert spent.departures == {A: timed()[A], B: timed()[B]} and spent.moved == 0
    assert spent.status is Status.FEASIBLE and spent.before == spent.after
    (budget,) = [b for b in spent.bindings if b.constraint == "time_limit"]
    assert "hub budget (5 s of wall time, --hub-budget) ran out after 0 direction solve(s)" in budget.message
    assert (budget.amount, budget.unit) == (1, "directions")


def test_the_descent_stops_between_directions_when_the_budget_runs_out() -> None:
    # A (06:00, 06:30, 07:00) may move its middle trip too: two directions to solve,
    # A first (as many transfer riders, then by name); the budget lets one solve start.
    departures = {A: (at("06:00"), at("06:30"), at("07:00")), B: timed()[B]}
    clock = Ticking()
    result = time_transfers(hub_lines(), departures, demand(), ["H"], grid_s=60, params=PARAMS,
                            deadline=Deadline.after(1.5, clock))
    assert result.departures[B] == departures[B]  # never solved
    (budget,) = [b for b in result.bindings if b.constraint == "time_limit"]
    assert "ran out after 1 direction solve(s), 1 of the 2 directions still to solve" in budget.message
    assert clock.now == 2  # the deadline set, then read once before each direction


def test_no_demand_leaves_the_timetable_and_says_why() -> None:
    result = time_transfers(hub_lines(), timed(), [], ["H"], grid_s=60, params=PARAMS)
    assert result.status is None and result.departures == {} and result.moved == 0
    assert [b.constraint for b in result.bindings] == ["no_demand"]
    assert "no riders change" in result.bindings[0].message


def test_a_hub_is_its_stop_and_the_stops_within_the_walk() -> None:
    network = flow_helpers.make_network()
    (hub,) = named_hubs(network, ["A4"], HubParams(walk_m=300))
    assert hub.stop_ids == ("A4", "B1", "B2")  # B2 150 m, B1 250 m away; A3, A5 400 m
    assert hub.walk_s[("A4", "A4")] == 60  # the minimum transfer time
    assert hub.walk_s[("A4", "B1")] == pytest.approx(250, abs=1)  # metres at 1 m/s, rounded up


def test_an_unknown_hub_stop_is_refused_by_name() -> None:
    with pytest.raises(InputError, match="hub stop NOWHERE: no such stop"):
        named_hubs(flow_helpers.make_network(), ["A4", "NOWHERE"])


def test_card_transfers_become_demand_per_direction_pair_and_hour() -> None:
    network = flow_helpers.make_network()
    hubs = named_hubs(network, ["A4"])
    # Line A direction 0 (A1 -> A6) and line B direction 0 (B1 -> B4), both calling at the hub.
    a = replace(hub_lines()[A], profile=replace(profile("05:00", [0] * 4, stops=tuple(f"A{i}" for i in range(1, 7))),
                                                pattern_id="A0"),
                running=running("05:00", 20, bins=4, stops=6), route_id="A")
    b = replace(hub_lines()[B], profile=replace(profile("05:00", [0] * 4, stops=("B1", "B2", "B3", "B4")),
                                                pattern_id="B0"),
                running=running("05:00", 20, bins=4, stops=4), route_id="B")
    transfers = [Transfer(flow_helpers.DAY, "A0-1", "B0-1", "A4", "B2", flow_helpers.at(7.1), 150, 60)] * 3
    transfers.append(Transfer(flow_helpers.DAY, "A0-1", "B0-1", "A2", "B2", flow_helpers.at(7.1), 900, 60))
    found = demand_from_cards(network, hubs, transfers, [a, b])
    assert found.source == "cards"
    (row,) = found.demand
    assert (row.arriving, row.arrive_index, row.departing, row.depart_index) == (A, 3, B, 1)
    assert (row.bin_start_s, row.riders) == (at("07:00"), 3.0)
    assert row.walk_s == pytest.approx(150, abs=1)  # A4 to B2 at 1 m/s


def test_without_card_transfers_demand_is_estimated_from_alightings_and_boardings() -> None:
    # A (X -> Y -> H) brings 100 riders an hour to H leaving X 06:00-07:00, 20 min before;
    # B and C board 20 and 60 at H: 20% of A's riders change, a quarter of them to B.
    hub = Hub("H", ("H",), {("H", "H"): 60})

    def line(route: str, stops: tuple[str, ...], riders: float) -> DirectionInput:
        made = direction((period("day", "05:00", "09:00", 15, 3),), profile("05:00", [0, riders, 0, 0], stops=stops),
                         running("05:00", 20, bins=4, stops=3), "06:00", "08:00")
        return replace(made, route_id=route)

    found = demand_from_profiles([hub], [line("A", ("X", "Y", "H"), 100), line("B", ("H", "Z", "W"), 40),
                                         line("C", ("H", "V", "U"), 120)], share=0.2)
    assert found.source == "estimate" and "an assumption" in found.notes[0]
    assert [(d.arriving, d.departing, d.bin_start_s, d.riders) for d in found.demand] == [
        (A, B, at("06:20"), pytest.approx(5.0)), (A, ("C", 0), at("06:20"), pytest.approx(15.0))]
    with pytest.raises(InputError, match="transfer share 0"):
        demand_from_profiles([hub], [], share=0)
