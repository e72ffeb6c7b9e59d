"""Stop boards: what a stop shows, and the one cache of them."""

from __future__ import annotations

import gc
import weakref
from datetime import date, timedelta

from tests.gtfs.tinyfeed import TINY_FEED, with_changes
from transit.arrivals import Source, StopTimetable
from transit.boards.board import StopBoards
from transit.boards.cache import BoardCache, Reuse
from transit.flow.crowding import Crowding, Occupancy
from transit.gtfs.feed import load_feed
from transit.model.service_days import to_unix
from transit.prediction.publish import EMPTY_BOARD, PredictionBoard, update_board
from transit.prediction.types import StopPrediction, TripPrediction
from transit.tracking.state import TripRef

# Beside 1路: 10路 and 2路, whose 08:30 trip turns back at S2.
ROUTES = TINY_FEED["routes"] + "R10,TC,10路,,3\nR2,TC,2路,,3\n"
TRIPS = TINY_FEED["trips"] + "R10,WK,X1,0,SH1,,七一路口\nR2,WK,Y1,0,SH1,,七一路口\nR2,WK,Y2,0,SH1,,七一路口\n" \
    "R2,WK,Y3,0,SH1,,红旗街十字\n"
STOP_TIMES = TINY_FEED["stop_times"] + "".join(
    f"{trip},{t1},{t1},S1,1\n{trip},{t2},{t2},S2,2\n{trip},{t3},{t3},S3,3\n"
    for trip, t1, t2, t3 in [("X1", "08:10:00", "08:14:00", "08:19:00"), ("Y1", "08:20:00", "08:24:00", "08:29:00"),
                             ("Y2", "09:20:00", "09:24:00", "09:29:00")]
) + "Y3,08:30:00,08:30:00,S1,1\nY3,08:34:00,08:34:00,S2,2\n"
NETWORK = load_feed(with_changes(routes=ROUTES, trips=TRIPS, stop_times=STOP_TIMES), "lines.zip").network
BOARDS = StopBoards(NETWORK, StopTimetable(NETWORK))
DAY = date(2026, 3, 2)  # a Monday


def at(hours: float) -> float:
    return to_unix(DAY, round(hours * 3600), NETWORK.timezone)


def predicted_t2(made_at: float, s2_arrival: float) -> PredictionBoard:
    ref = TripRef("T2", "R1", 0, DAY, 8 * 3600, "B1")
    stops = (StopPrediction(2, "S2", s2_arrival, s2_arrival + 20, 30.0),)
    return update_board(EMPTY_BOARD, "TC0001", [TripPrediction(ref, "TC0001", made_at, 60.0, stops)], made_at)


def test_lines_in_natural_order_with_each_routes_usual_headsign() -> None:
    board = BOARDS.build(EMPTY_BOARD, "S1", at(7.9))
    assert [(b.line.short_name, b.line.headsign, b.line.usual) for b in board.lines] == [
        ("1路", "七一路口", True), ("2路", "七一路口", True), ("2路", "红旗街十字", False), ("10路", "七一路口", True)]
    assert [a.trip_id for a in board.lines[1].arrivals] == ["Y1"]
    assert [a.trip_id for a in board.lines[2].arrivals] == ["Y3"]


def test_a_trip_ending_here_is_an_arrival_but_boards_on_no_line() -> None:
    board = BOARDS.build(EMPTY_BOARD, "S2", at(8))
    assert [a.trip_id for a in board.arrivals] == ["T2", "X1", "Y1", "Y3"]
    assert [a.trip_id for b in board.lines for a in b.arrivals] == ["T2", "Y1", "X1"]  # Y3 ends here
    assert BOARDS.build(EMPTY_BOARD, "S3", at(8)).lines == ()


def test_first_and_last_bus_of_the_service_days_running() -> None:
    board = BOARDS.build(EMPTY_BOARD, "S1", at(24 + 5 / 60))  # 00:05: the night bus N1 is still to come
    day_before, today = board.service_days
    assert (day_before.day, today.day, board.service_day) == (DAY, DAY + timedelta(days=1), DAY)
    assert (day_before.by_route["R1"].first, day_before.by_route["R1"].last) == (at(7), at(24 + 40 / 60))
    assert day_before.by_line[("R2", "红旗街十字")].first == at(8.5)
    # S2 is where Y3 ends: it counts for the route, not for the line boarding there.
    s2 = BOARDS.build(EMPTY_BOARD, "S2", at(12)).service_days[1]
    assert s2.by_route["R2"].last == at(9.4) and ("R2", "红旗街十字") not in s2.by_line


def test_predicted_where_fresh_with_the_age_of_what_it_heard() -> None:
    now = at(8)
    board = BOARDS.build(predicted_t2(now - 20, now + 200), "S2", now)
    (t2, *_) = board.arrivals
    assert (t2.source, t2.time, board.heard_at) == (Source.PREDICTED, now + 200, now - 20)
    assert BOARDS.build(EMPTY_BOARD, "S2", now).heard_at is None
    assert board.messages == () and t2.crowding is None


def test_the_cache_reuses_a_board_as_each_channel_allows() -> None:
    cache = BoardCache(BOARDS)
    now = at(8)
    predictions = predicted_t2(now - 20, now + 200)
    first = cache.get("S2", predictions, now, Reuse(1.0))
    assert cache.get("S2", predictions, now + 0.5, Reuse(1.0)) is first
    assert cache.get("S2", predictions, now + 1.0, Reuse(1.0)) is not first  # too old
    newer = predicted_t2(now - 10, now + 230)
    current = cache.get("S2", newer, now + 1.0, Reuse(10.0))
    older = cache.get("S2", predictions, now + 5, Reuse(10.0))
    assert older is not current  # made from other predictions
    assert cache.get("S2", newer, now + 6, Reuse(10.0, any_predictions=True)) is older
    assert cache.builds == 4


def test_the_cache_holds_no_predictions() -> None:
    cache = BoardCache(BOARDS)
    predictions = predicted_t2(at(8) - 20, at(8) + 200)
    held = weakref.ref(predictions)
    board = cache.get("S2", predictions, at(8), Reuse(60.0))
    del predictions
    gc.collect()
    assert held() is None  # collected: no entry kept it alive
    assert cache.get("S2", EMPTY_BOARD, at(8), Reuse(60.0)) is not board


def test_a_predicted_arrival_carries_its_bus_s_crowding_on_that_trip_only() -> None:
    now = at(8)
    on_t2 = Crowding("TC0001", "T2", DAY, 12.0, 15, Occupancy.MANY_SEATS_AVAILABLE, False, 12, now - 60)
    board = BOARDS.build(predicted_t2(now - 20, now + 200), "S2", now, {"TC0001": on_t2})
    t2 = next(a for a in board.arrivals if a.trip_id == "T2")
    assert t2.crowding is on_t2
    assert all(a.crowding is None for a in board.arrivals if a.trip_id != "T2")  # timetable
    # The bus's estimate is of another trip (its last one): nothing is shown.
    stale = Crowding("TC0001", "T1", DAY, 50.0, 62, Occupancy.STANDING_ROOM_ONLY, True, 50, now - 900)
    board = BOARDS.build(predicted_t2(now - 20, now + 200), "S2", now, {"TC0001": stale})
    assert all(a.crowding is None for a in board.arrivals)
