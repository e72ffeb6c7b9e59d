"""Is a record fit to store and to show? One set of checks for every feed.

Every record (GPS report, tap, registration text) passes here before it reaches
the writer or the live state (issue 8): a single report with a NUL byte in its
vehicle id once failed a whole group commit and stopped the service. Pure: the
instant a record is judged against is its own ``received_at``.

A failed check is a value, not an exception (``Refusal``), so that an edge can
answer in its own protocol (HTTP 400 naming the field, JT/T 808 "message error")
and count refusals by reason.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import date

from transit.records import PaymentMedium, Tap, VehicleReport

MAX_ID_CHARS = 64
# GTFS trip ids run longer than vehicle ids (some agencies pack the service,
# run and sequence into them); still bounded, as any id shown and stored.
MAX_TRIP_ID_CHARS = 128
# A terminal's clock may run a little ahead; beyond this a fix is a clock fault.
MAX_FUTURE_S = 300.0
# A POS reader's clock may be hours off (set by hand, in the wrong season or
# zone): its taps are kept with their stamp and receipt time, and the flow
# inference estimates the offset (``transit.flow.clocks`` searches as far).
# Beyond this a stamp is no clock error to correct but garbage.
MAX_READER_AHEAD_S = 3 * 3600.0
# Blind-zone backlogs (JT/T 808 0x0704) and late fare files arrive days late, never months.
MAX_AGE_S = 31 * 86_400.0
MAX_SPEED_MPS = 100.0
MAX_FARE_FEN = 100_000  # 1,000 yuan: far above any bus fare, below any typo of a card number


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a record was refused: a reason code to count by, the field, a sentence."""

    reason: str  # "control_character", "too_long", "empty", "not_utf8", "out_of_range", ...
    field: str | None
    message: str


def check_text(field: str, value: object, max_chars: int = MAX_ID_CHARS) -> Refusal | None:
    """An identifier or name: a non-empty string of at most ``max_chars``
    printable characters that encodes as UTF-8 (PostgreSQL refuses NUL and lone
    surrogates, and a control character breaks every log line and sign it reaches)."""
    if not isinstance(value, str):
        return Refusal("not_a_string", field, f"{field} must be a string")
    if not value.strip():
        return Refusal("empty", field, f"{field} must not be empty")
    if len(value) > max_chars:
        return Refusal("too_long", field, f"{field} is over {max_chars} characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return Refusal("not_utf8", field, f"{field} is not valid UTF-8 text")
    if not value.isprintable():
        bad = next(c for c in value if not c.isprintable())
        return Refusal("control_character", field,
                       f"{field} holds the control character U+{ord(bad):04X} "
                       f"({unicodedata.name(bad, 'unnamed')})")
    return None


def check_number(field: str, value: float | None, low: float, high: float) -> Refusal | None:
    """``value`` (None allowed: an optional field) finite and within [low, high]."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return Refusal("not_a_number", field, f"{field} must be a number")
    if not math.isfinite(value):
        return Refusal("not_finite", field, f"{field} must be finite")
    if not low <= value <= high:
        return Refusal("out_of_range", field, f"{field} must be within [{low:g}, {high:g}]")
    return None


def check_instant(field: str, value: float, received_at: float,
                  max_ahead_s: float = MAX_FUTURE_S) -> Refusal | None:
    """A Unix time no more than ``max_ahead_s`` ahead of ``received_at`` and
    no more than ``MAX_AGE_S`` behind it."""
    refusal = check_number(field, value, 0.0, math.inf)
    if refusal is not None:
        return refusal
    if value > received_at + max_ahead_s:
        return Refusal("in_future", field,
                       f"{field} is more than {max_ahead_s:.0f} s ahead of the server's clock")
    if value < received_at - MAX_AGE_S:
        return Refusal("too_old", field,
                       f"{field} is more than {MAX_AGE_S / 86_400:.0f} days before its receipt")
    return None


def _first(*refusals: Refusal | None) -> Refusal | None:
    return next((r for r in refusals if r is not None), None)


def check_report(report: VehicleReport) -> Refusal | None:
    """The first fault of ``report``, or None when it may be stored and tracked.

    Positions are only checked for range: (0, 0) before a first fix and jumps
    are judged by tracking, which sees the vehicle's history."""
    return _first(
        check_text("vehicle_id", report.vehicle_id),
        check_text("source", report.source),
        check_number("received_at", report.received_at, 0.0, math.inf),
        check_instant("timestamp", report.timestamp, report.received_at),
        check_number("lat", report.lat, -90.0, 90.0),
        check_number("lon", report.lon, -180.0, 180.0),
        check_number("speed_mps", report.speed_mps, 0.0, MAX_SPEED_MPS),
        check_number("bearing", report.bearing, 0.0, 360.0),
        check_trip_descriptor(report),
    )


def check_trip_descriptor(report: VehicleReport) -> Refusal | None:
    """The feed's trip descriptor, each field optional: ids printable and
    bounded, ``direction_id`` 0 or 1, ``start_date`` a date."""
    if report.direction_id is not None and (
            isinstance(report.direction_id, bool) or report.direction_id not in (0, 1)):
        return Refusal("out_of_range", "direction_id", "direction_id must be 0 or 1")
    if report.start_date is not None and not isinstance(report.start_date, date):
        return Refusal("not_a_date", "start_date", "start_date must be a date")
    return _first(
        None if report.trip_id is None else check_text("trip_id", report.trip_id, MAX_TRIP_ID_CHARS),
        None if report.route_id is None else check_text("route_id", report.route_id),
    )


def check_tap(tap: Tap) -> Refusal | None:
    """The first fault of ``tap`` (already pseudonymised), or None. Its stamp
    may run up to ``MAX_READER_AHEAD_S`` ahead of its receipt (a reader's
    clock), never more."""
    if not isinstance(tap.medium, PaymentMedium):
        return Refusal("unknown_medium", "medium", "medium must be card, wechat or alipay")
    return _first(
        check_text("tap_id", tap.tap_id, 128),
        check_text("vehicle_id", tap.vehicle_id),
        check_text("account_hash", tap.account_hash, 128),
        check_number("received_at", tap.received_at, 0.0, math.inf),
        check_instant("timestamp", tap.timestamp, tap.received_at, MAX_READER_AHEAD_S),
        check_number("lat", tap.lat, -90.0, 90.0),
        check_number("lon", tap.lon, -180.0, 180.0),
        _check_position_whole(tap.lat, tap.lon),
        None if tap.line_id is None else check_text("line_id", tap.line_id),
        check_number("amount_fen", tap.amount_fen, 0, MAX_FARE_FEN),
    )


def _check_position_whole(lat: float | None, lon: float | None) -> Refusal | None:
    if (lat is None) != (lon is None):
        return Refusal("half_position", "lat" if lat is None else "lon",
                       "lat and lon must be given together or not at all")
    return None
