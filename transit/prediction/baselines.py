"""The predictions others make, scored beside ours in the same run.

- schedule: every stop at its timetable time;
- delay carried forward: the vehicle's delay now added to every remaining
  timetable time of its trip (the usual AVL system), and to its next trips
  as far as the recovery time at the terminal does not absorb it.
"""

from __future__ import annotations

from transit.model.network import Network, Trip
from transit.model.service_days import block_trips_on, service_day_origin
from transit.prediction.types import StopPrediction, TripPrediction
from transit.tracking.state import TripRef, VehicleState


def schedule_only(network: Network, state: VehicleState, services: frozenset[str]) -> list[TripPrediction]:
    return _carried(network, state, services, carry=False)


def delay_carried_forward(network: Network, state: VehicleState, services: frozenset[str]) -> list[TripPrediction]:
    return _carried(network, state, services, carry=True)


def _carried(network: Network, state: VehicleState, services: frozenset[str], *, carry: bool) -> list[TripPrediction]:
    ref = state.trip
    if ref is None or ref.trip_id not in network.trips:
        return []
    origin = service_day_origin(ref.service_date, network.timezone).timestamp()
    delay = (state.delay_s or 0.0) if carry else 0.0
    trip = network.trips[ref.trip_id]
    if carry and state.delay_s is None:
        delay = max(0.0, state.timestamp - (origin + trip.start))  # waiting: leaves now if late
    first = state.stop_index or 0
    predictions = [_shifted(network, trip, ref, state, origin, delay, first)]
    block = block_trips_on(network, ref.block_id, services)
    position = block.index(trip.trip_id) + 1 if trip.trip_id in block else len(block)
    end = trip.arrivals[-1]
    for next_id in block[position:position + 1]:
        following = network.trips[next_id]
        delay = max(0.0, delay - (following.start - end))  # recovery time absorbs delay
        following_ref = TripRef(following.trip_id, following.route_id, following.direction_id,
                                ref.service_date, following.start, following.block_id)
        predictions.append(_shifted(network, following, following_ref, state, origin, delay, 0))
    return predictions


def _shifted(network: Network, trip: Trip, ref: TripRef, state: VehicleState, origin: float,
             delay: float, first: int) -> TripPrediction:
    pattern = network.patterns[trip.pattern_id]
    last = len(pattern.stop_ids) - 1
    stops = tuple(
        StopPrediction(
            pattern.sequence_at(i), pattern.stop_ids[i],
            None if i == 0 else origin + trip.arrivals[i] + delay,
            None if i == last else origin + trip.departures[i] + delay,
            0.0,
        )
        for i in range(first, last + 1)
    )
    return TripPrediction(ref, state.vehicle_id, state.timestamp, delay, stops)
