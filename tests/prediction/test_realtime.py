"""How far a trip's own pace is trusted: learned from how noisy today's
segment times are against how much trips really differ."""

from __future__ import annotations

import random

from transit.prediction.realtime import (
    MAX_TRIP_PRIOR_WEIGHT, MIN_TRIPS_FOR_SHRINKAGE, TRIP_PRIOR_WEIGHT, Shrinkage, TripResidual,
)


def finished_trips(effect_sd: float, noise_sd: float, trips: int = 200, segments: int = 15) -> Shrinkage:
    rng = random.Random(5)
    shrinkage = Shrinkage()
    for _ in range(trips):
        effect = rng.gauss(0.0, effect_sd)
        trip = TripResidual()
        for _ in range(segments):
            trip.add(effect + rng.gauss(0.0, noise_sd))
        shrinkage.finished(trip)
    return shrinkage


def test_until_enough_trips_finished_the_prior_weight_holds() -> None:
    assert finished_trips(0.2, 0.05, trips=MIN_TRIPS_FOR_SHRINKAGE - 1).prior_weight == TRIP_PRIOR_WEIGHT


def test_precise_segments_and_real_trip_effects_trust_a_bus_s_own_pace() -> None:
    # sigma2 / tau2 = 0.05^2 / 0.2^2 ~ 0.06: clamped to the floor of 1.
    assert finished_trips(0.2, 0.05).prior_weight == 1.0


def test_noisy_segments_and_no_trip_effect_shrink_it_away() -> None:
    weight = finished_trips(0.0, 0.4).prior_weight
    assert weight == MAX_TRIP_PRIOR_WEIGHT
    trip = TripResidual()
    for deviation in (0.5, 0.3, 0.4):
        trip.add(deviation)
    assert trip.factor(weight) < 1.05 < trip.factor()


def test_the_ratio_of_variances_is_recovered() -> None:
    # tau = 0.1, sigma = 0.3: sigma2 / tau2 = 9.
    assert 6.0 < finished_trips(0.1, 0.3, trips=2000).prior_weight < 12.0
