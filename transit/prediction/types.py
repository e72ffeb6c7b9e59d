"""What the predictor publishes: for a vehicle, its current trip's remaining
stops and its block's next trips, each time with an uncertainty."""

from __future__ import annotations

from dataclasses import dataclass

from transit.tracking.state import TripRef


@dataclass(frozen=True, slots=True)
class StopPrediction:
    stop_sequence: int  # GTFS stop_sequence
    stop_id: str
    arrival: float | None  # Unix seconds; None at a trip's first stop
    departure: float | None  # None at a trip's last stop
    uncertainty_s: float  # one standard deviation of the arrival (departure at a first stop)
    # The band passengers are shown, as offsets from the predicted time (early
    # negative), where it was calibrated on recent errors (calibration.py);
    # None: the normal band of ``uncertainty_s``.
    early_s: float | None = None
    late_s: float | None = None


@dataclass(frozen=True, slots=True)
class TripPrediction:
    trip: TripRef
    vehicle_id: str
    made_at: float  # fix time of the report the prediction was made from
    delay_s: float | None  # at the vehicle's position now; None before the trip starts
    stops: tuple[StopPrediction, ...]  # the stops still ahead, in order
