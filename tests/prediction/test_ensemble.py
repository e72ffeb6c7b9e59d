"""The self-checking predictor: every method judged when the bus arrives, the
published times leaning on whichever has been right lately."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from tests.prediction.test_predictor import ORIGIN, TRIP, on_trip
from tests.simulator.helpers import WEEKDAY, make_network
from transit.model.network import Network
from transit.model.service_days import active_service_ids
from transit.prediction.accuracy import Accuracy, AccuracyKey, MethodAccuracy, bucket_of, pool
from transit.prediction.baselines import delay_carried_forward
from transit.prediction.calibration import CalibrationParams
from transit.prediction.ensemble import DCF, MODEL, PUBLISHED, SCHEDULE, EnsembleParams, SelfCheckingPredictor
from transit.prediction.types import StopPrediction, TripPrediction
from transit.records import StopEvent
from transit.tracking.state import VehicleState

START = ORIGIN + 6 * 3600  # TRIP leaves its first stop at 06:00, then a stop a minute


class ShiftedSchedule:
    """A stand-in model: the timetable (what delay carried forward says for a
    bus on time) moved by ``shift_s``."""

    def __init__(self, network: Network, shift_s: float) -> None:
        self._network = network
        self._shift = shift_s
        self.observed: list[StopEvent] = []

    def observe(self, events: Sequence[StopEvent]) -> None:
        self.observed.extend(events)

    def predict(self, state: VehicleState) -> list[TripPrediction]:
        services = active_service_ids(self._network, WEEKDAY)
        return [replace(p, stops=tuple(_moved(s, self._shift) for s in p.stops))
                for p in delay_carried_forward(self._network, state, services)]


def _moved(stop: StopPrediction, shift: float) -> StopPrediction:
    return replace(stop, arrival=None if stop.arrival is None else stop.arrival + shift,
                   departure=None if stop.departure is None else stop.departure + shift)


@pytest.fixture(scope="module")
def network() -> Network:
    return make_network(lines=2, stops_per_line=10)


def waiting(vehicle: str) -> VehicleState:
    """A bus at TRIP's first stop a minute before it leaves, on time."""
    return replace(on_trip(START - 60, 0, 0.0, delay=None), vehicle_id=vehicle)


def run_on_time(network: Network, checker: SelfCheckingPredictor, buses: int) -> None:
    """``buses`` vehicles each predict TRIP once; then it runs exactly on schedule."""
    for n in range(buses):
        checker.predict(waiting(f"V{n}"))
    trip = network.trips[TRIP]
    events = [StopEvent(WEEKDAY, TRIP, i + 1, f"L1-0-S{i + 1:02d}", "V0",
                        None if i == 0 else ORIGIN + trip.arrivals[i],
                        None if i == 9 else ORIGIN + trip.departures[i]) for i in range(10)]
    checker.observe(events)


def first_arrivals(published: list[TripPrediction]) -> list[float]:
    return [s.arrival for s in published[0].stops[1:4] if s.arrival is not None]


def test_until_judged_often_enough_the_model_is_published_as_it_is(network: Network) -> None:
    model = ShiftedSchedule(network, 120.0)
    checker = SelfCheckingPredictor(network, model, params=EnsembleParams(
        min_scored=50, band=CalibrationParams(min_errors=50)))  # nor enough errors for a band
    run_on_time(network, checker, buses=10)
    assert checker.predict(waiting("X")) == model.predict(waiting("X"))
    assert len(model.observed) == 10  # the model still learns from every stop event


def test_a_model_late_by_two_minutes_gives_way_to_delay_carried_forward(network: Network) -> None:
    checker = SelfCheckingPredictor(network, ShiftedSchedule(network, 120.0))
    run_on_time(network, checker, buses=30)
    trip = network.trips[TRIP]
    published = checker.predict(waiting("X"))
    on_time = [ORIGIN + trip.arrivals[i] for i in range(1, 4)]
    assert first_arrivals(published) == pytest.approx(on_time, abs=1.0)  # not +120 s
    # The judge's own figures say why: the model missed by 120 s, the baseline by nothing.
    key = AccuracyKey("L1", 0, 0, MODEL)
    assert checker.accuracy.find(key)[:2] == (pytest.approx(30 * 3, abs=30), pytest.approx(120.0))
    assert checker.accuracy.find(replace(key, method=DCF))[1] == pytest.approx(0.0)
    assert checker.accuracy.find(key)[2] == pytest.approx(-120.0)  # bias: buses came earlier than told


def test_a_good_model_keeps_its_weight_against_a_worse_baseline(network: Network) -> None:
    """Here the model is right and the buses run 90 s late: delay carried
    forward (on time while waiting) is the one that misses."""
    checker = SelfCheckingPredictor(network, ShiftedSchedule(network, 90.0))
    run_late(network, checker, buses=30, late_s=90.0)
    trip = network.trips[TRIP]
    published = checker.predict(waiting("X"))
    late = [ORIGIN + trip.arrivals[i] + 90 for i in range(1, 4)]
    assert first_arrivals(published) == pytest.approx(late, abs=1.0)


