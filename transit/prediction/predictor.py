"""Predicting arrivals for a vehicle's remaining stops and its block's next trips.

Expected running time of a segment = history at that half-hour and day type
(else the schedule) x today's factor of the street (the buses just ahead)
x this bus's own factor on this trip. Dwell = history (else the schedule).
A next trip of the block starts at its scheduled time, or after the minimum
recovery at the terminal when the bus arrives late. Variances of the steps add
up into each prediction's uncertainty. Pure: time comes with the states.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from transit.model.network import Network, Pattern, Trip
from transit.model.service_days import active_service_ids, block_trips_on, service_day_origin
from transit.prediction.history import MAX_DWELL_S, RATIO_RANGE, DayType, History, day_type
from transit.prediction.realtime import Conditions, Shrinkage, TripResidual
from transit.prediction.types import StopPrediction, TripPrediction
from transit.records import StopEvent
from transit.tracking.state import StopStatus, TripRef, VehicleState


MOVING_MPS = 2.0
NEAR_STOP_M = 300.0
HISTORY, SCHEDULE = "history", "schedule"  # what an expected running time comes from
MIN_DWELLS_TODAY = 3
FORGET_AFTER_S = 3600.0  # a trip not heard of for this long is over, seen or not
SWEEP_EVERY_S = 300.0


@dataclass
class _Mean:
    n: int = 0
    mean: float = 0.0

    def add(self, value: float) -> None:
        self.n += 1
        self.mean += (value - self.mean) / self.n


@dataclass(frozen=True, slots=True)
class PredictionParams:
    # At a terminal between two trips of a block, where history has not
    # taught the recovery buses take there (transit/prediction/layover.py).
    min_recovery_s: float = 180.0
    horizon_s: float = 1800.0  # next trips are predicted while they start within this
    base_uncertainty_s: float = 10.0
    schedule_cv: float = 0.2  # spread of a running time known only from the schedule
    history_floor_cv: float = 0.05
    # A bus still standing at its first stop this long after its trip should
    # have left is promised nothing: it may be out of service or its driver on
    # a break, and "leaving now" shown for an hour is a countdown that never
    # ends. Its stops show the timetable until it moves.
    terminal_hold_s: float = 900.0


class Predictor:
    """Mutable (today's conditions), owned by the single writer."""

    def __init__(self, network: Network, history: History, params: PredictionParams = PredictionParams()) -> None:
        self._network = network
        self._history = history
        self._params = params
        self._conditions = Conditions()
        self._last_departure: dict[tuple[date, str], tuple[int, float]] = {}
        self._residuals: dict[tuple[date, str], TripResidual] = {}
        self._shrinkage = Shrinkage()
        self._origins: dict[date, float] = {}
        self._active: dict[date, frozenset[str]] = {}
        self._kinds: dict[date, DayType] = {}
        self._dwells_today: dict[str, _Mean] = {}
        self._next_sweep = -math.inf
        self._all_dwells_today = _Mean()
        self._index: dict[str, dict[int, int]] = {
            pid: {p.sequence_at(i): i for i in range(len(p.stop_ids))}
            for pid, p in network.patterns.items()
        }

    def _day_type(self, day: date) -> DayType:
        kind = self._kinds.get(day)
        if kind is None:
            kind = self._kinds[day] = day_type(day)
        return kind

    def _services(self, day: date) -> frozenset[str]:
        services = self._active.get(day)
        if services is None:
            services = self._active[day] = active_service_ids(self._network, day)
        return services

    def _origin(self, day: date) -> float:
        origin = self._origins.get(day)
        if origin is None:
            origin = self._origins[day] = service_day_origin(day, self._network.timezone).timestamp()
        return origin

    # -- learning from today's stop events ----------------------------------

    def observe(self, events: Sequence[StopEvent]) -> None:
        for event in events:
            trip = self._network.trips.get(event.trip_id)
            if trip is None:
                continue
            key = (event.service_date, event.trip_id)
            index = self._index[trip.pattern_id].get(event.stop_sequence)
            if index is None:
                continue
            previous = self._last_departure.get(key)
            if previous is not None and previous[0] == index - 1 and event.arrival is not None:
                self._learn_segment(trip, event.service_date, index - 1, previous[1], event.arrival, key)
            if event.departure is not None:
                self._last_departure[key] = (index, event.departure)
                if event.arrival is not None and 0 <= event.departure - event.arrival <= MAX_DWELL_S:
                    dwell = event.departure - event.arrival
                    self._dwells_today.setdefault(event.stop_id, _Mean()).add(dwell)
                    self._all_dwells_today.add(dwell)
            if index == len(self._network.patterns[trip.pattern_id].stop_ids) - 1:
                self._last_departure.pop(key, None)
                finished = self._residuals.pop(key, None)
                if finished is not None:
                    self._shrinkage.finished(finished)
            self._forget_before(event.departure or event.arrival or 0.0)

    def tracked_trips(self) -> int:
        """Trips whose progress today's learning follows (for metrics and tests)."""
        return len(self._last_departure)

    def _forget_before(self, at: float) -> None:
        """Drop the state of trips whose last stop was never seen (the bus
        vanished, or left the route): nothing updates them after an hour, and
        kept forever they would grow the service's memory all day."""
        if at < self._next_sweep:
            return
        self._next_sweep = at + SWEEP_EVERY_S
        stale = [key for key, (_, left) in self._last_departure.items() if left < at - FORGET_AFTER_S]
        for key in stale:
            del self._last_departure[key]
            self._residuals.pop(key, None)
        for key in [k for k in self._residuals if k not in self._last_departure]:
            del self._residuals[key]

    def _learn_segment(self, trip: Trip, day: date, i: int, left: float, arrived: float,
                       key: tuple[date, str]) -> None:
        pattern = self._network.patterns[trip.pattern_id]
        expected, _, basis = self._historical_running(trip, pattern, i, day, left)
        observed = arrived - left
        ratio = observed / expected if expected > 0 else 1.0
        if not RATIO_RANGE[0] <= ratio <= RATIO_RANGE[1]:
            return
        segment = (pattern.stop_ids[i], pattern.stop_ids[i + 1])
        log_ratio = math.log(ratio)
        street = math.log(self._conditions.factor(segment, left, basis))
        self._residuals.setdefault(key, TripResidual()).add(log_ratio - street)
        self._conditions.observe(segment, log_ratio, arrived, basis)

    # -- expected times ------------------------------------------------------

    def _historical_running(self, trip: Trip, pattern: Pattern, i: int, day: date,
                            at: float) -> tuple[float, float, str]:
        """(mean, std) seconds from stop i to i + 1 leaving at ``at``, and
        what they come from: "history" or "schedule"."""
        segment = (pattern.stop_ids[i], pattern.stop_ids[i + 1])
        estimate = self._history.find_running(segment, self._day_type(day), at - self._origin(day))
        if estimate is not None:
            return estimate.mean, max(estimate.std, self._params.history_floor_cv * estimate.mean), HISTORY
        scheduled = max(1.0, float(trip.arrivals[i + 1] - trip.departures[i]))
        return scheduled, self._params.schedule_cv * scheduled, SCHEDULE

    def _dwell(self, trip: Trip, pattern: Pattern, i: int, day: date, at: float) -> float:
        """History, else what buses dwelt there today, else at any stop today,
        else the schedule. Running times are learned between departure and
        arrival, so dwells must come from observation too: timetables that
        give no dwell (arrival = departure) hide it in their running times."""
        stop_id = pattern.stop_ids[i]
        estimate = self._history.find_dwell(stop_id, self._day_type(day), at - self._origin(day))
        if estimate is not None:
            return estimate.mean
        today = self._dwells_today.get(stop_id)
        if today is not None and today.n >= MIN_DWELLS_TODAY:
            return today.mean
        if self._all_dwells_today.n >= MIN_DWELLS_TODAY:
            return self._all_dwells_today.mean
        return float(trip.departures[i] - trip.arrivals[i])

    # -- predicting ----------------------------------------------------------

    def predict(self, state: VehicleState) -> list[TripPrediction]:
        """Predictions for the vehicle's trip from where it is, then, once its
        block is confirmed, the block's next trips while they start within the horizon."""
        ref = state.trip
        if ref is None or ref.trip_id not in self._network.trips or state.off_route:
            # Off its route (a detour, another line, a deadhead): where and
            # when it rejoins is unknown, so no stop is promised a time.
            return []
        trip = self._network.trips[ref.trip_id]
        now = state.timestamp
        late_at_start = now - (self._origin(ref.service_date) + trip.start)
        if state.delay_s is None and late_at_start > self._params.terminal_hold_s:
            return []
        residual = self._residuals.get((ref.service_date, ref.trip_id), TripResidual()).factor(
            self._shrinkage.prior_weight)
        current = self._predict_trip(trip, ref, state, residual)
        predictions = [current]
        if not state.block_confirmed:
            # A bus matched by position alone may be running another bus's
            # block: its next trips would stand for that bus's (issue 10).
            return predictions
        block = block_trips_on(self._network, ref.block_id, self._services(ref.service_date))
        position = block.index(trip.trip_id) + 1 if trip.trip_id in block else len(block)
        end, variance = current.stops[-1].arrival, current.stops[-1].uncertainty_s ** 2
        for next_id in block[position:]:
            following = self._network.trips[next_id]
            origin = self._origin(ref.service_date)
            start = max(origin + following.start, (end or now) + self._recovery(following))
            if start - now > self._params.horizon_s:
                break
            # Recovery time absorbs part of the spread of a late arrival.
            slack = max(0.0, origin + following.start - (end or now))
            variance = max(self._params.base_uncertainty_s ** 2, variance - slack * slack)
            following_ref = TripRef(following.trip_id, following.route_id, following.direction_id,
                                    ref.service_date, following.start, following.block_id)
            prediction = self._predict_from_start(following, following_ref, state, start, variance)
            predictions.append(prediction)
            end = prediction.stops[-1].arrival
            variance = prediction.stops[-1].uncertainty_s ** 2
        return predictions

    def _recovery(self, trip: Trip) -> float:
        learned = self._history.find_recovery(self._network.patterns[trip.pattern_id].stop_ids[0])
        return learned if learned is not None else self._params.min_recovery_s

    def _predict_trip(self, trip: Trip, ref: TripRef, state: VehicleState, residual: float) -> TripPrediction:
        pattern = self._network.patterns[trip.pattern_id]
        origin = self._origin(ref.service_date)
        now = state.timestamp
        index = state.stop_index or 0
        started = state.delay_s is not None
        if not started:
            # Waiting at the first stop: it leaves on time, or now if late.
            return self._predict_from_start(trip, ref, state, max(origin + trip.start, now),
                                            self._params.base_uncertainty_s ** 2)
        along = state.distance_along or pattern.stop_dists[0]
        variance = self._params.base_uncertainty_s ** 2
        stops: list[StopPrediction] = []
        clock = now
        if state.status is StopStatus.STOPPED_AT:
            arrival = now
        else:
            i = max(index - 1, 0)
            mean, std = self._running(trip, pattern, i, ref.service_date, now, residual)
            span = pattern.stop_dists[index] - pattern.stop_dists[i]
            remaining = max(0.0, pattern.stop_dists[index] - along)
            share = 1.0 if span <= 0 else min(1.0, remaining / span)
            expected = share * mean
            speed = state.speed_mps or 0.0
            if speed >= MOVING_MPS and remaining <= NEAR_STOP_M:
                # Close to the stop and moving, the bus's own speed says more
                # than the segment's average: lights and queues are behind it.
                expected = 0.5 * expected + 0.5 * remaining / speed
            arrival = clock + expected
            variance += (share * std) ** 2
        stops.extend(self._walk(trip, pattern, ref.service_date, index, arrival, variance, residual))
        if not self._knows(pattern, ref.service_date, now):
            stops = self._lean_on_delay(stops, trip, origin, index, state.delay_s or 0.0)
        return TripPrediction(ref, state.vehicle_id, now, state.delay_s, tuple(stops))

    def _knows(self, pattern: Pattern, day: date, at: float) -> bool:
        """Whether history covers most of this pattern's streets."""
        kind, seconds = self._day_type(day), at - self._origin(day)
        known = sum(
            1 for a, b in zip(pattern.stop_ids, pattern.stop_ids[1:])
            if self._history.find_running((a, b), kind, seconds) is not None
        )
        return known * 2 >= len(pattern.stop_ids) - 1

    @staticmethod
    def _lean_on_delay(stops: list[StopPrediction], trip: Trip, origin: float, index: int,
                       delay: float) -> list[StopPrediction]:
        """Without history the model knows the streets only through today's
        buses, and the timetable plus the current delay is as good a guess:
        average the two (independent errors partly cancel)."""
        blended = []
        for offset, stop in enumerate(stops):
            i = index + offset
            carried_arrival = origin + trip.arrivals[i] + delay
            carried_departure = origin + trip.departures[i] + delay
            arrival = None if stop.arrival is None else (stop.arrival + carried_arrival) / 2
            departure = None if stop.departure is None else (stop.departure + carried_departure) / 2
            blended.append(StopPrediction(stop.stop_sequence, stop.stop_id, arrival, departure,
                                          stop.uncertainty_s))
        return blended

    def _predict_from_start(self, trip: Trip, ref: TripRef, state: VehicleState, departure: float,
                            variance: float) -> TripPrediction:
        pattern = self._network.patterns[trip.pattern_id]
        first = StopPrediction(pattern.sequence_at(0), pattern.stop_ids[0], None, departure,
                               math.sqrt(variance))
        mean, std = self._running(trip, pattern, 0, ref.service_date, departure, 1.0)
        rest = self._walk(trip, pattern, ref.service_date, 1, departure + mean, variance + std * std, 1.0)
        return TripPrediction(ref, state.vehicle_id, state.timestamp, None, (first, *rest))

    def _running(self, trip: Trip, pattern: Pattern, i: int, day: date, at: float,
                 residual: float) -> tuple[float, float]:
        mean, std, basis = self._historical_running(trip, pattern, i, day, at)
        factor = self._conditions.factor((pattern.stop_ids[i], pattern.stop_ids[i + 1]), at, basis) * residual
        return mean * factor, std * factor

    def _walk(self, trip: Trip, pattern: Pattern, day: date, index: int, arrival: float,
              variance: float, residual: float) -> list[StopPrediction]:
        """From the arrival at stop ``index`` to the end of the trip."""
        last = len(pattern.stop_ids) - 1
        stops = []
        for i in range(index, last + 1):
            sigma = math.sqrt(variance)
            if i == last:
                stops.append(StopPrediction(pattern.sequence_at(i), pattern.stop_ids[i], arrival, None, sigma))
                break
            departure = arrival + self._dwell(trip, pattern, i, day, arrival)
            stops.append(StopPrediction(pattern.sequence_at(i), pattern.stop_ids[i], arrival, departure, sigma))
            mean, std = self._running(trip, pattern, i, day, departure, residual)
            arrival = departure + mean
            variance += std * std
        return stops
