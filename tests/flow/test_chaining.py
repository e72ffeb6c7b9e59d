"""Alighting stops by trip chaining: anchors, walking distance, time, failures."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.flow.helpers import DAY, at, make_network, trip_events
from transit.flow.boarding import Boarding
from transit.flow.chaining import ChainFailure, chain_boardings
from transit.flow.dwells import list_dwells
from transit.flow.params import FlowParams
from transit.flow.walk import stop_plane

NETWORK = make_network()
PLANE = stop_plane(NETWORK)
EVENTS = (trip_events(NETWORK, "A0-1", "bus-a", at(7)) + trip_events(NETWORK, "B0-1", "bus-b", at(8))
          + trip_events(NETWORK, "B1-3", "bus-b", at(16.5))
          + trip_events(NETWORK, "A1-3", "bus-a", at(17)))
TRIPS = list_dwells(NETWORK, EVENTS).trips


def board(tap_id: str, trip_id: str, stop_index: int, hour: float, account: str = "card-1") -> Boarding:
    trip = NETWORK.trips[trip_id]
    stop_id = NETWORK.patterns[trip.pattern_id].stop_ids[stop_index]
    return Boarding(tap_id, account, "bus", DAY, trip_id, trip.pattern_id, stop_index,
                    stop_index + 1, stop_id, at(hour), 1.0)


# The walking limit these tests were drawn for (the default is the literature's 1 km).
WALK_800 = FlowParams(walk_m=800.0)


def chain(*boardings: Boarding, params: FlowParams = WALK_800):  # type: ignore[no-untyped-def]
    return chain_boardings(boardings, NETWORK, PLANE, TRIPS, params)


def test_a_day_out_and_back_chains_every_trip() -> None:
    # Home at A1; out on line A, across to line B (B2 is 150 m from A4), up to B4;
    # back down line B, across to line A at A4, and home.
    chains = chain(board("t1", "A0-1", 0, 7), board("t2", "B0-1", 1, 8),
                   board("t3", "B1-3", 0, 16.5), board("t4", "A1-3", 2, 17))
    first = chains.alightings["t1"]
    assert (first.stop_id, first.to_first, first.walk_m) == ("A4", False, 150.0)
    assert first.time is not None and at(7) < first.time < at(8)
    assert chains.alightings["t2"].stop_id == "B4"
    assert chains.alightings["t3"].stop_id == "B2"  # 150 m from A4; B1 is 250 m
    last = chains.alightings["t4"]
    assert (last.stop_id, last.to_first, last.walk_m) == ("A1", True, 0.0)
    assert chains.failures == {}


def test_a_single_trip_day_and_companions_on_one_trip_are_not_guessed() -> None:
    chains = chain(board("t1", "A0-1", 0, 7), board("t2", "A0-1", 0, 7.001),
                   board("t9", "A0-1", 1, 7, account="card-2"))
    assert chains.alightings == {}
    assert chains.failures == {t: ChainFailure.SINGLE_TRIP for t in ("t1", "t2", "t9")}


def test_companions_chain_past_each_other_to_the_next_trip() -> None:
    chains = chain(board("t1", "A0-1", 0, 7), board("t2", "A0-1", 0, 7.001),
                   board("t3", "B0-1", 1, 8))
    assert chains.alightings["t1"].stop_id == chains.alightings["t2"].stop_id == "A4"


def test_a_next_boarding_beyond_walking_distance_fails_the_chain() -> None:
    # From A2 eastwards, the next boarding at B4 (the far end of line B) is 1 km+ from line A.
    chains = chain(board("t1", "A0-1", 1, 7), board("t2", "B0-1", 3, 8))
    assert chains.failures["t1"] is ChainFailure.TOO_FAR


def test_only_stops_after_the_boarding_stop_and_reached_in_time_count() -> None:
    # Boarded at A5: A4 (the transfer) is behind; A6 is 400 m further from B2 than 800 m allows.
    chains = chain(board("t1", "A0-1", 4, 7), board("t2", "B0-1", 1, 8))
    assert chains.failures["t1"] is ChainFailure.TOO_FAR
    # The next boarding at 07:01, before the bus reached A3 or A4: no stop in reach in time.
    early = replace(board("t2", "B0-1", 1, 8), time=at(7) + 60)
    chains = chain(board("t1", "A0-1", 0, 7), early)
    assert chains.failures["t1"] is ChainFailure.TOO_LATE


def test_the_default_walk_is_the_literatures_1_km() -> None:
    # B4 is 950 m north of A4: beyond 800 m, within the default 1 km.
    out, on = board("t1", "A0-1", 0, 7), board("t2", "B0-1", 3, 8)
    assert chain(out, on).failures["t1"] is ChainFailure.TOO_FAR
    found = chain(out, on, params=FlowParams()).alightings["t1"]
    assert (found.stop_id, found.walk_m) == ("A4", 950.0)


def test_a_ride_penalty_trades_a_longer_walk_for_getting_off_earlier() -> None:
    # Out from A1, next boarding at B1, 250 m south of A4: A4 is closest; A3 is
    # 472 m away but 400 m less riding, cheaper once a metre ridden costs more
    # than (472 - 250) / 400 = 0.56 m of walk.
    out, on = board("t1", "A0-1", 0, 7), board("t2", "B0-1", 0, 8)
    for penalty, stop_id in ((0.0, "A4"), (0.5, "A4"), (1.0, "A3")):
        found = chain(out, on, params=FlowParams(walk_m=800.0, ride_penalty=penalty))
        assert found.alightings["t1"].stop_id == stop_id, penalty
    # Within 1 km, A2 (838 m walk, 400 m ridden: 1,238) beats A3 (472 + 800).
    found = chain(out, on, params=FlowParams(ride_penalty=1.0)).alightings["t1"]
    assert (found.stop_id, round(found.walk_m)) == ("A2", 838)


@pytest.mark.parametrize("bad", [{"walk_m": 0.0}, {"walk_m": -5.0}, {"ride_penalty": -0.1},
                                 {"ride_penalty": float("nan")}])
def test_a_walk_limit_or_ride_penalty_out_of_range_is_refused(bad: dict) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        FlowParams(**bad)
