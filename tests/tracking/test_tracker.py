"""The tracker on a simulated day, and what each kind of bad report gets."""

from __future__ import annotations

import numpy as np
import pytest

from feeds.simulator import simulate_day
from tests.simulator.helpers import WEEKDAY, make_network
from transit.model.network import Network
from transit.model.service_days import to_unix
from transit.records import StopEvent, VehicleReport
from transit.tracking.filters import Outcome
from transit.tracking.scoring import TruePassage, score_stop_events
from transit.tracking.tracker import Tracker, TrackingParams


@pytest.fixture(scope="module")
def network() -> Network:
    return make_network(lines=2, stops_per_line=10)


def position(network: Network, pattern_id: str, along: float) -> tuple[float, float]:
    shape = network.shapes[network.patterns[pattern_id].shape_id]
    return (float(np.interp(along, shape.dists, shape.lats)),
            float(np.interp(along, shape.dists, shape.lons)))


def report(network: Network, at: float, along: float, *, vehicle: str = "TC0001",
           pattern: str = "L1-0", speed: float | None = 8.0, received: float | None = None) -> VehicleReport:
    lat, lon = position(network, pattern, along)
    return VehicleReport(vehicle, at, lat, lon, speed, 90.0, "test", at + 1 if received is None else received)


# The first trip of block L1-B1 leaves its first stop at 06:00 and runs 60 s per stop.
DEPARTS = to_unix(WEEKDAY, 6 * 3600, "Asia/Shanghai")


def drive(tracker: Tracker, network: Network, times_and_places: list[tuple[float, float]]) -> list[StopEvent]:
    events: list[StopEvent] = []
    for offset, along in times_and_places:
        speed = 0.0 if along <= 0 else 400 / 60
        events += tracker.observe(report(network, DEPARTS + offset, along, speed=speed)).events
    return events


def test_a_simulated_day_is_tracked_with_and_without_assignments(network: Network) -> None:
    day = simulate_day(network, WEEKDAY, seed=3)
    truth = [TruePassage(p.trip_id, p.stop_sequence, p.arrival, p.departure, p.vehicle_id)
             for p in day.passages]
    assignments = {(WEEKDAY, v): b for v, b in day.assignments.items()}
    for given in (None, assignments):
        tracker = Tracker(network, assignments=given)
        events = [e for r in day.reports for e in tracker.observe(r).events]
        score = score_stop_events(events, truth, {t: 1 for t in network.trips})
        assert score.detected_share >= 0.99
        assert score.error_median_s < 10 and score.error_p90_s < 30
        assert score.assignment_share >= 0.98
        assert score.false_events == 0


def test_a_bus_waiting_at_the_terminal_takes_the_next_departure(network: Network) -> None:
    tracker = Tracker(network)
    observation = tracker.observe(report(network, DEPARTS - 240, 0.0, speed=0.0))
    assert observation.state is not None and observation.state.trip is not None
    assert observation.state.trip.trip_id == "L1-21600-0"
    events = drive(tracker, network, [(-200, 0.0), (30, 200.0), (75, 500.0)])
    assert [(e.stop_sequence, e.arrival, e.departure) for e in events] == [
        (1, None, pytest.approx(DEPARTS)),
        (2, pytest.approx(DEPARTS + 60), pytest.approx(DEPARTS + 60)),
    ]


@pytest.mark.parametrize(
    ("lat", "lon", "at_offset", "received_offset", "outcome"),
    [
        (0.0, 0.0, 0, 1, Outcome.ZERO_POSITION),
        (36.0, 110.0, 0, 1, Outcome.OUTSIDE_AREA),  # 100 km away
        (None, None, 600, 1, Outcome.FUTURE),  # fix 10 min ahead of the receiving clock
        (None, None, -3600, 1, Outcome.TOO_LATE),  # uploaded an hour after the fix
    ],
)
def test_reports_refused_on_their_own(network: Network, lat: float | None, lon: float | None,
                                      at_offset: float, received_offset: float, outcome: Outcome) -> None:
    tracker = Tracker(network)
    good_lat, good_lon = position(network, "L1-0", 100.0)
    at = DEPARTS + at_offset
    bad = VehicleReport("TC0001", at, good_lat if lat is None else lat,
                        good_lon if lon is None else lon, 5.0, 0.0, "test", DEPARTS + received_offset)
    observation = tracker.observe(bad)
    assert observation.outcome is outcome and observation.state is None
    assert tracker.counts[outcome] == 1
    assert tracker.list_states() == []  # nothing about the bus was made up


