"""The alarm detector on hand-made live states: bunching and gapping at their
thresholds (the defaults and a line's own), a bus off route, a silent
terminal, an early departure from a terminal, a sign offline; and the
same input always gives the same alarms."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tests.console.live_helpers import EIGHT, NETWORK, at, bus, departures, left, run, trip_id
from transit.console.alarms import (
    AlarmInputs,
    AlarmKind,
    AlarmRules,
    Condition,
    OfflineSign,
    ThresholdError,
    Thresholds,
    detect,
)
from transit.console.headways import ScheduledHeadways, list_headways
from transit.records import StopEvent
from transit.tracking.state import VehicleState

A, B = trip_id(EIGHT), trip_id(EIGHT + 600)  # 08:00 and 08:10, direction 0
NOW = at(EIGHT + 960)  # 08:16: B has left its sixth stop (08:15), heads for the seventh
SCHEDULED = ScheduledHeadways(NETWORK)


def found(vehicles: Sequence[VehicleState], events: Sequence[StopEvent], now: float = NOW,
          thresholds: dict[str, Thresholds] | None = None, signs: Sequence[OfflineSign] = (),
          rules: AlarmRules = AlarmRules()) -> list[Condition]:
    recent = departures(events)
    headways = list_headways(NETWORK, SCHEDULED, vehicles, recent, now)
    return detect(AlarmInputs(NETWORK, vehicles, headways, recent, thresholds or {}, signs), rules, now)


def two_buses(a_late: float, b_late: float = 0.0) -> list[Condition]:
    """Bus "a" on the 08:00 trip and "b" on the 08:10, both past their sixth stop."""
    return found([bus("a", A, 6, NOW - 5), bus("b", B, 6, NOW - 5)],
                 run("a", A, 6, a_late) + run("b", B, 6, b_late))


def test_a_bus_close_behind_the_one_ahead_is_bunching() -> None:
    (alarm,) = two_buses(a_late=420)  # a left the stop at 08:12, b at 08:15: 3 min instead of 10
    assert alarm.kind is AlarmKind.BUNCHING and alarm.key == "bunching:L1:0:b"
    assert alarm.route_ids == {"L1"} and alarm.subject == "b"
    assert dict(alarm.details) == {"direction_id": 0, "ahead": "a", "stop_id": "L1-0-S06", "actual_s": 180,
                                   "scheduled_s": 600, "threshold": 0.75}


def test_bunching_starts_at_75_percent_of_the_scheduled_headway() -> None:
    assert [c.kind for c in two_buses(a_late=150)] == [AlarmKind.BUNCHING]  # 450 s of 600: 75%
    assert two_buses(a_late=149) == []  # 451 s


def test_gapping_starts_at_125_percent() -> None:
    (alarm,) = two_buses(a_late=0, b_late=150)  # 750 s of 600
    assert alarm.kind is AlarmKind.GAPPING and alarm.details["actual_s"] == 750
    assert two_buses(a_late=0, b_late=149) == []


def test_a_line_with_its_own_thresholds_is_judged_by_them() -> None:
    events = run("a", A, 6, 150) + run("b", B, 6)
    vehicles = [bus("a", A, 6, NOW - 5), bus("b", B, 6, NOW - 5)]
    assert found(vehicles, events, thresholds={"L1": Thresholds(0.5, 1.5)}) == []
    (alarm,) = found(vehicles, events, thresholds={"L1": Thresholds(0.8, 1.5)})
    assert alarm.kind is AlarmKind.BUNCHING and alarm.details["threshold"] == 0.8
    (other_line,) = found(vehicles, events, thresholds={"L9": Thresholds(0.5, 1.5)})  # L1 keeps the default
    assert other_line.kind is AlarmKind.BUNCHING


@pytest.mark.parametrize(("bunching", "gapping"), [(0.0, 1.25), (1.0, 1.25), (0.75, 1.0), (0.75, 10.5)])
def test_thresholds_that_cannot_be_are_refused(bunching: float, gapping: float) -> None:
    with pytest.raises(ThresholdError):
        Thresholds(bunching, gapping)


def test_a_bus_whose_last_stop_left_is_missing_is_measured_a_stop_before() -> None:
    events = run("a", A, 6, 420) + run("b", B, 5)  # b's departure from the sixth stop was not seen
    (alarm,) = found([bus("a", A, 6, NOW - 5), bus("b", B, 6, NOW - 5)], events)
    assert alarm.kind is AlarmKind.BUNCHING and alarm.details["stop_id"] == "L1-0-S05"


def test_the_first_bus_of_the_day_has_no_scheduled_headway() -> None:
    first = trip_id(6 * 3600)
    now = at(6 * 3600 + 400)
    vehicles = [bus("x", first, 6, now - 5)]
    recent = departures(run("x", first, 6) + [left("y", first, 0, -3600)])
    assert list_headways(NETWORK, SCHEDULED, vehicles, recent, now) == []


def test_a_silent_terminal_on_a_running_trip() -> None:
    silent = bus("b", B, 6, NOW - 301)  # past transit.freshness's five minutes
    (alarm,) = found([silent], run("b", B, 6))
    assert alarm.kind is AlarmKind.SILENT_TERMINAL and alarm.key == "silent_terminal:b"
    assert alarm.details == {"trip_id": B, "heard_at": NOW - 301}
    assert found([bus("b", B, 6, NOW - 299)], run("b", B, 6)) == []  # still fresh


def test_no_silence_alarm_once_the_trip_is_over() -> None:
    ended = NETWORK.trips[B].end
    assert found([bus("b", B, 11, NOW - 400)], []) == []  # at its last stop: laid up
    late = at(ended + 601)
    assert found([bus("b", B, 6, late - 900)], [], now=late) == []  # past its end and the grace
    (alarm,) = found([bus("b", B, 6, late - 900, delay_s=120)], [], now=late)  # running late: not over
    assert alarm.kind is AlarmKind.SILENT_TERMINAL


def test_a_bus_off_route() -> None:
    (alarm,) = found([bus("b", B, 6, NOW - 5, off_route=True)], [])
    assert alarm.kind is AlarmKind.OFF_ROUTE and alarm.key == "off_route:b" and alarm.details["trip_id"] == B
    assert found([bus("b", B, 6, NOW - 5)], []) == []
    (silent,) = found([bus("b", B, 6, NOW - 400, off_route=True)], [])  # gone quiet: silence is the news
    assert silent.kind is AlarmKind.SILENT_TERMINAL


def test_an_early_departure_from_the_first_stop() -> None:
    (alarm,) = found([], [left("b", B, 0, -90)])
    assert alarm.kind is AlarmKind.EARLY_DEPARTURE and alarm.key == f"early_departure:2025-03-12:{B}"
    assert alarm.subject == B and alarm.details["early_s"] == 90 and alarm.details["vehicle_id"] == "b"
    assert found([], [left("b", B, 0, -59)]) == []  # within a minute of the timetable
    assert found([], [left("b", B, 1, -300)]) == []  # mid-route: not a terminal
    leaves = at(NETWORK.trips[B].start - 90)
    assert found([], [left("b", B, 0, -90)], now=leaves + 1801) == []  # held half an hour, then gone


def test_a_sign_offline() -> None:
    sign = OfflineSign("SIGN-7", "L1-0-S03", frozenset({"L1"}), None)
    (alarm,) = found([], [], signs=[sign])
    assert alarm.kind is AlarmKind.SIGN_OFFLINE and alarm.key == "sign_offline:SIGN-7"
    assert alarm.route_ids == {"L1"} and alarm.details == {"stop_id": "L1-0-S03", "last_poll": None}


def test_the_same_state_gives_the_same_alarms_in_the_same_order() -> None:
    vehicles = [bus("c", trip_id(EIGHT + 1200), 2, NOW - 400), bus("a", A, 6, NOW - 5, off_route=True),
                bus("b", B, 6, NOW - 5)]
    events = run("a", A, 6, 420) + run("b", B, 6) + [left("d", trip_id(EIGHT - 600), 0, -120)]
    first = found(vehicles, events)
    assert first == found(list(reversed(vehicles)), list(reversed(events)))
    assert [c.kind for c in first] == [AlarmKind.BUNCHING, AlarmKind.EARLY_DEPARTURE, AlarmKind.OFF_ROUTE,
                                       AlarmKind.SILENT_TERMINAL]
