"""The current predictions, as readers (GTFS-RT, signs, the app) see them.

A ``PredictionBoard`` is an immutable value: the live-state writer derives a
new board from the old one with the functions below and hands it to readers,
who never see it change under them. Pure: time is an argument.

Rules the board keeps:

- a vehicle's latest update replaces everything it predicted before, so a trip
  it no longer expects to run (it changed trip, skipped one) disappears;
- a prediction is withdrawn when its report is too old or its trip is over,
  never left frozen on a sign;
- one prediction per trip instance (service date, trip id): when two vehicles
  claim the same trip, the one running it beats one that only expects to run
  it later in its block, then the newer wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from types import MappingProxyType
from typing import TypeVar

from transit.prediction.types import StopPrediction, TripPrediction

TripKey = tuple[date, str]  # (service date, trip id): one trip instance
_K = TypeVar("_K")
_V = TypeVar("_V")


class ForeignPrediction(ValueError):
    """``update_board`` got a prediction made for another vehicle."""

    def __init__(self, vehicle_id: str, prediction: TripPrediction) -> None:
        super().__init__(
            f"update for vehicle {vehicle_id!r} holds a prediction of vehicle "
            f"{prediction.vehicle_id!r} (trip {prediction.trip.trip_id!r})"
        )
        self.vehicle_id = vehicle_id
        self.prediction = prediction


def _frozen(mapping: dict[_K, _V]) -> Mapping[_K, _V]:
    # A read-only view: readers share the board, none may change it.
    return MappingProxyType(mapping)


@dataclass(frozen=True)
class PredictionBoard:
    """The latest prediction per trip instance, and which trips each vehicle
    predicts (``by_vehicle[v]`` holds exactly the keys whose prediction is v's).
    """

    by_trip: Mapping[TripKey, TripPrediction] = field(default_factory=lambda: _frozen({}))
    by_vehicle: Mapping[str, frozenset[TripKey]] = field(default_factory=lambda: _frozen({}))

    @cached_property
    def _by_stop(self) -> Mapping[str, tuple[tuple[TripPrediction, StopPrediction], ...]]:
        """Stop id -> (trip, stop) pairs sorted by time. Built on the first stop
        lookup of this board rather than on every update: the writer makes a
        board per report, readers look up stops only in some of them."""
        pairs: dict[str, list[tuple[float, str, TripPrediction, StopPrediction]]] = {}
        for prediction in self.by_trip.values():
            for stop in prediction.stops:
                when = _stop_time(stop)
                if when is not None:
                    pairs.setdefault(stop.stop_id, []).append(
                        (when, prediction.trip.trip_id, prediction, stop)
                    )
        return _frozen({
            stop_id: tuple((p, s) for _, _, p, s in sorted(rows, key=lambda r: (r[0], r[1])))
            for stop_id, rows in pairs.items()
        })


EMPTY_BOARD = PredictionBoard()


def update_board(
    board: PredictionBoard,
    vehicle_id: str,
    predictions: Sequence[TripPrediction],
    now: float,
) -> PredictionBoard:
    """``board`` with ``vehicle_id``'s predictions replaced by ``predictions``.

    Predictions of trips already over at ``now`` are not taken. An update
    made from an older report than the vehicle's current predictions is
    ignored: a terminal's blind-zone backlog (JT/T 808 0x0704) arrives after
    fresher reports and must not roll the board back.
    Raises ``ForeignPrediction`` if a prediction names another vehicle.
    """
    return update_board_batch(board, {vehicle_id: predictions}, now)


def update_board_batch(
    board: PredictionBoard,
    updates: Mapping[str, Sequence[TripPrediction]],
    now: float,
) -> PredictionBoard:
    """``update_board`` for several vehicles at once, copying the board once:
    the writer applies reports in batches under load."""
    by_trip = dict(board.by_trip)
    by_vehicle = dict(board.by_vehicle)
    changed = False
    for vehicle_id, predictions in updates.items():
        changed |= _replace(by_trip, by_vehicle, vehicle_id, predictions, now)
    return PredictionBoard(_frozen(by_trip), _frozen(by_vehicle)) if changed else board


def _replace(
    by_trip: dict[TripKey, TripPrediction],
    by_vehicle: dict[str, frozenset[TripKey]],
    vehicle_id: str,
    predictions: Sequence[TripPrediction],
    now: float,
) -> bool:
    for prediction in predictions:
        if prediction.vehicle_id != vehicle_id:
            raise ForeignPrediction(vehicle_id, prediction)
    held = [by_trip[key] for key in by_vehicle.get(vehicle_id, ())]
    if held and predictions and max(p.made_at for p in predictions) < max(p.made_at for p in held):
        return False
    for key in by_vehicle.pop(vehicle_id, frozenset()):
        del by_trip[key]
    claimed: set[TripKey] = set()
    for prediction in predictions:
        if _is_over(prediction, now):
            continue
        key = trip_key(prediction)
        rival = by_trip.get(key)
        if rival is not None and not _beats(prediction, rival):
            continue
        if rival is not None and rival.vehicle_id != vehicle_id:
            _release(by_vehicle, rival.vehicle_id, key)
        by_trip[key] = prediction
        claimed.add(key)
    if claimed:
        by_vehicle[vehicle_id] = frozenset(claimed)
    return True


def withdraw_stale(board: PredictionBoard, now: float, max_age_s: float) -> PredictionBoard:
    """``board`` without predictions made from reports older than ``max_age_s``
    at ``now`` (a vehicle that stopped reporting) or whose trip is over."""
    stale = [
        key
        for key, prediction in board.by_trip.items()
        if now - prediction.made_at > max_age_s or _is_over(prediction, now)
    ]
    return _without(board, stale)


def withdraw_vehicle(board: PredictionBoard, vehicle_id: str) -> PredictionBoard:
    """``board`` without anything ``vehicle_id`` predicts (logged off, out of service)."""
    return _without(board, board.by_vehicle.get(vehicle_id, ()))


def withdraw_trip(board: PredictionBoard, service_date: date, trip_id: str) -> PredictionBoard:
    """``board`` without the prediction of one trip instance (a cancelled trip)."""
    return _without(board, [(service_date, trip_id)])


def list_trip_predictions(board: PredictionBoard) -> list[TripPrediction]:
    """Every current prediction, by service date, scheduled start, then trip id."""
    return sorted(
        board.by_trip.values(),
        key=lambda p: (p.trip.service_date, p.trip.start_time, p.trip.trip_id),
    )


def find_stop_arrivals(
    board: PredictionBoard, stop_id: str
) -> list[tuple[TripPrediction, StopPrediction]]:
    """The predicted calls at ``stop_id`` (empty if none), soonest first, by
    arrival or, at a trip's first stop, departure."""
    return list(board._by_stop.get(stop_id, ()))


def trip_key(prediction: TripPrediction) -> TripKey:
    return (prediction.trip.service_date, prediction.trip.trip_id)


def _stop_time(stop: StopPrediction) -> float | None:
    return stop.arrival if stop.arrival is not None else stop.departure


def _is_over(prediction: TripPrediction, now: float) -> bool:
    """Whether every predicted time of the trip is before ``now`` (true with none).
    Times increase along a trip, so the last stop that has one decides."""
    for stop in reversed(prediction.stops):
        last = stop.departure if stop.departure is not None else stop.arrival
        if last is not None:
            return last < now
    return True


def _beats(challenger: TripPrediction, holder: TripPrediction) -> bool:
    """Whether ``challenger`` should replace ``holder`` for the same trip.

    A vehicle on the trip (it has a delay) knows better than one expecting to
    run it after its current trip; without this the two would take the trip
    from each other on every report and its ETAs would jump.
    """
    running = (challenger.delay_s is not None, challenger.made_at)
    held = (holder.delay_s is not None, holder.made_at)
    return challenger.vehicle_id == holder.vehicle_id or running >= held


def _release(by_vehicle: dict[str, frozenset[TripKey]], vehicle_id: str, key: TripKey) -> None:
    remaining = by_vehicle.get(vehicle_id, frozenset()) - {key}
    if remaining:
        by_vehicle[vehicle_id] = remaining
    else:
        by_vehicle.pop(vehicle_id, None)


def _without(board: PredictionBoard, keys: Iterable[TripKey]) -> PredictionBoard:
    gone = [key for key in keys if key in board.by_trip]
    if not gone:
        return board
    by_trip = dict(board.by_trip)
    by_vehicle = dict(board.by_vehicle)
    for key in gone:
        _release(by_vehicle, by_trip.pop(key).vehicle_id, key)
    return PredictionBoard(_frozen(by_trip), _frozen(by_vehicle))
