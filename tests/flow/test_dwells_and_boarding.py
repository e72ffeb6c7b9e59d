"""Dwell windows from stop events, and each tap's boarding stop on them."""

from __future__ import annotations

import pytest

from tests.flow.helpers import at, dwell_time, make_network, tap, trip_events
from transit.flow.boarding import Boarding, Unplaced, place_taps
from transit.flow.dwells import list_dwells
from transit.flow.params import FlowParams

NETWORK = make_network()
START = at(7)


def test_windows_open_before_a_first_departure_and_no_one_boards_at_the_last_stop() -> None:
    events = trip_events(NETWORK, "A0-1", "bus-1", START)
    events += trip_events(NETWORK, "A1-1", "bus-1", START + 900)
    dwells = list_dwells(NETWORK, events)
    timeline = dwells.timelines["bus-1"]
    assert [d.stop_id for d in timeline.dwells] == ["A1", "A2", "A3", "A4", "A5"] + [
        "A6", "A5", "A4", "A3", "A2"]
    first = timeline.dwells[0]
    assert (first.start, first.end) == (START - FlowParams().first_stop_boarding_s, START)
    # The return trip's first stop opens when the bus reached A6 at the end of the trip before.
    back = timeline.dwells[5]
    arrived = dwells.trips[(back.service_date, "A0-1")][-1]
    assert arrived is not None and not arrived.boarding
    assert (back.start, back.end) == (arrived.end, START + 900)


def test_a_missed_stop_is_interpolated_and_flagged() -> None:
    events = trip_events(NETWORK, "A0-1", "bus-1", START, skip=(2,))
    dwell = list_dwells(NETWORK, events).trips[(events[0].service_date, "A0-1")][2]
    assert dwell is not None and not dwell.observed
    assert dwell.start == dwell.end == pytest.approx((START + 120 + START + 360 - 20) / 2)


def place(times: list[float], offset: float = 0.0, events=None):  # type: ignore[no-untyped-def]
    events = events if events is not None else trip_events(NETWORK, "A0-1", "bus-1", START)
    timeline = list_dwells(NETWORK, events).timelines.get("bus-1")
    taps = [tap(f"t{i}", "bus-1", t) for i, t in enumerate(times)]
    return place_taps(taps, offset, timeline)


def test_a_tap_inside_a_dwell_is_placed_there_for_sure() -> None:
    (boarding,) = place([dwell_time(START, 2)])
    assert isinstance(boarding, Boarding)
    assert (boarding.trip_id, boarding.stop_id, boarding.stop_index, boarding.confidence) == (
        "A0-1", "A3", 2, 1.0)


def test_a_tap_just_outside_goes_to_the_nearest_dwell_with_less_confidence() -> None:
    departure_a3 = START + 240
    just_after, midway = place([departure_a3 + 10, departure_a3 + 50])
    assert isinstance(just_after, Boarding) and just_after.stop_id == "A3"
    assert 0.7 < just_after.confidence < 1.0
    assert isinstance(midway, Boarding) and midway.confidence < 0.5


def test_the_reader_offset_is_taken_off_before_placing() -> None:
    (boarding,) = place([dwell_time(START, 3) + 3600], offset=3600)
    assert isinstance(boarding, Boarding) and boarding.stop_id == "A4"
    assert boarding.time == pytest.approx(dwell_time(START, 3))


def test_taps_outside_every_trip_and_of_unknown_vehicles_are_not_placed() -> None:
    assert place([START + 3 * 3600]) == [Unplaced.OUTSIDE_TRIPS]
    assert place_taps([tap("t", "bus-9", START)], 0.0, None) == [Unplaced.UNKNOWN_VEHICLE]


def test_a_tap_at_an_interpolated_stop_has_less_confidence() -> None:
    events = trip_events(NETWORK, "A0-1", "bus-1", START, skip=(2,))
    (boarding,) = place([(START + 120 + START + 340) / 2], events=events)
    assert isinstance(boarding, Boarding) and boarding.stop_id == "A3"
    assert boarding.confidence == FlowParams().interpolated_confidence
