"""Arrivals at a stop: live where predicted, the timetable (marked) elsewhere."""

from __future__ import annotations

from datetime import date

from tests.gtfs.tinyfeed import TINY_FEED, zip_feed
from transit.arrivals import Source, StopTimetable, list_arrivals
from transit.gtfs.feed import load_feed
from transit.model.service_days import to_unix
from transit.prediction.publish import EMPTY_BOARD, update_board
from transit.prediction.types import StopPrediction, TripPrediction
from transit.tracking.state import TripRef

NETWORK = load_feed(zip_feed(TINY_FEED), "tiny.zip").network
DAY = date(2026, 3, 2)


def at(hours: float) -> float:
    return to_unix(DAY, int(hours * 3600), "Asia/Shanghai")


def prediction(made_at: float, s2_arrival: float) -> TripPrediction:
    ref = TripRef("T2", "R1", 0, DAY, 8 * 3600, "B1")
    stops = (StopPrediction(2, "S2", s2_arrival, s2_arrival + 20, 30.0),
             StopPrediction(3, "S3", s2_arrival + 300, None, 40.0))
    return TripPrediction(ref, "TC0001", made_at, 120.0, stops)


def test_timetable_where_no_bus_is_tracked() -> None:
    timetable = StopTimetable(NETWORK)
    arrivals = list_arrivals(NETWORK, timetable, EMPTY_BOARD, "S2", at(6.9), horizon_s=2 * 3600)
    assert [(a.trip_id, a.source) for a in arrivals] == [("T1", Source.SCHEDULED), ("T2", Source.SCHEDULED)]
    assert arrivals[1].time == at(8) + 240


def test_a_fresh_prediction_replaces_the_timetable_and_a_stale_one_does_not() -> None:
    timetable = StopTimetable(NETWORK)
    now = at(8)
    board = update_board(EMPTY_BOARD, "TC0001", [prediction(now - 10, now + 400)], now)
    (t2,) = [a for a in list_arrivals(NETWORK, timetable, board, "S2", now) if a.trip_id == "T2"]
    assert (t2.source, t2.time, t2.vehicle_id, t2.scheduled) == (Source.PREDICTED, now + 400, "TC0001", at(8) + 240)
    (t2,) = [a for a in list_arrivals(NETWORK, timetable, board, "S2", now + 200) if a.trip_id == "T2"]
    assert t2.source is Source.PREDICTED
    # Silent for over 5 minutes: no countdown is frozen; its timetable time has passed too.
    assert [a for a in list_arrivals(NETWORK, timetable, board, "S2", now + 400) if a.trip_id == "T2"] == []


def test_night_trip_after_midnight_belongs_to_the_service_day_before() -> None:
    timetable = StopTimetable(NETWORK)
    arrivals = list_arrivals(NETWORK, timetable, EMPTY_BOARD, "S1", at(24.5))
    assert [(a.trip_id, a.service_date) for a in arrivals] == [("N1", DAY)]


def test_first_and_last_bus() -> None:
    timetable = StopTimetable(NETWORK)
    assert timetable.first_and_last("S1", DAY) == {"R1": (at(7), at(24 + 40 / 60))}
