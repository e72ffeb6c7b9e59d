"""Feeds that go wrong in the ways real ones do (issue 10's list): what the
tracker and the predictor then do, and what a passenger at a stop sees.

Each case drives the live state (tracker, predictor, prediction board: the
path the service runs) with reports on a small two-line network, then reads
the stop board a sign or the app would show."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pytest

from tests.clock import Clock
from tests.simulator.helpers import WEEKDAY, make_network
from transit.arrivals import Source, StopTimetable
from transit.boards.board import StopBoard, StopBoards
from transit.live.tracking import LiveTracking
from transit.model.network import Network
from transit.model.service_days import to_unix
from transit.prediction.history import History
from transit.prediction.predictor import Predictor
from transit.prediction.publish import list_trip_predictions
from transit.records import VehicleReport
from transit.tracking.descriptors import DescriptorOutcome
from transit.tracking.filters import Outcome
from transit.tracking.tracker import Tracker

# Line 1's first trip (block L1-B1) leaves L1-0-S01 at 06:00 and takes 60 s a
# stop, 400 m apart; line 2 runs parallel 1 km north.
DEPARTS = to_unix(WEEKDAY, 6 * 3600, "Asia/Shanghai")
FIRST_TRIP = "L1-21600-0"
SPEED = 400 / 60


@pytest.fixture(scope="module")
def network() -> Network:
    return make_network(lines=2, stops_per_line=10)


class Service:
    """The live state as the service holds it, on a hand-set clock."""

    def __init__(self, network: Network) -> None:
        self.clock = Clock(DEPARTS - 600)
        self.tracker = Tracker(network)
        self.live = LiveTracking(self.tracker, self.clock, predictor=Predictor(network, History()))
        self.boards = StopBoards(network, StopTimetable(network))
        self.network = network

    def send(self, reports: Iterable[VehicleReport]) -> None:
        for report in reports:
            self.clock.now = report.received_at
            self.live.apply([report])

    def trips_predicted(self, vehicle: str = "TC0001") -> list[str]:
        return [p.trip.trip_id for p in list_trip_predictions(self.live.snapshot.predictions)
                if p.vehicle_id == vehicle]

    def board(self, stop_id: str) -> StopBoard:
        return self.boards.build(self.live.snapshot.predictions, stop_id, self.clock.now)


def fix(network: Network, at: float, along: float, *, pattern: str = "L1-0", vehicle: str = "TC0001",
        speed: float | None = None, **descriptor: str) -> VehicleReport:
    shape = network.shapes[network.patterns[pattern].shape_id]
    lat = float(np.interp(along, shape.dists, shape.lats))
    lon = float(np.interp(along, shape.dists, shape.lons))
    moving = (0.0 if along <= 0 else SPEED) if speed is None else speed
    return VehicleReport(vehicle, at, lat, lon, moving, 90.0, "test", at + 1, **descriptor)  # type: ignore[arg-type]


def run_first_trip(network: Network, offsets: Iterable[float], **kwargs: str) -> list[VehicleReport]:
    """Fixes of a bus leaving L1-0-S01 on time at 06:00 at ``SPEED``."""
    return [fix(network, DEPARTS + t, max(0.0, t * SPEED), **kwargs) for t in offsets]


def source_of(board: StopBoard, trip_id: str) -> Source | None:
    return next((a.source for a in board.arrivals if a.trip_id == trip_id), None)


def test_trip_ids_from_another_gtfs_version_are_counted_and_the_bus_is_tracked_by_position(
        network: Network) -> None:
    service = Service(network)
    service.send(run_first_trip(network, range(-120, 150, 30), trip_id="2025-OLD-1", route_id="L1"))
    (state,) = service.tracker.list_states()
    assert state.trip is not None and state.trip.trip_id == FIRST_TRIP  # matched by where it runs
    assert service.tracker.descriptor_counts[DescriptorOutcome.UNKNOWN_TRIP] > 0
    # Passengers downstream see the bus's prediction, not the timetable alone.
    assert source_of(service.board("L1-0-S05"), FIRST_TRIP) is Source.PREDICTED


def test_a_bus_that_changes_line_mid_day_leaves_the_first_lines_boards(network: Network) -> None:
    service = Service(network)
    service.send(run_first_trip(network, range(-120, 330, 30)))  # half-way along line 1
    assert service.trips_predicted()[:2] == [FIRST_TRIP, "L1-22440-1"]
    assert source_of(service.board("L1-1-S03"), "L1-22440-1") is Source.PREDICTED
    # It turns off line 1 and 200 s later runs along line 2, 1 km north.
    later = DEPARTS + 500
    service.send(fix(network, later + 30 * k, 400.0 + 30 * k * SPEED, pattern="L2-0") for k in range(3))
    (state,) = service.tracker.list_states()
    assert state.off_route
    # Off its route: line 1's stops no longer count down to it (nor to its
    # block's next trip back); they show the timetable.
    assert service.trips_predicted() == []
    assert source_of(service.board("L1-1-S03"), "L1-22440-1") is Source.SCHEDULED
    # Once its old trip is given up it is matched on line 2, and predicted there.
    service.send(fix(network, later + 30 * k, 400.0 + 30 * k * SPEED, pattern="L2-0") for k in range(3, 12))
    (state,) = service.tracker.list_states()
    assert state.trip is not None and state.trip.route_id == "L2" and not state.off_route
    assert service.trips_predicted() and all(t.startswith("L2-") for t in service.trips_predicted())


def test_a_bus_standing_at_its_terminal_for_an_hour_is_promised_nothing_after_a_while(
        network: Network) -> None:
    service = Service(network)
    standing = [fix(network, DEPARTS - 300 + 30 * k, 0.0) for k in range(10)]
    service.send(standing)
    # Before and just after its time: "leaving now" is the honest estimate.
    assert service.trips_predicted()[0] == FIRST_TRIP
    assert source_of(service.board("L1-0-S03"), FIRST_TRIP) is Source.PREDICTED
    service.send(fix(network, DEPARTS + 60 * m, 0.0) for m in range(1, 16))
    assert service.trips_predicted()[0] == FIRST_TRIP  # 15 min late: still expected to go
    service.send(fix(network, DEPARTS + 60 * m, 0.0) for m in range(16, 61))
    (state,) = service.tracker.list_states()
    assert state.trip is not None and state.trip.trip_id == FIRST_TRIP and state.delay_s is None
    assert service.tracker.counts[Outcome.ACCEPTED] == 10 + 60  # every fix taken, none dropped
    # An hour on, no countdown that never ends: nothing is promised for this bus.
    assert service.trips_predicted() == []
    assert service.live.snapshot.predictions.by_trip == {}
    # It moves at last, an hour on: without an assignment it is taken for the
    # trip it most likely runs (the 06:56, 4 minutes late), and predicted.
    service.send([fix(network, DEPARTS + 3630, 200.0), fix(network, DEPARTS + 3660, 400.0)])
    assert service.trips_predicted()[0] == "L1-24960-0"
    assert service.live.snapshot.vehicles["TC0001"].delay_s == pytest.approx(240, abs=60)


def test_fixes_five_minutes_apart_fill_the_stops_between_and_keep_predicting(network: Network) -> None:
    service = Service(network)
    events = []
    for k in range(4):  # 06:00, 06:05, 06:10, 06:15 (at the end of the 3.6 km trip)
        report = fix(network, DEPARTS + 300 * k, 300 * k * 4.0, speed=4.0)
        service.clock.now = report.received_at
        events += service.live.apply([report])
    passed = [e.stop_sequence for e in events if e.trip_id == FIRST_TRIP]
    assert passed == list(range(1, 11))  # the stops between fixes are interpolated, not lost
    arrivals = [e.arrival for e in events if e.trip_id == FIRST_TRIP and e.arrival is not None]
    assert arrivals == sorted(arrivals)
    # The bus was heard 0-5 min ago throughout: its next trips stay predicted.
    assert service.trips_predicted()


def test_duplicate_fixes_with_different_positions_keep_the_first(network: Network) -> None:
    service = Service(network)
    service.send(run_first_trip(network, (-60, 0, 30)))
    moved = fix(network, DEPARTS + 30, 1500.0)  # the same instant, 1.3 km further on
    service.send([moved])
    assert service.tracker.counts[Outcome.DUPLICATE] == 1
    (state,) = service.tracker.list_states()
    assert state.distance_along == pytest.approx(30 * SPEED, abs=10)  # the first one stands
    assert service.trips_predicted()[0] == FIRST_TRIP


def test_a_vehicle_unknown_to_the_schedule_is_tracked_by_where_it_runs(network: Network) -> None:
    service = Service(network)
    service.send(run_first_trip(network, range(-60, 200, 30), vehicle="粤B-99999"))
    (state,) = service.tracker.list_states()
    assert state.vehicle_id == "粤B-99999" and state.trip is not None and state.trip.trip_id == FIRST_TRIP
    assert service.trips_predicted("粤B-99999")[0] == FIRST_TRIP
    # Out of service (far from any route) it is followed, never matched, never predicted.
    service.send([VehicleReport("TC-DEPOT", DEPARTS, 35.10, 108.99, 0.0, 0.0, "test", DEPARTS + 1)])
    depot = next(s for s in service.tracker.list_states() if s.vehicle_id == "TC-DEPOT")
    assert depot.trip is None and service.trips_predicted("TC-DEPOT") == []
