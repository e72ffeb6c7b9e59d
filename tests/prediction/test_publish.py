"""The prediction board: replacement per vehicle, withdrawals, and stop lookups."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import date

import pytest

from transit.prediction.publish import (
    EMPTY_BOARD,
    ForeignPrediction,
    PredictionBoard,
    find_stop_arrivals,
    list_trip_predictions,
    update_board,
    withdraw_stale,
    withdraw_trip,
    withdraw_vehicle,
)
from transit.prediction.types import StopPrediction, TripPrediction
from transit.tracking.state import TripRef

DAY = date(2026, 3, 2)
NOW = 1_772_406_000.0  # any instant; times below are offsets from it


def trip(trip_id: str, vehicle_id: str = "V1", *, first: float = 100.0, made_at: float = NOW,
         delay_s: float | None = 0.0, stop_ids: tuple[str, ...] = ("A", "B", "C"),
         day: date = DAY) -> TripPrediction:
    """A prediction of ``trip_id`` calling at ``stop_ids`` every 60 s from NOW + ``first``."""
    stops = tuple(
        StopPrediction(i + 1, stop_id, NOW + first + 60 * i,
                       None if i == len(stop_ids) - 1 else NOW + first + 60 * i + 10, 30.0)
        for i, stop_id in enumerate(stop_ids)
    )
    return TripPrediction(TripRef(trip_id, "R1", 0, day, int(first), "B1"), vehicle_id, made_at,
                          delay_s, stops)


def trip_ids(board: PredictionBoard) -> list[str]:
    return [p.trip.trip_id for p in list_trip_predictions(board)]


def test_update_adds_a_vehicles_trips_in_start_order() -> None:
    board = update_board(EMPTY_BOARD, "V1", [trip("T2", first=900, delay_s=None), trip("T1")], NOW)
    assert trip_ids(board) == ["T1", "T2"]
    assert board.by_vehicle["V1"] == {(DAY, "T1"), (DAY, "T2")}
    assert trip_ids(EMPTY_BOARD) == []  # boards are values: the old one is unchanged


def test_board_is_immutable() -> None:
    board = update_board(EMPTY_BOARD, "V1", [trip("T1")], NOW)
    with pytest.raises(FrozenInstanceError):
        board.by_trip = {}  # type: ignore[misc]
    with pytest.raises(TypeError):
        board.by_trip[(DAY, "X")] = trip("X")  # type: ignore[index]


def test_vehicle_switching_trip_withdraws_the_old_trip() -> None:
    board = update_board(EMPTY_BOARD, "V1", [trip("T1"), trip("T2", first=900, delay_s=None)], NOW)
    board = update_board(board, "V2", [trip("T7", "V2")], NOW)
    board = update_board(board, "V1", [trip("T3", made_at=NOW + 10)], NOW + 10)
    assert trip_ids(board) == ["T3", "T7"]
    assert board.by_vehicle["V1"] == {(DAY, "T3")}


def test_update_from_an_older_report_is_ignored() -> None:
    board = update_board(EMPTY_BOARD, "V1", [trip("T1", made_at=NOW)], NOW)
    backlog = update_board(board, "V1", [trip("T0", made_at=NOW - 300)], NOW)
    assert backlog is board


def test_empty_update_withdraws_everything_the_vehicle_predicted() -> None:
    board = update_board(EMPTY_BOARD, "V1", [trip("T1")], NOW)
    board = update_board(board, "V1", [], NOW + 10)
    assert trip_ids(board) == [] and "V1" not in board.by_vehicle


def test_update_skips_trips_already_over() -> None:
    board = update_board(EMPTY_BOARD, "V1", [trip("OLD", first=-600), trip("T1")], NOW)
    assert trip_ids(board) == ["T1"]


def test_update_rejects_another_vehicles_prediction() -> None:
    with pytest.raises(ForeignPrediction, match="V2"):
        update_board(EMPTY_BOARD, "V1", [trip("T1", "V2")], NOW)


def test_vehicle_running_a_trip_keeps_it_from_one_expecting_it() -> None:
    running = update_board(EMPTY_BOARD, "V2", [trip("T2", "V2", delay_s=60)], NOW)
    # V1 still expects T2 after its current trip: it does not take T2 from V2.
    board = update_board(running, "V1", [trip("T1"), trip("T2", first=900, delay_s=None,
                                                           made_at=NOW + 5)], NOW + 5)
    assert board.by_trip[(DAY, "T2")].vehicle_id == "V2"
    assert board.by_vehicle["V1"] == {(DAY, "T1")}
    # Once V2 is gone, V1's next update publishes T2.
    board = withdraw_vehicle(board, "V2")
    board = update_board(board, "V1", [trip("T2", first=900, delay_s=None, made_at=NOW + 20)],
                         NOW + 20)
    assert board.by_vehicle["V1"] == {(DAY, "T2")}
    assert board.by_trip[(DAY, "T2")].vehicle_id == "V1"


def test_newer_running_vehicle_takes_a_trip_from_the_older() -> None:
    board = update_board(EMPTY_BOARD, "V1", [trip("T1")], NOW)
    board = update_board(board, "V2", [trip("T1", "V2", made_at=NOW + 5)], NOW + 5)
    assert board.by_trip[(DAY, "T1")].vehicle_id == "V2"
    assert "V1" not in board.by_vehicle
    # V1's later update no longer owns T1, so it cannot withdraw V2's prediction.
    board = update_board(board, "V1", [], NOW + 10)
    assert trip_ids(board) == ["T1"]


def test_stale_predictions_are_withdrawn_not_frozen() -> None:
    board = update_board(EMPTY_BOARD, "V1", [trip("T1", first=600, made_at=NOW - 200)], NOW)
    board = update_board(board, "V2", [trip("T7", "V2", first=600, made_at=NOW - 20)], NOW)
    board = withdraw_stale(board, NOW, max_age_s=120)
    assert trip_ids(board) == ["T7"]
    assert list(board.by_vehicle) == ["V2"]


def test_predictions_of_finished_trips_are_withdrawn() -> None:
    board = update_board(EMPTY_BOARD, "V1", [trip("T1", first=100)], NOW)
    assert trip_ids(withdraw_stale(board, NOW + 221, max_age_s=3600)) == []
    assert trip_ids(withdraw_stale(board, NOW + 219, max_age_s=3600)) == ["T1"]  # last stop ahead


def test_cancelled_trip_is_withdrawn() -> None:
    board = update_board(EMPTY_BOARD, "V1", [trip("T1"), trip("T2", first=900, delay_s=None)], NOW)
    board = withdraw_trip(board, DAY, "T2")
    assert trip_ids(board) == ["T1"]
    assert board.by_vehicle["V1"] == {(DAY, "T1")}
    assert withdraw_trip(board, DAY, "NOPE") is board


def test_withdraw_vehicle() -> None:
    board = update_board(EMPTY_BOARD, "V1", [trip("T1")], NOW)
    board = update_board(board, "V2", [trip("T7", "V2")], NOW)
    assert trip_ids(withdraw_vehicle(board, "V1")) == ["T7"]
    assert withdraw_vehicle(board, "V9") is board


def test_stop_arrivals_are_sorted_by_time() -> None:
    board = update_board(EMPTY_BOARD, "V1", [trip("T1", first=300),
                                             trip("T2", first=1500, delay_s=None)], NOW)
    board = update_board(board, "V2", [trip("T7", "V2", first=0, stop_ids=("X", "B"))], NOW)
    arrivals = find_stop_arrivals(board, "B")
    assert [(p.trip.trip_id, s.stop_id) for p, s in arrivals] == [("T7", "B"), ("T1", "B"),
                                                                   ("T2", "B")]
    assert [s.arrival for _, s in arrivals] == [NOW + 60, NOW + 360, NOW + 1560]
    assert find_stop_arrivals(board, "NOWHERE") == []


def test_first_stop_is_found_by_its_departure() -> None:
    first = TripPrediction(TripRef("T2", "R1", 0, DAY, 900, "B1"), "V1", NOW, None,
                           (StopPrediction(1, "A", None, NOW + 900, 60.0),
                            StopPrediction(2, "B", NOW + 960, None, 60.0)))
    board = update_board(EMPTY_BOARD, "V1", [first, trip("T1", stop_ids=("C", "A"))], NOW)
    assert [p.trip.trip_id for p, _ in find_stop_arrivals(board, "A")] == ["T1", "T2"]
