"""Predictions from vehicle states: the schedule when there is no history,
history when there is, today's slowdowns, blocks, and what passengers see
when things go wrong."""

from __future__ import annotations

from dataclasses import replace

import pytest

from feeds.simulator import simulate_day
from tests.clock import Clock
from tests.simulator.helpers import WEEKDAY, make_network
from transit.live.tracking import LiveTracking
from transit.model.network import Network
from transit.model.service_days import to_unix
from transit.prediction.history import History, learn_history
from transit.prediction.predictor import Predictor
from transit.prediction.publish import list_trip_predictions
from transit.records import StopEvent, VehicleReport
from transit.tracking.state import StopStatus, TripRef, VehicleState
from transit.tracking.tracker import Tracker

TZ = "Asia/Shanghai"
ORIGIN = to_unix(WEEKDAY, 0, TZ)
TRIP = "L1-21600-0"  # 06:00, 60 s a stop, 400 m apart; block L1-B1 continues with L1-22440-1


@pytest.fixture(scope="module")
def network() -> Network:
    return make_network(lines=2, stops_per_line=10)


def on_trip(at: float, stop_index: int, along: float, *, status: StopStatus = StopStatus.IN_TRANSIT_TO,
            delay: float | None = 0.0, trip: str = TRIP, speed: float = 0.0) -> VehicleState:
    ref = TripRef(trip, "L1", 0, WEEKDAY, 6 * 3600, "L1-B1")
    return VehicleState("TC0001", at, 35.08, 108.93, speed, 90.0, ref, stop_index, stop_index + 1,
                        f"L1-0-S{stop_index + 1:02d}", status, along, delay)


def test_without_history_the_schedule_is_followed(network: Network) -> None:
    predictor = Predictor(network, History())
    (current, *following) = predictor.predict(on_trip(ORIGIN + 6 * 3600 + 90, 2, 600.0, delay=30.0))
    arrivals = [s.arrival for s in current.stops]
    # Half-way to stop 3 (800 m), the segment scheduled at 60 s: 30 s to go, then 60 s a stop.
    assert arrivals[0] == pytest.approx(ORIGIN + 6 * 3600 + 120)
    assert arrivals[1:3] == [pytest.approx(ORIGIN + 6 * 3600 + 180), pytest.approx(ORIGIN + 6 * 3600 + 240)]
    assert [s.stop_sequence for s in current.stops] == list(range(3, 11))
    assert current.stops[-1].departure is None
    uncertainties = [s.uncertainty_s for s in current.stops]
    assert uncertainties == sorted(uncertainties) and uncertainties[0] > 0
    # The block's next trip leaves on schedule: the layover absorbs nothing here.
    assert following and following[0].trip.trip_id == "L1-22440-1"
    assert following[0].stops[0].departure == pytest.approx(ORIGIN + 22440)


def test_a_bus_matched_by_position_alone_predicts_only_its_own_trip(network: Network) -> None:
    # Its block is a guess that may be another bus's: that bus's next trips
    # are not this bus's to publish until the guess is confirmed.
    predictor = Predictor(network, History())
    confirmed = on_trip(ORIGIN + 6 * 3600 + 90, 2, 600.0, delay=30.0)
    guessed = replace(confirmed, block_confirmed=False)
    assert [p.trip.trip_id for p in predictor.predict(confirmed)][:2] == [TRIP, "L1-22440-1"]
    assert [p.trip.trip_id for p in predictor.predict(guessed)] == [TRIP]
    assert predictor.predict(guessed)[0] == predictor.predict(confirmed)[0]


def test_a_late_arrival_at_the_terminal_keeps_the_minimum_recovery(network: Network) -> None:
    predictor = Predictor(network, History())
    late = 6 * 3600 + 540 + 400  # reaching the last stop 400 s late, into a 300 s layover
    (current, following, *_) = predictor.predict(on_trip(ORIGIN + late - 60, 9, 3200.0, delay=400.0))
    assert current.stops[-1].arrival == pytest.approx(ORIGIN + late)
    assert following.stops[0].departure == pytest.approx(ORIGIN + late + 180)


def test_history_replaces_the_schedule(network: Network) -> None:
    day = simulate_day(network, WEEKDAY, seed=11)
    tracker = Tracker(network)
    events = [e for r in day.reports for e in tracker.observe(r).events]
    history = learn_history(network, events)
    assert history.days == (WEEKDAY,)
    learned = Predictor(network, history).predict(on_trip(ORIGIN + 8 * 3600, 2, 600.0))[0]
    scheduled = Predictor(network, History()).predict(on_trip(ORIGIN + 8 * 3600, 2, 600.0))[0]
    assert learned.stops[-1].arrival != pytest.approx(scheduled.stops[-1].arrival, abs=1)


def test_a_slowdown_seen_by_the_bus_ahead_slows_the_next_prediction(network: Network) -> None:
    predictor = Predictor(network, History())
    now = ORIGIN + 24960 + 120
    state = on_trip(now, 2, 600.0, trip="L1-24960-0")
    before = predictor.predict(state)[0].stops[-1].arrival
    # The bus ahead (block L1-B2) took 180 s instead of 60 s on every segment from
    # stop 3 on, finishing a minute ago.
    t = now - 60 - 8 * 190
    events = []
    for i in range(2, 10):
        events.append(StopEvent(WEEKDAY, "L1-23880-0", i + 1, f"L1-0-S{i + 1:02d}", "TC0002", t, t + 10))
        t += 190
    predictor.observe(events)
    after = predictor.predict(state)[0].stops[-1].arrival
    assert after is not None and before is not None and after > before + 2 * 60


