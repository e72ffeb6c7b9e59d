"""Taps through the live state's one writer: applied in order with reports,
riders let off by the stop events tracking finds, published in the snapshot."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pytest

from tests.flow.helpers import DAY, at, make_network, trip_events
from transit.flow.crowding import Occupancy, Unplaced
from transit.live.crowding import CrowdingBook
from transit.live.tracking import LiveTracking
from transit.model.network import Network
from transit.records import PaymentMedium, StopEvent, Tap, VehicleReport
from transit.tracking.descriptors import DescriptorOutcome
from transit.tracking.filters import Outcome
from transit.tracking.state import StopStatus, TripRef, VehicleState
from transit.tracking.tracker import Observation

NETWORK = make_network()  # line A: A1..A6
EVENTS = trip_events(NETWORK, "A0-2", "V1", at(8))


@dataclass
class ScriptedTracker:
    """Answers each report with the observation scripted for its timestamp."""

    network: Network
    script: dict[float, tuple[int | None, StopStatus | None, tuple[StopEvent, ...]]]
    trip_id: str = "A0-2"

    def __post_init__(self) -> None:
        self.counts: Counter[Outcome] = Counter()
        self.descriptor_counts: Counter[DescriptorOutcome] = Counter()

    def observe(self, report: VehicleReport) -> Observation:
        index, status, events = self.script[report.timestamp]
        trip = TripRef(self.trip_id, "A", 0, DAY, 8 * 3600, None)
        state = VehicleState(report.vehicle_id, report.timestamp, report.lat, report.lon, 5.0, 90.0,
                             trip, index, None if index is None else index + 1, None, status,
                             None, None)
        return Observation(report.vehicle_id, Outcome.ACCEPTED, state, events)


def report(t: float, vehicle_id: str = "V1") -> VehicleReport:
    return VehicleReport(vehicle_id, t, 35.0, 109.0, 5.0, 90.0, "test", t)


def tap(tap_id: str, t: float, vehicle_id: str = "V1") -> Tap:
    return Tap(tap_id, vehicle_id, t - 3600, PaymentMedium.CARD, "h", 35.0, 109.0, t)


T0 = at(8)
SCRIPT = {
    T0: (0, StopStatus.STOPPED_AT, ()),  # at A1
    T0 + 120: (2, StopStatus.IN_TRANSIT_TO, tuple(EVENTS[:2])),  # left A1 and A2
    T0 + 240: (3, StopStatus.STOPPED_AT, (EVENTS[2],)),  # left A3, standing at A4
}


def live() -> LiveTracking:
    return LiveTracking(ScriptedTracker(NETWORK, SCRIPT), lambda: T0 + 300)  # type: ignore[arg-type]


def test_taps_board_where_the_bus_is_in_the_order_they_came_with_reports() -> None:
    tracking = live()
    # A rider at A1; then the bus leaves A1 and A2; a rider tapping then boarded at A2.
    tracking.apply([report(T0), tap("t1", T0 + 10), report(T0 + 120), tap("t2", T0 + 130)])
    crowding = tracking.snapshot.crowding["V1"]
    # t1: 1/5 off at A2. t2 boarded at A2: its 1/4 shares are all still due.
    assert crowding.load == pytest.approx(2 - 0.2)
    assert (crowding.trip_id, crowding.boardings, crowding.learned) == ("A0-2", 2, False)
    # Standing at A4: the riders due at A3 and at A4 are off (2/5 of t1, 2/4 of
    # t2), before A4's stop event, which waits for the bus to leave.
    tracking.apply([report(T0 + 240)])
    assert tracking.snapshot.crowding["V1"].load == pytest.approx(2 - 0.6 - 0.5)


def test_a_tap_before_the_vehicle_is_heard_from_is_counted_not_placed() -> None:
    tracking = live()
    tracking.apply([tap("t0", T0 - 5), report(T0)])
    assert tracking.crowding.unplaced == Counter({Unplaced.NO_TRIP: 1})
    assert "V1" not in tracking.snapshot.crowding  # no estimate: NO_DATA readers side


def test_the_published_crowding_is_immutable_and_kept_while_nothing_changes() -> None:
    tracking = live()
    tracking.apply([report(T0), tap("t1", T0 + 10)])
    first = tracking.snapshot.crowding
    with pytest.raises(TypeError):
        first["V1"] = first["V1"]  # type: ignore[index]
    tracking.apply([report(T0, "V2")])  # a report moving no estimate
    assert tracking.snapshot.crowding is first


def test_a_bus_that_tapped_today_starts_its_next_trip_empty_not_unknown() -> None:
    book = CrowdingBook(NETWORK)
    book.tap(tap("t1", T0 + 10), VehicleState("V1", T0, 35.0, 109.0, 0.0, None,
                                               TripRef("A0-2", "A", 0, DAY, 8 * 3600, None),
                                               0, 1, "A1", StopStatus.STOPPED_AT, None, None), T0 + 10)
    book.passed(EVENTS, T0 + 900)  # to the last stop: everyone off
    assert book.publish()["V1"].load == 0
    book.passed(trip_events(NETWORK, "A0-3", "V1", at(17))[:1], at(17))
    nxt = book.publish()["V1"]
    assert (nxt.trip_id, nxt.load, nxt.boardings, nxt.status) == ("A0-3", 0, 0, Occupancy.EMPTY)
    assert not nxt.learned  # no flow day built: said so even before anyone taps
    # A vehicle never heard tapping gets no estimate from its stop events.
    book.passed(trip_events(NETWORK, "A0-1", "V7", at(7))[:2], at(7.1))
    assert "V7" not in book.publish()
