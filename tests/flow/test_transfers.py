"""Transfers between lines and journeys of linked legs: a change from A to B
within the window is counted with its wait; the same line twice, a ride hours
later, a ride of the next service day and a leg with no alighting stop are not."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.flow.helpers import DAY, at, make_network
from transit.flow.boarding import Boarding
from transit.flow.chaining import Alighting
from transit.flow.transfers import infer_transfers

NETWORK = make_network()
OFF_AT_A4 = at(7.3)  # the bus of A0-1 reaches A4


def ride(tap_id: str, card: str, trip_id: str, stop_id: str, time: float, day=DAY) -> Boarding:  # type: ignore[no-untyped-def]
    pattern = NETWORK.patterns[NETWORK.trips[trip_id].pattern_id]
    index = pattern.stop_ids.index(stop_id)
    return Boarding(tap_id, card, "bus", day, trip_id, pattern.pattern_id, index, index + 1,
                    stop_id, time, 1.0)


def off(tap_id: str, stop_id: str = "A4", time: float | None = OFF_AT_A4, walk_m: float = 150.0) -> Alighting:
    index = NETWORK.patterns["A0"].stop_ids.index(stop_id)
    return Alighting(tap_id, index, index + 1, stop_id, time, walk_m, False)


def test_transfers_are_counted_with_their_waits_and_the_rest_are_not() -> None:
    morning = at(7.1)
    boardings = [
        # Three cards change from A at A4 to B at B2, 150 m away, after 5, 7 and 10 min;
        # the third paid for a companion on A (two taps, one leg).
        ride("1a", "card-1", "A0-1", "A1", morning), ride("1b", "card-1", "B0-1", "B2", OFF_AT_A4 + 300),
        ride("2a", "card-2", "A0-1", "A1", morning), ride("2b", "card-2", "B0-1", "B2", OFF_AT_A4 + 420),
        ride("3a", "card-3", "A0-1", "A2", morning), ride("3c", "card-3", "A0-1", "A2", morning + 2),
        ride("3b", "card-3", "B0-1", "B2", OFF_AT_A4 + 600),
        # Untracked at its alighting stop: the wait runs from the schedule (07:06).
        ride("8a", "card-8", "A0-1", "A1", morning), ride("8b", "card-8", "B0-1", "B3", at(7.1) + 240),
        # Not transfers: the same line again; a ride hours later; a ride of the next
        # service day; a leg whose alighting stop is unknown.
        ride("4a", "card-4", "A0-1", "A1", morning), ride("4b", "card-4", "A0-2", "A5", OFF_AT_A4 + 300),
        ride("5a", "card-5", "A0-1", "A1", morning), ride("5b", "card-5", "B0-3", "B2", at(17.1)),
        ride("6a", "card-6", "A0-1", "A1", morning),
        ride("6b", "card-6", "B0-1", "B2", OFF_AT_A4 + 300, DAY + timedelta(days=1)),
        ride("7a", "card-7", "A0-1", "A1", morning), ride("7b", "card-7", "B0-1", "B2", OFF_AT_A4 + 300),
    ]
    alightings = {t: off(t) for t in ("1a", "2a", "3a", "3c", "4a", "5a", "6a")}
    alightings["8a"] = off("8a", time=None, walk_m=550.0)
    result = infer_transfers(NETWORK, boardings, alightings)

    assert [(f.from_route_id, f.to_route_id, f.from_stop_id, f.to_stop_id, f.transfers, f.mean_wait_s,
             f.median_wait_s, f.walk_m) for f in result.flows] == [
        ("A", "B", "A4", "B2", 3, pytest.approx(440.0), 420.0, 150.0),
        ("A", "B", "A4", "B3", 1, 240.0, 240.0, 550.0)]
    today, tomorrow = result.journeys
    assert today.service_date == DAY and tomorrow.service_date == DAY + timedelta(days=1)
    # 8 cards, 15 legs today: 4 linked (two legs each), 4 x 2 single legs + card-6's first.
    assert (today.legs, today.journeys, today.transfers) == (15, 11, 4)
    assert today.by_legs == {1: 7, 2: 4}
    assert (tomorrow.legs, tomorrow.journeys, tomorrow.by_legs) == (1, 1, {1: 1})


def test_a_wait_past_the_window_or_a_long_walk_breaks_the_journey() -> None:
    boardings = [ride("a", "card", "A0-1", "A1", at(7.1)), ride("b", "card", "B0-1", "B2", OFF_AT_A4 + 1801),
                 ride("c", "card", "A1-3", "A3", at(17.1))]
    result = infer_transfers(NETWORK, boardings, {"a": off("a")})
    assert result.flows == () and result.journeys[0].by_legs == {1: 3}
    boardings[1] = ride("b", "card", "B0-1", "B2", OFF_AT_A4 + 1799)
    (linked,) = infer_transfers(NETWORK, boardings, {"a": off("a")}).flows
    assert linked.median_wait_s == 1799.0
    far = infer_transfers(NETWORK, boardings, {"a": off("a", walk_m=1100.0)})
    assert far.flows == () and far.journeys[0].legs_per_journey == 1.0
