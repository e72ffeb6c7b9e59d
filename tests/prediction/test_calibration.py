"""Bands calibrated on the published predictions' recent errors: they hold the
share of buses aimed at, follow skew, stay the model's until enough is known,
and keep a bounded memory."""

from __future__ import annotations

import math
import random
from datetime import date

import pytest

from tests.prediction.test_ensemble import ShiftedSchedule, run_on_time, waiting
from tests.simulator.helpers import make_network
from transit.model.network import Network
from transit.prediction.calibration import BandCalibrator, CalibrationParams, band_of, band_sigma, sigma_band
from transit.prediction.ensemble import EnsembleParams, SelfCheckingPredictor
from transit.prediction.scoring import BandKind, PredictionRecord, score_bands
from transit.prediction.types import StopPrediction


def skewed_error(rng: random.Random) -> float:
    """Mostly a little early or on time, sometimes far later than told (real feeds)."""
    return rng.expovariate(1 / 90.0) - 40.0 if rng.random() < 0.8 else rng.uniform(200.0, 900.0)


def test_coverage_converges_to_the_target_on_skewed_errors() -> None:
    rng = random.Random(7)
    calibrator = BandCalibrator(CalibrationParams(coverage=0.9, min_errors=30, window=200))
    inside = judged = 0
    for n in range(6000):
        error = skewed_error(rng)
        band = calibrator.band("R", 0, 2)
        if n >= 1000:  # once the ring is full and has turned over
            assert band is not None
            judged += 1
            inside += band[0] <= error <= band[1]
        calibrator.add("R", 0, 2, error)
    assert inside / judged == pytest.approx(0.9, abs=0.02)
    early, late = calibrator.band("R", 0, 2) or (math.nan, math.nan)
    # The late side follows the tail, the early side stays tight.
    assert -60.0 < early < -20.0 and late > 400.0
    # A symmetric band of the same errors' standard deviation, about their mean,
    # holds about as many but in the wrong place: an early side far too loose
    # (a passenger told to come minutes early for nothing), a late side short of the tail.
    errors = [skewed_error(rng) for _ in range(5000)]
    mean = sum(errors) / len(errors)
    sd = math.sqrt(sum((e - mean) ** 2 for e in errors) / len(errors))
    low, high = sigma_band(sd, 0.9)
    assert mean + low < 4 * early and mean + high < late - 100.0


def test_until_enough_errors_there_is_no_calibrated_band() -> None:
    calibrator = BandCalibrator(CalibrationParams(min_errors=30, window=200))
    for n in range(29):
        calibrator.add("R", 1, 0, float(n))
    assert calibrator.band("R", 1, 0) is None
    calibrator.add("R", 1, 0, 29.0)
    assert calibrator.band("R", 1, 0) == (0.0, 29.0)  # 30 errors: the outermost for 90%
    # Other keys know nothing yet.
    assert calibrator.band("R", 0, 0) is None and calibrator.band("R", 1, 1) is None


def test_memory_is_a_ring_of_the_latest_errors() -> None:
    calibrator = BandCalibrator(CalibrationParams(min_errors=10, window=50))
    for _ in range(5000):
        calibrator.add("R", 0, 0, 0.0)
    for _ in range(5000):
        calibrator.add("R", 0, 0, 100.0)
    assert calibrator.errors_kept() == 50
    assert calibrator.band("R", 0, 0) == (100.0, 100.0)  # the old errors are gone


def test_parameters_are_checked() -> None:
    with pytest.raises(ValueError):
        BandCalibrator(CalibrationParams(coverage=1.0))
    with pytest.raises(ValueError):
        BandCalibrator(CalibrationParams(min_errors=300, window=200))


@pytest.fixture(scope="module")
def network() -> Network:
    return make_network(lines=2, stops_per_line=10)


def stops_3_to_6_min_ahead(checker: SelfCheckingPredictor, vehicle: str) -> list[StopPrediction]:
    """The stops a waiting bus is published to reach 3-6 min ahead (bucket 1)."""
    (trip, *_) = checker.predict(waiting(vehicle))
    stops = [s for s in trip.stops
             if 180 <= (s.arrival if s.arrival is not None else s.departure or math.inf) - trip.made_at < 360]
    assert len(stops) == 3
    return stops


def test_published_bands_are_the_models_until_enough_errors_then_calibrated(network: Network) -> None:
    # The model says 2 min late, buses run on time: every published time is 120 s late.
    params = EnsembleParams(min_scored=1000, band=CalibrationParams(min_errors=30, window=200),
                            band_widen_only=False)
    checker = SelfCheckingPredictor(network, ShiftedSchedule(network, 120.0), params=params)
    run_on_time(network, checker, buses=5)
    assert all(s.early_s is None and s.late_s is None for s in stops_3_to_6_min_ahead(checker, "A"))
    run_on_time(network, checker, buses=30)
    stops = stops_3_to_6_min_ahead(checker, "B")
    assert all((s.early_s, s.late_s) == (-120.0, -120.0) for s in stops)
    assert band_of(stops[0], 0.9) == (-120.0, -120.0)
    # Widen only (the default): the calibrated band never narrower than the
    # uncertainty's normal band.
    widening = SelfCheckingPredictor(network, ShiftedSchedule(network, 120.0),
                                     params=EnsembleParams(min_scored=1000))
    run_on_time(network, widening, buses=35)
    model = SelfCheckingPredictor(network, ShiftedSchedule(network, 120.0),
                                  params=EnsembleParams(min_scored=1000, band=CalibrationParams(min_errors=10**6, window=10**6)))
    run_on_time(network, model, buses=35)
    for stop, own in zip(stops_3_to_6_min_ahead(widening, "C"), stops_3_to_6_min_ahead(model, "C")):
        normal = sigma_band(own.uncertainty_s, 0.9)
        assert stop.early_s == pytest.approx(-120.0) and stop.late_s == pytest.approx(normal[1])
        # What the feeds serve widens with it: one uncertainty holding the wider side.
        assert stop.uncertainty_s == pytest.approx(band_sigma(-120.0, stop.late_s, 0.9))
        assert stop.uncertainty_s > own.uncertainty_s


def test_bands_are_scored_on_coverage_and_width() -> None:
    day = date(2026, 12, 2)

    def record(seq: int, early: float, late: float) -> PredictionRecord:
        return PredictionRecord(0.0, "V", day, "T", seq, "S", 50.0, 10.0, early, late)

    records = [record(1, -30.0, 90.0), record(2, -30.0, 90.0), record(3, math.nan, math.nan)]
    actual = {(day, "T", 1): 100.0, (day, "T", 2): 150.0, (day, "T", 3): 60.0}  # errors +50, +100, +10
    calibrated = score_bands(records, actual, BandKind.CALIBRATED, 0.9)[0]
    assert (calibrated.count, calibrated.covered) == (3, pytest.approx(2 / 3))
    assert calibrated.median_half_width_s == pytest.approx(60.0)
    normal = score_bands(records, actual, BandKind.NORMAL, 0.9)[0]  # +-16.4 s
    assert normal.covered == pytest.approx(1 / 3) and normal.median_half_width_s == pytest.approx(16.45, abs=0.01)
    widened = score_bands(records, actual, BandKind.WIDENED, 0.9)[0]
    assert widened.median_early_s == pytest.approx(-30.0) and widened.median_late_s == pytest.approx(90.0)
