"""The one set of record checks: what is refused, with which reason and field."""

from __future__ import annotations

import math
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from transit.records import PaymentMedium, Tap, VehicleReport
from transit.validation import (
    MAX_AGE_S,
    MAX_FUTURE_S,
    MAX_READER_AHEAD_S,
    check_report,
    check_tap,
    check_text,
)

NOW = 1_772_406_300.0


def report(**changes: object) -> VehicleReport:
    fields: dict = {"vehicle_id": "TC0001", "timestamp": NOW - 5, "lat": 35.07, "lon": 109.07,
                    "speed_mps": 5.0, "bearing": 90.0, "source": "jt808", "received_at": NOW}
    return VehicleReport(**(fields | changes))


def tap(**changes: object) -> Tap:
    fields: dict = {"tap_id": "T1", "vehicle_id": "TC0001", "timestamp": NOW - 5,
                    "medium": PaymentMedium.CARD, "account_hash": "ab" * 16, "lat": 35.07,
                    "lon": 109.07, "received_at": NOW}
    return Tap(**(fields | changes))


def test_a_plain_report_and_tap_pass() -> None:
    assert check_report(report()) is None
    assert check_report(report(vehicle_id="陕B·D0077", speed_mps=None, bearing=None)) is None
    assert check_report(report(trip_id="T" * 128, route_id="D96", direction_id=0,
                               start_date=date(2026, 2, 16))) is None
    assert check_tap(tap()) is None


@pytest.mark.parametrize(("changes", "reason", "field"), [
    ({"vehicle_id": "x\x00y"}, "control_character", "vehicle_id"),
    ({"vehicle_id": "TC\u200f01"}, "control_character", "vehicle_id"),  # a bidi mark
    ({"vehicle_id": "a\ud800"}, "not_utf8", "vehicle_id"),
    ({"vehicle_id": "  "}, "empty", "vehicle_id"),
    ({"vehicle_id": "T" * 65}, "too_long", "vehicle_id"),
    ({"vehicle_id": 7}, "not_a_string", "vehicle_id"),
    ({"source": "http:\x1b[31m"}, "control_character", "source"),
    ({"lat": math.nan}, "not_finite", "lat"),
    ({"lon": math.inf}, "not_finite", "lon"),
    ({"lat": -90.01}, "out_of_range", "lat"),
    ({"speed_mps": 1e40}, "out_of_range", "speed_mps"),
    ({"bearing": -1.0}, "out_of_range", "bearing"),
    ({"timestamp": NOW + MAX_FUTURE_S + 1}, "in_future", "timestamp"),
    ({"timestamp": NOW - MAX_AGE_S - 1}, "too_old", "timestamp"),
    ({"timestamp": -1.0}, "out_of_range", "timestamp"),
    ({"received_at": math.nan}, "not_finite", "received_at"),
    ({"trip_id": "30095100\x00"}, "control_character", "trip_id"),
    ({"trip_id": "T" * 129}, "too_long", "trip_id"),
    ({"trip_id": ""}, "empty", "trip_id"),
    ({"route_id": "D96\n"}, "control_character", "route_id"),
    ({"direction_id": 2}, "out_of_range", "direction_id"),
    ({"direction_id": True}, "out_of_range", "direction_id"),
    ({"start_date": "20260216"}, "not_a_date", "start_date"),
])
def test_each_fault_of_a_report_is_named(changes: dict, reason: str, field: str) -> None:
    refusal = check_report(report(**changes))
    assert refusal is not None and (refusal.reason, refusal.field) == (reason, field)
    assert field in refusal.message


def test_a_control_character_is_named_in_the_message() -> None:
    refusal = check_text("vehicle_id", "x\x00y")
    assert refusal is not None and "U+0000" in refusal.message


@pytest.mark.parametrize(("changes", "field"), [
    ({"tap_id": "t\x00"}, "tap_id"), ({"vehicle_id": ""}, "vehicle_id"),
    ({"medium": "cash"}, "medium"), ({"lon": 200.0}, "lon"),
    ({"timestamp": NOW + MAX_READER_AHEAD_S + 1}, "timestamp"),
    ({"lat": None}, "lat"), ({"amount_fen": -1}, "amount_fen"), ({"line_id": "L\n1"}, "line_id"),
])
def test_each_fault_of_a_tap_is_named(changes: dict, field: str) -> None:
    refusal = check_tap(tap(**changes))
    assert refusal is not None and refusal.field == field


def test_a_reader_clock_hours_ahead_is_kept_not_refused() -> None:
    """The flow inference corrects a reader's clock up to 3 h off; a GPS fix
    that far ahead is a fault."""
    assert check_tap(tap(timestamp=NOW + 3600)) is None
    assert check_tap(tap(timestamp=NOW - 3600)) is None
    refused = check_report(report(timestamp=NOW + 3600))
    assert refused is not None and refused.reason == "in_future"


@given(st.text(max_size=64))
def test_text_passes_exactly_when_printable_non_empty_and_utf8(text: str) -> None:
    try:
        text.encode("utf-8")
        utf8 = True
    except UnicodeEncodeError:
        utf8 = False
    fine = bool(text.strip()) and text.isprintable() and utf8
    assert (check_text("vehicle_id", text) is None) == fine


@given(st.text(min_size=1, max_size=64), st.floats(), st.floats(), st.floats(allow_nan=True))
def test_what_passes_can_be_stored(vehicle: str, lat: float, lon: float, at: float) -> None:
    """Whatever passes is text PostgreSQL takes and numbers in their ranges."""
    candidate = report(vehicle_id=vehicle, lat=lat, lon=lon, timestamp=at)
    if check_report(candidate) is None:
        assert "\x00" not in vehicle
        vehicle.encode("utf-8")
        assert -90 <= lat <= 90 and -180 <= lon <= 180
        assert NOW - MAX_AGE_S <= at <= NOW + MAX_FUTURE_S