def run_late(network: Network, checker: SelfCheckingPredictor, buses: int, late_s: float) -> None:
    """``buses`` vehicles each predict TRIP once while waiting on time; then it runs ``late_s`` late."""
    for n in range(buses):
        checker.predict(waiting(f"V{n}"))
    trip = network.trips[TRIP]
    checker.observe([StopEvent(WEEKDAY, TRIP, i + 1, f"L1-0-S{i + 1:02d}", "V0",
                               None if i == 0 else ORIGIN + trip.arrivals[i] + late_s,
                               None if i == 9 else ORIGIN + trip.departures[i] + late_s)
                     for i in range(10)])


def test_where_a_blend_of_the_two_beat_both_it_is_published(network: Network) -> None:
    """The model says 120 s late, delay carried forward on time, the buses run
    90 s late: the model misses by 30 s, the baseline by 90 s, and a quarter
    of the baseline with three quarters of the model by nothing."""
    checker = SelfCheckingPredictor(network, ShiftedSchedule(network, 120.0))
    run_late(network, checker, buses=30, late_s=90.0)
    trip = network.trips[TRIP]
    late = [ORIGIN + trip.arrivals[i] + 90 for i in range(1, 4)]
    assert first_arrivals(checker.predict(waiting("X"))) == pytest.approx(late, abs=1.0)
    # Only the methods are served: the blends are the judge's own.
    assert {r.method for r in checker.accuracy.list_all()} == {MODEL, DCF, SCHEDULE, PUBLISHED}


def test_uncertainty_widens_to_what_the_published_times_missed_by(network: Network) -> None:
    checker = SelfCheckingPredictor(network, ShiftedSchedule(network, 120.0),
                                    params=EnsembleParams(min_scored=1000))  # never blends
    run_on_time(network, checker, buses=30)
    published = checker.predict(waiting("X"))
    assert checker.accuracy.find(AccuracyKey("L1", 0, 0, PUBLISHED))[1] == pytest.approx(120.0)
    # Still too few judgements to blend or widen: the model's own spread.
    assert published[0].stops[1].uncertainty_s < 120.0
    widening = SelfCheckingPredictor(network, ShiftedSchedule(network, 120.0),
                                     params=EnsembleParams(min_scored=20))
    run_on_time(network, widening, buses=30)
    wide = widening.predict(waiting("Y"))
    # Blending took the error away, but the spread says what was missed lately (1.25 x 120 s).
    assert wide[0].stops[1].uncertainty_s == pytest.approx(150.0)


def test_each_vehicle_is_sampled_at_most_once_a_minute(network: Network) -> None:
    checker = SelfCheckingPredictor(network, ShiftedSchedule(network, 0.0))
    checker.predict(waiting("V"))
    first = checker.pending()
    assert first > 0
    checker.predict(replace(waiting("V"), timestamp=START - 30))  # 30 s later: not again
    assert checker.pending() == first
    checker.predict(replace(waiting("V"), timestamp=START))  # a minute later: again
    assert checker.pending() > first


def test_samples_of_stops_never_reached_are_dropped_after_an_hour(network: Network) -> None:
    checker = SelfCheckingPredictor(network, ShiftedSchedule(network, 0.0))
    checker.predict(waiting("V"))
    assert checker.pending() > 0
    # Another trip's event two hours later sweeps them: the bus never arrived.
    checker.observe([StopEvent(WEEKDAY, "L2-21600-0", 2, "L2-0-S02", "W",
                               START + 7200.0, START + 7210.0)])
    assert checker.pending() == 0 and checker.dropped_unreached > 0


def test_published_arrivals_never_come_before_the_stop_before_is_left(network: Network) -> None:
    checker = SelfCheckingPredictor(network, ShiftedSchedule(network, 120.0))
    run_on_time(network, checker, buses=30)
    stops = checker.predict(waiting("X"))[0].stops
    for before, after in zip(stops, stops[1:]):
        assert before.departure is not None and after.arrival is not None
        assert after.arrival >= before.departure


def test_horizon_buckets_and_pooled_figures() -> None:
    assert [bucket_of(h) for h in (-1, 0, 179.9, 180, 600, 1799, 1800)] == [None, 0, 0, 1, 3, 4, None]
    accuracy = Accuracy(half_life=1e9)  # a plain mean
    for error in (10.0, -30.0):
        accuracy.add(AccuracyKey("A", 0, 0, MODEL), error)
    accuracy.add(AccuracyKey("B", 1, 0, MODEL), 100.0)  # outside 0-3 min's band (-30, +90)
    rows = accuracy.list_all()
    assert [(r.route_id, r.scored, r.mae_s, r.bias_s, r.within_band) for r in rows] == [
        ("A", 2, 20.0, -10.0, 1.0), ("B", 1, 100.0, 100.0, 0.0)]
    (pooled,) = pool(rows)
    assert pooled == MethodAccuracy("*", -1, "0-3 min", MODEL, 3, 140 / 3, 80 / 3, 2 / 3)