def test_duplicates_and_out_of_order_reports_never_move_the_bus_back(network: Network) -> None:
    tracker = Tracker(network)
    first = report(network, DEPARTS + 30, 200.0)
    assert tracker.observe(first).outcome is Outcome.ACCEPTED
    assert tracker.observe(first).outcome is Outcome.DUPLICATE
    assert tracker.observe(report(network, DEPARTS + 60, 400.0)).outcome is Outcome.ACCEPTED
    older = tracker.observe(report(network, DEPARTS + 10, 60.0))
    assert older.outcome in (Outcome.OUT_OF_ORDER, Outcome.LATE_USED)
    (state,) = tracker.list_states()
    assert state.timestamp == DEPARTS + 60 and state.distance_along == pytest.approx(400.0, abs=5)


def test_a_five_km_jump_is_dropped_and_the_route_goes_on(network: Network) -> None:
    tracker = Tracker(network)
    tracker.observe(report(network, DEPARTS + 30, 200.0))
    lat, lon = position(network, "L1-0", 300.0)
    jump = VehicleReport("TC0001", DEPARTS + 45, lat + 0.045, lon, 8.0, 0.0, "test", DEPARTS + 46)
    assert tracker.observe(jump).outcome is Outcome.JUMP
    after = tracker.observe(report(network, DEPARTS + 60, 400.0))
    assert after.outcome is Outcome.ACCEPTED
    assert after.state is not None and after.state.distance_along == pytest.approx(400.0, abs=5)


def test_two_fixes_that_agree_after_a_jump_are_followed(network: Network) -> None:
    tracker = Tracker(network)
    tracker.observe(report(network, DEPARTS + 30, 200.0, pattern="L1-0"))
    # The first fix was the wrong one: the bus is really on line 2, 1 km north.
    assert tracker.observe(report(network, DEPARTS + 45, 300.0, pattern="L2-0")).outcome is Outcome.JUMP
    assert tracker.observe(report(network, DEPARTS + 60, 400.0, pattern="L2-0")).outcome is Outcome.ACCEPTED


def test_a_late_report_corrects_the_passage_it_falls_in(network: Network) -> None:
    tracker = Tracker(network)
    drive(tracker, network, [(-100, 0.0), (30, 200.0)])
    # A gap over stop 2 (400 m) and stop 3 (800 m): estimated from the fixes around it.
    (stop2, stop3) = drive(tracker, network, [(150, 1000.0)])
    late = report(network, DEPARTS + 90, 400.0, speed=0.0, received=DEPARTS + 160)
    observation = tracker.observe(late)
    assert observation.outcome is Outcome.LATE_USED
    corrected = {e.stop_sequence: e for e in observation.events}
    # Stop 2 was passed by the estimate; the late fix shows the bus standing there.
    assert 2 in corrected and corrected[2].departure > stop2.departure  # type: ignore[operator]
    assert corrected[2].trip_id == stop2.trip_id and corrected[2].vehicle_id == "TC0001"


def test_off_route_is_flagged_then_the_trip_is_given_up(network: Network) -> None:
    tracker = Tracker(network)
    drive(tracker, network, [(-100, 0.0), (30, 200.0), (60, 400.0)])
    lat, lon = position(network, "L1-0", 450.0)
    states = []
    for k in range(1, 10):  # a diversion 300 m south of the route
        detour = VehicleReport("TC0001", DEPARTS + 60 + 15 * k, lat - 0.0027, lon + 0.0002 * k,
                               8.0, 90.0, "test", DEPARTS + 61 + 15 * k)
        states.append(tracker.observe(detour).state)
    assert states[2] is not None and states[2].off_route and states[2].trip is not None
    assert states[-1] is not None and states[-1].trip is None


