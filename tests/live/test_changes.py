"""Views a live-push client sees, and which of them changed."""

from __future__ import annotations

from datetime import date

from tests.gtfs.tinyfeed import TINY_FEED, zip_feed
from transit.arrivals import Source, StopTimetable
from transit.flow.crowding import Crowding, Occupancy
from transit.boards.board import StopBoards
from transit.gtfs.feed import load_feed
from transit.live.changes import ViewKind, VehicleRow, line_views, list_changed, round_s, stop_view
from transit.model.service_days import to_unix
from transit.prediction.publish import EMPTY_BOARD, update_board
from transit.prediction.types import StopPrediction, TripPrediction
from transit.tracking.state import StopStatus, TripRef, VehicleState

NETWORK = load_feed(zip_feed(TINY_FEED), "tiny.zip").network
BOARDS = StopBoards(NETWORK, StopTimetable(NETWORK))
DAY = date(2026, 3, 2)
T2 = TripRef("T2", "R1", 0, DAY, 8 * 3600, "B1")


def at(hours: float) -> float:
    return to_unix(DAY, int(hours * 3600), "Asia/Shanghai")


def board_with_s2_at(when: float, made_at: float):  # type: ignore[no-untyped-def]
    stops = (StopPrediction(2, "S2", when, when + 20, 30.0), StopPrediction(3, "S3", when + 300, None, 40.0))
    return update_board(EMPTY_BOARD, "TC0001", [TripPrediction(T2, "TC0001", made_at, 60.0, stops)], made_at)


def bus(vehicle_id: str, delay_s: float | None, trip: TripRef | None = T2) -> VehicleState:
    return VehicleState(vehicle_id, at(7.95), 35.07, 109.074, 5.0, 45.0, trip, 1, 2, "S2",
                        StopStatus.IN_TRANSIT_TO, 300.0, delay_s)


def test_stop_view_shows_the_timetable_then_the_prediction_rounded() -> None:
    now = at(7.95)
    scheduled = stop_view(BOARDS.build(EMPTY_BOARD, "S2", now))
    assert [(r.trip_id, r.source, r.time) for r in scheduled] == [("T2", Source.SCHEDULED, at(8) + 240)]
    predicted = stop_view(BOARDS.build(board_with_s2_at(at(8) + 251, now - 5), "S2", now))
    assert [(r.trip_id, r.source, r.time) for r in predicted] == [("T2", Source.PREDICTED, at(8) + 240)]
    assert predicted != scheduled


def test_a_few_seconds_of_drift_is_no_change_half_a_minute_is() -> None:
    now = at(7.95)
    key = (ViewKind.STOP, "S2")
    first = {key: stop_view(BOARDS.build(board_with_s2_at(at(8) + 300, now - 5), "S2", now))}
    drift = {key: stop_view(BOARDS.build(board_with_s2_at(at(8) + 310, now - 4), "S2", now))}
    moved = {key: stop_view(BOARDS.build(board_with_s2_at(at(8) + 340, now - 3), "S2", now))}
    assert list_changed(first, drift) == []
    assert list_changed(first, moved) == [key]


def test_line_views_list_the_buses_on_each_line_with_rounded_delay() -> None:
    views = line_views([bus("TC0002", 44.0), bus("TC0001", None), bus("TC0003", 10.0, trip=None)], ["R1", "R9"])
    assert views == {
        "R1": (VehicleRow("TC0001", "T2", 0, "S2", None), VehicleRow("TC0002", "T2", 0, "S2", 30)),
        "R9": (),
    }
    assert round_s(-44.0) == -30


def test_new_views_count_as_changed_removed_ones_are_not_listed() -> None:
    a, b = (ViewKind.LINE, "R1"), (ViewKind.STOP, "S1")
    assert list_changed({a: ()}, {a: (), b: ()}) == [b]
    assert list_changed({a: (), b: ()}, {a: ()}) == []


def test_a_new_crowding_status_is_a_change_a_new_percentage_within_it_is_not() -> None:
    now = at(7.95)
    key = (ViewKind.STOP, "S2")

    def view(percentage: int, status: Occupancy):  # type: ignore[no-untyped-def]
        crowding = Crowding("TC0001", "T2", DAY, percentage * 0.8, percentage, status, True, 9, now)
        return {key: stop_view(BOARDS.build(board_with_s2_at(at(8) + 300, now - 5), "S2", now,
                                            {"TC0001": crowding}))}

    seats = view(20, Occupancy.MANY_SEATS_AVAILABLE)
    assert seats[key][0].crowding == "many_seats_available"
    assert list_changed(seats, view(22, Occupancy.MANY_SEATS_AVAILABLE)) == []
    assert list_changed(seats, view(45, Occupancy.STANDING_ROOM_ONLY)) == [key]
