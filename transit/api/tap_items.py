"""One item of a reader's tap push, checked field by field at the edge.

A refusal names the item's field (``txn_id``, ``card_id``, ``time``, ...) and
never quotes the card id: a message goes back to the reader and may be logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from transit.records import PaymentMedium
from transit.validation import (
    MAX_FARE_FEN,
    MAX_READER_AHEAD_S,
    Refusal,
    check_instant,
    check_number,
    check_text,
)

MAX_TXN_ID_CHARS = MAX_CARD_ID_CHARS = 128
_MEDIA = {m.value: m for m in PaymentMedium}


@dataclass(frozen=True, slots=True)
class PushedTap:
    """A checked item: ``transit.ingest.RawTap``, the account still in clear
    (it is pseudonymised by ingest, and held nowhere else)."""

    tap_id: str
    vehicle_id: str
    timestamp: float  # the reader's clock
    medium: PaymentMedium
    account: str
    lat: float | None
    lon: float | None
    received_at: float
    line_id: str | None
    amount_fen: int | None
    transfer: bool | None
    reader_id: str

    def __repr__(self) -> str:  # a tap in a traceback or a log must not show the card id
        return f"PushedTap(tap_id={self.tap_id!r}, vehicle_id={self.vehicle_id!r}, account=<card id>)"


class _Invalid(ValueError):
    def __init__(self, reason: str, name: str, message: str) -> None:
        super().__init__(message)
        self.refusal = Refusal(reason, name, message)


def _fail(refusal: Refusal | None) -> None:
    if refusal is not None:
        raise _Invalid(refusal.reason, refusal.field or "", refusal.message)


def _text(item: dict[str, object], name: str, max_chars: int, required: bool) -> str | None:
    value = item.get(name)
    if value is None:
        if required:
            raise _Invalid("missing_field", name, f"{name} is required")
        return None
    if not isinstance(value, str):
        # A card number sent as a JSON number has lost its leading zeros.
        raise _Invalid("not_a_string", name, f"{name} must be a string")
    _fail(check_text(name, value, max_chars))
    return value.strip()


def _number(item: dict[str, object], name: str) -> float | None:
    value = item.get(name)
    if value is None:
        return None
    # bool is an int in Python, but `true` is not a coordinate.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Invalid("not_a_number", name, f"{name} must be a number")
    return _float(value, "out_of_range", name)


def _float(value: int | float, reason: str, name: str) -> float:
    try:
        return float(value)
    except OverflowError:  # an integer past any float: no coordinate, no time
        raise _Invalid(reason, name, f"{name} is out of range") from None


def _time(item: dict[str, object], received_at: float) -> float:
    """The reader's stamp: Unix seconds, or ISO 8601 with an offset (a local
    time without one is ambiguous). Hours ahead is a reader's clock, kept for
    the flow inference to correct; days ahead is refused."""
    value = item.get("time")
    if value is None:
        raise _Invalid("missing_field", "time", "time is required")
    unreadable = _Invalid("not_a_time", "time", "time must be Unix seconds or ISO 8601 with an offset")
    if isinstance(value, str):
        try:
            stamp = datetime.fromisoformat(value)
            seconds = stamp.timestamp()
        except (ValueError, OverflowError):  # not a time; a year past the calendar's ends
            raise unreadable from None
        if stamp.tzinfo is None:
            raise unreadable
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise unreadable
    else:
        seconds = _float(value, "out_of_range", "time")
    refusal = check_instant("time", seconds, received_at, MAX_READER_AHEAD_S)
    if refusal is not None and refusal.reason == "in_future":
        ahead_h = (seconds - received_at) / 3600
        raise _Invalid("in_future", "time", f"time is {ahead_h:.1f} h ahead of the server's clock; a "
                       f"reader's clock may be off by up to {MAX_READER_AHEAD_S / 3600:.0f} h, no more")
    _fail(refusal)
    return seconds


def _extras(item: dict[str, object]) -> tuple[int | None, bool | None]:
    amount = item.get("amount_fen")
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int)):
        raise _Invalid("not_an_integer", "amount_fen", "amount_fen must be a whole number of fen")
    _fail(check_number("amount_fen", amount, 0, MAX_FARE_FEN))
    transfer = item.get("transfer")
    if transfer is not None and not isinstance(transfer, bool):
        raise _Invalid("not_a_boolean", "transfer", "transfer must be true or false")
    return amount, transfer


def readable_txn_id(item: object) -> str | None:
    """The item's transaction id if it is one, for the answer to name even a
    refused item by it."""
    txn_id = item.get("txn_id") if isinstance(item, dict) else None
    if not isinstance(txn_id, str) or check_text("txn_id", txn_id, MAX_TXN_ID_CHARS) is not None:
        return None
    return txn_id.strip()


def parse_tap(item: object, reader_id: str, vehicle_id: str, received_at: float) -> PushedTap | Refusal:
    """One pushed item, from ``reader_id`` mounted on ``vehicle_id``, as a tap;
    or the refusal naming the first field at fault."""
    if not isinstance(item, dict):
        return Refusal("not_an_object", None, "each tap must be a JSON object")
    try:
        txn_id = _text(item, "txn_id", MAX_TXN_ID_CHARS, True)
        card_id = _text(item, "card_id", MAX_CARD_ID_CHARS, True)
        stamp = _time(item, received_at)
        given = item.get("medium")
        medium = _MEDIA.get(given) if isinstance(given, str) else None
        if medium is None:
            raise _Invalid("unknown_medium", "medium", f"medium must be one of {', '.join(_MEDIA)}")
        claimed = _text(item, "vehicle_id", 64, False)
        if claimed is not None and claimed != vehicle_id:
            raise _Invalid("wrong_vehicle", "vehicle_id", f"this reader is mounted on {vehicle_id}: "
                           "it pushes taps for that bus only")
        line_id = _text(item, "line_id", 64, False)
        amount, transfer = _extras(item)
        lat, lon = _number(item, "lat"), _number(item, "lon")
        _fail(check_number("lat", lat, -90.0, 90.0) or check_number("lon", lon, -180.0, 180.0))
    except _Invalid as exc:
        return exc.refusal
    if (lat is None) != (lon is None):
        return Refusal("half_position", "lat" if lat is None else "lon",
                       "lat and lon must be given together or not at all")
    assert txn_id is not None and card_id is not None
    return PushedTap(txn_id, vehicle_id, stamp, medium, card_id, lat, lon, received_at, line_id,
                     amount, transfer, reader_id)

