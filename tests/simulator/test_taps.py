"""Passengers and taps: one tap per journey, media per the mix, tourist surges."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np

from feeds.simulator import SimulationParams, simulate_day
from feeds.simulator.demand import normalised_weights
from tests.simulator.helpers import SATURDAY, WEEKDAY, make_network
from transit.records import PaymentMedium


def test_taps_match_journeys_one_to_one(day):
    journeys = {j.tap_id: j for j in day.journeys}
    assert len(journeys) == len(day.taps) == day.stats.passengers > 0
    passages = {(p.trip_id, p.stop_sequence): p for p in day.passages}
    for tap in day.taps:
        journey = journeys[tap.tap_id]
        assert (tap.account, tap.medium, tap.vehicle_id, tap.timestamp) == (
            journey.account, journey.medium, journey.vehicle_id, journey.boarded_at)
        board = passages[(journey.trip_id, journey.board_sequence)]
        alight = passages[(journey.trip_id, journey.alight_sequence)]
        assert board.stop_id == journey.board_stop_id
        assert alight.stop_id == journey.alight_stop_id
        assert journey.board_sequence < journey.alight_sequence
        assert board.arrival <= tap.timestamp <= board.departure
        assert journey.alighted_at == alight.arrival
        assert tap.received_at > tap.timestamp
    boardings = Counter((j.trip_id, j.board_sequence) for j in day.journeys)
    alightings = Counter((j.trip_id, j.alight_sequence) for j in day.journeys)
    for key, p in passages.items():
        assert (boardings[key], alightings[key]) == (p.boardings, p.alightings)


def test_accounts_repeat_and_look_like_their_medium(day):
    per_account = Counter(t.account for t in day.taps)
    assert max(per_account.values()) >= 2
    for tap in day.taps:
        if tap.medium is PaymentMedium.CARD:
            assert tap.account.startswith("3100") and len(tap.account) == 16
        elif tap.medium is PaymentMedium.ALIPAY:
            assert tap.account.startswith("2088") and len(tap.account) == 16
        else:
            assert tap.account.startswith("wx")


def test_media_shares_follow_the_mix_on_a_larger_run(network):
    params = SimulationParams(boardings_per_stop_hour=30.0)
    busy = simulate_day(network, WEEKDAY, seed=11, params=params)
    counts = Counter(t.medium for t in busy.taps)
    total = sum(counts.values())
    assert total > 10_000
    for medium, share in zip((PaymentMedium.CARD, PaymentMedium.WECHAT,
                              PaymentMedium.ALIPAY), params.payment_mix):
        assert abs(counts[medium] / total - share) < 0.03


def tourist_boardings(network, day, params, stop_id):
    demand = {stop_id: (1.0, 6.0)}
    simulated = simulate_day(network, day, seed=9, params=params, demand=demand)
    return sum(p.boardings for p in simulated.passages if p.stop_id == stop_id)


def test_tourist_season_and_weekends_raise_boardings_at_tourist_stops():
    network = make_network(lines=1)
    stop_id = "L1-0-S03"
    off = tourist_boardings(network, WEEKDAY, SimulationParams(), stop_id)
    season = tourist_boardings(network, WEEKDAY, SimulationParams(tourist_season=True), stop_id)
    weekend = tourist_boardings(network, SATURDAY, SimulationParams(), stop_id)
    assert season > 1.5 * off
    assert weekend > 1.5 * off


def test_demand_weights_default_to_uniform_and_keep_their_ratio():
    assert normalised_weights(["a", "b"], None) == {"a": (1.0, 0.0), "b": (1.0, 0.0)}
    scaled = normalised_weights(["a", "b"], {"a": (2.0, 4.0), "b": (6.0, 0.0)})
    assert scaled == {"a": (0.5, 1.0), "b": (1.5, 0.0)}


def test_no_trips_no_riders(network):
    empty = replace(network, trips={})
    quiet = simulate_day(empty, WEEKDAY, seed=1)
    assert quiet.reports == quiet.taps == quiet.passages == ()
    assert np.isclose(quiet.stats.passengers, 0)
