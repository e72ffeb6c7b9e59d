"""A predictor that checks itself: what it publishes is never much worse than
its own baselines, and it says where it is weak.

Each vehicle's predictions come from the model and from delay carried forward
(the usual AVL system). A sample of what every method said (at most one per
vehicle a minute) waits for the bus; when it reaches the stop, each method's
error goes into ``Accuracy`` per route, direction and horizon bucket, and so
does the error of three fixed blends of the two (a quarter, half and three
quarters of delay carried forward), judged on the same samples. The published
time is the model, delay carried forward and those blends weighted by how far
each one's recent MAE there is behind the best one's (falling off
exponentially; the model alone until both have been judged often enough),
with its uncertainty widened to what the published times recently missed by,
and its band (``calibration.py``) the quantiles of their recent errors there.
Where one method is clearly better it is nearly switched to; where their
errors partly cancel, the blend that did best lately leads, so the published
time is never much worse than the best of them, and the numbers say so.

No bias correction: shifting by a route's recent mean (or median) error made
WMATA's MAE worse (46 -> 55 s, and 49 s, at 0-3 min with assignments): a
route's stops are late and early in different places, and one shift per route
and horizon fits none of them. On Kaohsiung too, as candidates beside the
blends (the model moved by its recent mean or median error, or stretched by
2-4% of the time ahead), they lowered the share in band by 1-4 points for at
most 2% less MAE at 15-30 min (docs/prediction.md).

Pure: time comes with the vehicle states and the stop events. Live state and
replay both run it (DESIGN.md rule 2).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Protocol

from transit.model.network import Network
from transit.model.service_days import active_service_ids
from transit.prediction.accuracy import Accuracy, AccuracyKey, bucket_of
from transit.prediction.scoring import BUCKETS, or_nan
from transit.prediction.baselines import delay_carried_forward, schedule_only
from transit.prediction.calibration import BandCalibrator, CalibrationParams, band_sigma, sigma_band
from transit.prediction.types import StopPrediction, TripPrediction
from transit.records import StopEvent
from transit.tracking.state import VehicleState

MODEL, DCF, SCHEDULE = "model", "delay carried forward", "schedule"
PUBLISHED = "published"
SCORED_METHODS = (MODEL, DCF, SCHEDULE, PUBLISHED)
ROW = 1 + len(SCORED_METHODS)  # a sample: when it was made, then each method's time
_MODEL_AT, _DCF_AT = SCORED_METHODS.index(MODEL), SCORED_METHODS.index(DCF)
SWEEP_EVERY_S = 300.0
# A uniform error of MAE m has a standard deviation of about 1.25 m.
MAE_TO_SIGMA = 1.25
NEGLIGIBLE = 0.01  # a weight below this is taken as none: it would move a time by under 1%
# Shares of delay carried forward in the fixed blends judged beside the two
# methods (0: the model alone, 1: delay carried forward alone).
BLEND_SHARES = (0.25, 0.5, 0.75)


class Predicts(Protocol):
    """What the live state needs of a predictor."""

    def observe(self, events: Sequence[StopEvent]) -> None: ...

    def predict(self, state: VehicleState) -> list[TripPrediction]: ...


@dataclass(frozen=True, slots=True)
class EnsembleParams:
    sample_every_s: float = 60.0  # per vehicle, of fix time
    min_scored: int = 20  # judgements of a method before its weight counts
    blend_scale: float = 0.05  # of the best candidate's MAE: how fast weight falls behind it
    horizon_s: float = 1800.0  # the scoring buckets' reach
    forget_after_s: float = 3600.0  # a sample whose stop was never reached is dropped
    band: CalibrationParams = CalibrationParams()
    # A calibrated band is never narrower than the published uncertainty's
    # normal band: the judge sees smaller errors than passengers where the
    # tracker is on a wrong trip (docs/prediction.md, "Bands calibrated on recent errors").
    band_widen_only: bool = True


_StopKey = tuple[date, str, int]  # service date, trip, stop sequence


class SelfCheckingPredictor:
    def __init__(self, network: Network, model: Predicts, accuracy: Accuracy | None = None,
                 params: EnsembleParams = EnsembleParams(), bands: BandCalibrator | None = None) -> None:
        self._network = network
        self._model = model
        self.accuracy = accuracy if accuracy is not None else Accuracy()
        # The fixed blends' running errors: what the weights are chosen by,
        # not served (their method is the share of delay carried forward).
        self._blends = Accuracy()
        self._params = params
        self.bands = bands if bands is not None else BandCalibrator(params.band)
        # Per stop, one row per sample, rows laid end to end in an array of
        # doubles: made at, then a time per SCORED_METHODS (NaN if none). A fleet
        # sampled every minute keeps ~30 min of them: as tuples of floats that
        # was ~200 bytes a row and grew the service 2-3 MiB a minute to its plateau.
        self._pending: dict[_StopKey, array[float]] = {}
        self._last_sample: dict[str, float] = {}
        self._services: dict[date, frozenset[str]] = {}
        self._next_sweep = -math.inf
        self._leans: dict[tuple[str, int], tuple[_Lean, ...]] = {}
        self.dropped_unreached = 0  # samples whose stop no event ever reached

    # -- judging -------------------------------------------------------------

    def observe(self, events: Sequence[StopEvent]) -> None:
        self._model.observe(events)
        for event in events:
            at = event.departure if event.departure is not None else event.arrival
            if at is not None:
                self._sweep(at)
            samples = self._pending.pop((event.service_date, event.trip_id, event.stop_sequence), None)
            trip = self._network.trips.get(event.trip_id)
            if samples is None or trip is None:
                continue
            first = self._network.patterns[trip.pattern_id].sequence_at(0)
            actual = event.departure if event.stop_sequence == first else event.arrival
            actual = actual if actual is not None else event.departure
            if actual is None:
                continue
            for start in range(0, len(samples), ROW):
                made_at, *predicted = samples[start:start + ROW]
                bucket = bucket_of(actual - made_at)
                if bucket is None:
                    continue
                for method, time in zip(SCORED_METHODS, predicted, strict=True):
                    if not math.isnan(time):
                        key = AccuracyKey(trip.route_id, trip.direction_id, bucket, method)
                        self.accuracy.add(key, actual - time)
                        told = bucket_of(time - made_at)
                        if method == PUBLISHED and told is not None:
                            # Keyed by the horizon the passenger was told, as
                            # the band is looked up: by how late the bus came,
                            # a late bus would land in a later bucket, and each
                            # bucket's tails would be cut short.
                            self.bands.add(trip.route_id, trip.direction_id, told, actual - time)
                own, carried = predicted[_MODEL_AT], predicted[_DCF_AT]
                if not (math.isnan(own) or math.isnan(carried)):
                    for share in BLEND_SHARES:
                        key = AccuracyKey(trip.route_id, trip.direction_id, bucket, _blend_method(share))
                        self._blends.add(key, actual - (own + share * (carried - own)))
                self._leans.pop((trip.route_id, trip.direction_id), None)

    def _sweep(self, now: float) -> None:
        if now < self._next_sweep:
            return
        self._next_sweep = now + SWEEP_EVERY_S
        cutoff = now - self._params.forget_after_s
        stale = [key for key, samples in self._pending.items() if samples[-ROW] < cutoff]
        for key in stale:
            self.dropped_unreached += len(self._pending.pop(key)) // ROW
        for vehicle_id in [v for v, at in self._last_sample.items() if at < cutoff]:
            del self._last_sample[vehicle_id]

    def pending(self) -> int:
        """Samples waiting for their bus (metrics, tests)."""
        return sum(len(s) for s in self._pending.values()) // ROW

    # -- publishing ----------------------------------------------------------

    def predict(self, state: VehicleState) -> list[TripPrediction]:
        model = self._model.predict(state)
        if not model or state.trip is None:
            return model
        now = state.timestamp
        due = now - self._last_sample.get(state.vehicle_id, -math.inf) >= self._params.sample_every_s
        leans = [self._lean_of(p.trip.route_id, p.trip.direction_id) for p in model]
        services = self._services_on(state.trip.service_date)
        # Delay carried forward is only worked out when it has a say (or is sampled):
        # where the model is clearly better its weight is nil, and it costs as much as the model.
        needed = due or any(lean.carried > 0.0 for ls in leans for lean in ls)
        carried = delay_carried_forward(self._network, state, services) if needed else []
        carried_at = {(p.trip.trip_id, s.stop_sequence): _time_of(s) for p in carried for s in p.stops}
        published = [self._blend(p, carried_at, ls) for p, ls in zip(model, leans, strict=True)]
        if due:
            self._last_sample[state.vehicle_id] = now
            self._sample(now, {
                MODEL: _times(model), DCF: _times(carried),
                SCHEDULE: _times(schedule_only(self._network, state, services)),
                PUBLISHED: _times(published),
            })
        return published

    def _services_on(self, day: date) -> frozenset[str]:
        services = self._services.get(day)
        if services is None:
            services = self._services[day] = active_service_ids(self._network, day)
        return services

    def _sample(self, now: float, said: dict[str, dict[_StopKey, float | None]]) -> None:
        """One row per stop the model predicts within the horizon: what each method said."""
        for key, own in said[MODEL].items():
            if own is None or own - now > self._params.horizon_s:
                continue
            samples = self._pending.get(key)
            if samples is None:
                samples = self._pending[key] = array("d")
            samples.append(now)
            samples.extend(or_nan(said[m].get(key)) for m in SCORED_METHODS)

    def _blend(self, prediction: TripPrediction, carried_at: dict[tuple[str, int], float | None],
               leans: tuple[_Lean, ...]) -> TripPrediction:
        """The published prediction: per stop the methods weighted by their
        recent errors there, never before the stop before it is left."""
        stops: list[StopPrediction] = []
        floor = -math.inf  # no stop is reached before the one before it is left
        for stop in prediction.stops:
            own = _time_of(stop)
            bucket = None if own is None else bucket_of(own - prediction.made_at)
            if own is None or bucket is None:
                stops.append(stop)
                continue
            lean = leans[bucket]
            carried = carried_at.get((prediction.trip.trip_id, stop.stop_sequence))
            blend = own if carried is None else own + lean.carried * (carried - own)
            published = max(floor, blend)
            if published != own or lean.sigma > stop.uncertainty_s:
                shift = published - own
                stop = StopPrediction(
                    stop.stop_sequence, stop.stop_id,
                    None if stop.arrival is None else stop.arrival + shift,
                    None if stop.departure is None else stop.departure + shift,
                    max(stop.uncertainty_s, lean.sigma))
            told = bucket_of(published - prediction.made_at)  # the band's key, as it is judged
            band = None if told is None else leans[told].band
            if band is not None:
                stop = self._banded(stop, band)
            floor = stop.departure if stop.departure is not None else published
            stops.append(stop)
        return replace(prediction, stops=tuple(stops))

    def _banded(self, stop: StopPrediction, band: tuple[float, float]) -> StopPrediction:
        early, late = band
        if self._params.band_widen_only:
            normal_early, normal_late = sigma_band(stop.uncertainty_s, self._params.band.coverage)
            early, late = min(early, normal_early), max(late, normal_late)
        # The served uncertainty follows (GTFS-RT, the app, the signs carry one figure).
        sigma = max(stop.uncertainty_s, band_sigma(early, late, self._params.band.coverage))
        return replace(stop, uncertainty_s=sigma, early_s=early, late_s=late)

    def _lean_of(self, route_id: str, direction_id: int) -> tuple[_Lean, ...]:
        """Per horizon bucket, how the published time leans on each method
        there; kept until a new judgement comes in."""
        leans = self._leans.get((route_id, direction_id))
        if leans is None:
            leans = self._leans[(route_id, direction_id)] = tuple(
                self._lean(AccuracyKey(route_id, direction_id, bucket, MODEL))
                for bucket in range(len(BUCKETS)))
        return leans

    def _lean(self, key: AccuracyKey) -> _Lean:
        n_model, mae_model, _ = self.accuracy.find(key)
        n_carried, mae_carried, _ = self.accuracy.find(_with_method(key, DCF))
        n_published, mae_published, _ = self.accuracy.find(_with_method(key, PUBLISHED))
        enough = self._params.min_scored
        sigma = MAE_TO_SIGMA * mae_published if n_published >= enough else 0.0
        band = self.bands.band(key.route_id, key.direction_id, key.bucket)
        if min(n_model, n_carried) < enough:
            return _Lean(0.0, sigma, band)
        # Candidates: (share of delay carried forward, recent MAE). Errors of
        # the two methods are strongly correlated (both start from the same
        # position and delay), so inverse-variance weights would pull a much
        # better model toward the baseline; judging fixed blends tells how
        # much of each actually helped. Weights fall off exponentially with
        # how far a candidate is behind the best, on a scale of a twentieth of
        # the best's error: nearly a switch when one is clearly better.
        candidates = [(0.0, mae_model), (1.0, mae_carried)]
        for share in BLEND_SHARES:
            n, mae, _ = self._blends.find(_with_method(key, _blend_method(share)))
            if n >= enough:
                candidates.append((share, mae))
        best = min(mae for _, mae in candidates)
        scale = self._params.blend_scale * best + 1.0
        weights = [math.exp(-(mae - best) / scale) for _, mae in candidates]
        share = sum(w * s for w, (s, _) in zip(weights, candidates, strict=True)) / sum(weights)
        return _Lean(share if share >= NEGLIGIBLE else 0.0, sigma, band)


@dataclass(frozen=True, slots=True)
class _Lean:
    carried: float  # the weight of delay carried forward (the model has the rest)
    sigma: float  # the least uncertainty to publish: what was recently missed by
    band: tuple[float, float] | None  # (early, late) calibrated on recent errors; None: too few


def _blend_method(share: float) -> str:
    return f"{share:g} of {DCF}"


def _with_method(key: AccuracyKey, method: str) -> AccuracyKey:
    return AccuracyKey(key.route_id, key.direction_id, key.bucket, method)


def _keys(prediction: TripPrediction) -> list[_StopKey]:
    ref = prediction.trip
    return [(ref.service_date, ref.trip_id, s.stop_sequence) for s in prediction.stops]


def _times(predictions: Sequence[TripPrediction]) -> dict[_StopKey, float | None]:
    return {k: _time_of(s) for p in predictions for k, s in zip(_keys(p), p.stops, strict=True)}


def _time_of(stop: StopPrediction) -> float | None:
    """What a prediction is judged on: the arrival, or the departure at a first stop."""
    return stop.arrival if stop.arrival is not None else stop.departure