def test_no_trip_no_prediction(network: Network) -> None:
    state = replace(on_trip(ORIGIN, 0, 0.0), trip=None)
    assert Predictor(network, History()).predict(state) == []


def report(network: Network, at: float, along: float, speed: float, received: float | None = None) -> VehicleReport:
    import numpy as np

    shape = network.shapes["L1-0"]
    lat = float(np.interp(along, shape.dists, shape.lats))
    lon = float(np.interp(along, shape.dists, shape.lons))
    return VehicleReport("TC0001", at, lat, lon, speed, 90.0, "test", received or at + 1)


def test_what_passengers_see_when_the_bus_goes_silent_or_reports_late(network: Network) -> None:
    clock = Clock(ORIGIN + 6 * 3600)
    live = LiveTracking(Tracker(network), clock, predictor=Predictor(network, History()))
    start = ORIGIN + 6 * 3600
    for offset, along in ((-120, 0.0), (-60, 0.0), (30, 200.0), (60, 400.0)):
        clock.now = start + offset + 1
        live.apply([report(network, start + offset, along, 0.0 if along == 0 else 400 / 60)])
    published = list_trip_predictions(live.snapshot.predictions)
    assert [p.trip.trip_id for p in published][:1] == [TRIP]
    newest = published[0].made_at
    # A late report (older than what the predictions were made from) does not roll them back.
    clock.now = start + 70
    live.apply([report(network, start + 45, 300.0, 400 / 60, received=start + 70)])
    assert list_trip_predictions(live.snapshot.predictions)[0].made_at == newest
    # The bus goes silent: after 5 minutes its predictions are withdrawn, not frozen.
    clock.now = start + 60 + 301
    live.apply([report(network, start + 45, 300.0, 400 / 60, received=clock.now)])
    assert list_trip_predictions(live.snapshot.predictions) == []


def test_a_vehicle_that_skips_its_next_trip_withdraws_it(network: Network) -> None:
    from transit.prediction.publish import EMPTY_BOARD, update_board

    predictor = Predictor(network, History())
    at = ORIGIN + 6 * 3600 + 500
    board = update_board(EMPTY_BOARD, "TC0001", predictor.predict(on_trip(at, 9, 3200.0)), at)
    assert {p.trip.trip_id for p in list_trip_predictions(board)} >= {TRIP, "L1-22440-1"}
    # The bus turns up on the trip after next instead: L1-22440-1 is no longer promised.
    skipped = on_trip(at + 1200, 1, 100.0, trip="L1-23280-0")
    board = update_board(board, "TC0001", predictor.predict(skipped), at + 1200)
    assert "L1-22440-1" not in {p.trip.trip_id for p in list_trip_predictions(board)}


def test_trips_whose_end_was_never_seen_are_forgotten(network: Network) -> None:
    predictor = Predictor(network, History())
    t = ORIGIN + 6 * 3600
    # A bus passes two stops of its trip, then vanishes: its last stop never comes.
    predictor.observe([StopEvent(WEEKDAY, TRIP, 1, "L1-0-S01", "TC0001", None, t),
                       StopEvent(WEEKDAY, TRIP, 2, "L1-0-S02", "TC0001", t + 60, t + 70)])
    assert predictor.tracked_trips() == 1
    later = ORIGIN + 28320  # the same block's trip leaving nearly two hours on
    predictor.observe([StopEvent(WEEKDAY, "L1-28320-0", 1, "L1-0-S01", "TC0002", None, later)])
    assert predictor.tracked_trips() == 1  # the new trip only: the vanished one is forgotten


class CountingPredictor:
    """Counts whose predictions were asked for, and predicts nothing."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, float]] = []

    def observe(self, events: object) -> None:
        pass

    def predict(self, state: VehicleState) -> list:  # type: ignore[type-arg]
        self.asked.append((state.vehicle_id, state.timestamp))
        return []


def test_a_flood_of_reports_predicts_each_bus_at_most_once_a_second(network: Network) -> None:
    predictor = CountingPredictor()
    start = ORIGIN + 6 * 3600
    clock = Clock(start)
    live = LiveTracking(Tracker(network), clock, predictor=predictor)
    # Ten fixes of a bus standing at the first stop arrive within half a second.
    for k in range(10):
        clock.now = start + 0.05 * k
        live.apply([report(network, start - 60 + k, 1.0 * k, 0.0)])
    assert predictor.asked == [("TC0001", start - 60)]
    # A second later the newest state is predicted, even with no new report of that bus.
    clock.now = start + 1.0
    live.apply([])
    assert predictor.asked[-1] == ("TC0001", start - 51)
    # Leaving the stop (a stop event) is predicted at once, within the second.
    clock.now = start + 1.1
    events = live.apply([report(network, start - 40, 150.0, 400 / 60)])
    assert events and predictor.asked[-1] == ("TC0001", start - 40)
    assert len(predictor.asked) == 3
