"""The recovery a bus takes at a terminal, learned from the turnarounds seen,
and used for the block's next trip when the bus arrives late."""

from __future__ import annotations

import pytest

from tests.simulator.helpers import WEEKDAY, make_network
from transit.model.network import Network
from transit.model.service_days import to_unix
from transit.prediction.history import History, learn_history
from transit.prediction.layover import MIN_TURNAROUNDS, Turnaround, best_recovery, turnarounds
from transit.prediction.predictor import Predictor
from transit.records import StopEvent
from transit.tracking.state import StopStatus, TripRef, VehicleState

TZ = "Asia/Shanghai"
ORIGIN = to_unix(WEEKDAY, 0, TZ)
FIRST, NEXT = "L1-21600-0", "L1-22440-1"  # consecutive trips of block L1-B1


@pytest.fixture(scope="module")
def network() -> Network:
    return make_network(lines=2, stops_per_line=10)


def turnaround_events(network: Network, arrived: float, left: float, vehicle: str = "TC0001") -> list[StopEvent]:
    """The first trip's arrival at its last stop and the next trip's departure
    from its first, ``arrived`` and ``left`` seconds after the next trip's start."""
    first, following = network.trips[FIRST], network.trips[NEXT]
    end_pattern, start_pattern = network.patterns[first.pattern_id], network.patterns[following.pattern_id]
    start = ORIGIN + following.start
    return [
        StopEvent(WEEKDAY, FIRST, end_pattern.sequence_at(len(end_pattern.stop_ids) - 1),
                  end_pattern.stop_ids[-1], vehicle, start + arrived, None),
        StopEvent(WEEKDAY, NEXT, start_pattern.sequence_at(0), start_pattern.stop_ids[0], vehicle,
                  None, start + left),
    ]


def test_a_turnaround_is_read_from_a_vehicle_s_consecutive_trips(network: Network) -> None:
    found = turnarounds(network, turnaround_events(network, arrived=100.0, left=160.0))
    terminal = network.patterns[network.trips[NEXT].pattern_id].stop_ids[0]
    assert found == {terminal: [Turnaround(100.0, 160.0)]}
    # Another vehicle's departure is not this arrival's turnaround.
    events = turnaround_events(network, 100.0, 160.0)
    other = [events[0], turnaround_events(network, 100.0, 160.0, vehicle="TC0002")[1]]
    assert turnarounds(network, other) == {}


def test_the_recovery_chosen_predicts_the_departures_seen_best() -> None:
    # Buses late by 60-300 s leave 45 s after arriving; early ones wait for the start.
    late = [Turnaround(a, a + 45.0) for a in (60.0, 120.0, 200.0, 300.0)]
    early = [Turnaround(-a, 0.0) for a in (100.0, 400.0, 30.0)]
    assert best_recovery(late + early) == 45.0
    # Early arrivals alone say only that the recovery is at most their slack.
    assert best_recovery(early) == 0.0


def test_a_learned_recovery_replaces_the_default_for_a_late_bus(network: Network) -> None:
    events = [e for i in range(MIN_TURNAROUNDS)
              for e in turnaround_events(network, 120.0 + 30 * i, 180.0 + 30 * i, vehicle=f"TC{i:04d}")]
    history = learn_history(network, events)
    terminal = network.patterns[network.trips[NEXT].pattern_id].stop_ids[0]
    assert history.find_recovery(terminal) == 60.0
    late = 6 * 3600 + 540 + 400  # reaching the last stop 400 s late, into a 300 s layover
    ref = TripRef(FIRST, "L1", 0, WEEKDAY, 6 * 3600, "L1-B1")
    state = VehicleState("TC0001", ORIGIN + late - 60, 35.08, 108.93, 0.0, 90.0, ref, 9, 10,
                         "L1-0-S10", StopStatus.IN_TRANSIT_TO, 3200.0, 400.0)
    learned = Predictor(network, history).predict(state)[1].stops[0].departure
    default = Predictor(network, History()).predict(state)[1].stops[0].departure
    assert learned == pytest.approx(ORIGIN + late + 60)
    assert default == pytest.approx(ORIGIN + late + 180)


def test_broken_observations_are_counted_not_learned(network: Network) -> None:
    trip = network.trips[FIRST]
    pattern = network.patterns[trip.pattern_id]
    start = ORIGIN + trip.start
    events = [
        StopEvent(WEEKDAY, FIRST, pattern.sequence_at(1), pattern.stop_ids[1], "TC0001", start + 50, start + 60),
        # An hour to the next stop (a bus seen again after a dropout), then a 20-minute "dwell".
        StopEvent(WEEKDAY, FIRST, pattern.sequence_at(2), pattern.stop_ids[2], "TC0001",
                  start + 3660, start + 4860),
    ]
    history = learn_history(network, events)
    assert (history.dropped_running, history.dropped_dwell) == (1, 1)
    assert not history.running and history.dwell_all_day[(pattern.stop_ids[1], "weekday")].samples == 1
    again = learn_history(network, events, history)
    assert (again.dropped_running, again.dropped_dwell) == (2, 2)