def test_one_vehicle_reporting_through_two_terminals(network: Network) -> None:
    """Two terminals bound to one bus: their fixes interleave, some out of
    order; passages still come out once each, in order."""
    tracker = Tracker(network)
    events: list[StopEvent] = []
    for offset in range(-60, 560, 10):
        along = max(0.0, offset * 400 / 60)
        terminal_lag = 3 if (offset // 10) % 2 else 0  # the second terminal's clock runs late
        r = report(network, DEPARTS + offset - terminal_lag, along,
                   speed=0.0 if along == 0 else 400 / 60)
        events += tracker.observe(r).events
    sequences = [e.stop_sequence for e in events]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences) >= 8


def test_assignments_pin_the_block(network: Network) -> None:
    tracker = Tracker(network, assignments={(WEEKDAY, "TC0001"): "L1-B2"})
    observation = tracker.observe(report(network, DEPARTS - 240, 0.0, speed=0.0))
    assert observation.state is not None and observation.state.trip is not None
    assert observation.state.trip.block_id == "L1-B2"


def test_a_confirmed_bus_whose_guessed_trip_was_taken_and_dropped_meanwhile(network: Network) -> None:
    """Claims change hands while a bus waits at a terminal: confirming its
    trip must not trip over a claim another bus took and then released."""
    tracker = Tracker(network)
    tracker.observe(report(network, DEPARTS - 240, 0.0, speed=0.0))
    (state,) = tracker.list_states()
    assert state.trip is not None
    key = (WEEKDAY, state.trip.trip_id)
    tracker._claims.pop(key)  # as if another bus had claimed it, then released it
    events = drive(tracker, network, [(-200, 0.0), (30, 200.0), (75, 500.0)])
    assert [e.stop_sequence for e in events] == [1, 2]


def test_a_bus_without_an_assignment_leaves_another_buss_block_alone(network: Network) -> None:
    # Kaohsiung, 2018-11-11: a bus with no assignment stood at the terminal and
    # took the assigned bus's first trip, for good.
    block = network.trips["L1-21600-0"].block_id
    assert block is not None
    tracker = Tracker(network, assignments={(WEEKDAY, "TC0002"): block})
    stray = tracker.observe(report(network, DEPARTS - 240, 0.0, speed=0.0, vehicle="TC0009"))
    assert stray.state is None or stray.state.trip is None or stray.state.trip.block_id != block
    owner = tracker.observe(report(network, DEPARTS - 200, 0.0, speed=0.0, vehicle="TC0002"))
    assert owner.state is not None and owner.state.trip is not None
    assert owner.state.trip.trip_id == "L1-21600-0"


def test_a_claim_lapses_when_its_bus_falls_silent(network: Network) -> None:
    # TC0001 claims the 06:00 trip at the terminal, leaves on it, then says
    # nothing. Six minutes later TC0003 is where that trip should be: a claim
    # held by a bus heard from 6 min ago stands; one whose bus has been silent
    # longer than lost_after_s not. (A claim of a bus only waiting at the
    # terminal never stands against a bus running the trip: test_loops.)
    for lost_after_s, taken in ((1800.0, False), (300.0, True)):
        tracker = Tracker(network, TrackingParams(lost_after_s=lost_after_s))
        first = tracker.observe(report(network, DEPARTS - 240, 0.0, speed=0.0, vehicle="TC0001"))
        assert first.state is not None and first.state.trip is not None
        trip_id = first.state.trip.trip_id
        tracker.observe(report(network, DEPARTS + 20, 150.0, vehicle="TC0001"))
        tracker.observe(report(network, DEPARTS + 380, 740.0, vehicle="TC0003"))
        later = tracker.observe(report(network, DEPARTS + 390, 800.0, vehicle="TC0003"))
        got = later.state.trip.trip_id if later.state is not None and later.state.trip is not None else None
        assert (got == trip_id) is taken
