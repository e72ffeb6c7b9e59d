"""One pushed tap item: whatever JSON a reader sends becomes a tap or a
refusal naming a field, never an exception, never a message quoting the card."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from transit.api.tap_items import PushedTap, parse_tap
from transit.records import PaymentMedium
from transit.validation import Refusal

NOW = 1_772_409_420.0
CARD = "3100555566667777"
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8)
FIELDS = ("txn_id", "time", "medium", "amount_fen", "transfer", "line_id", "lat", "lon", "vehicle_id")


def test_a_full_item_becomes_a_tap_of_the_readers_bus() -> None:
    tap = parse_tap({"txn_id": " T1 ", "card_id": CARD, "time": "2026-03-02T07:56:00+08:00",
                     "medium": "alipay", "amount_fen": 100, "transfer": True, "line_id": "R1"},
                    "POS-1", "TC0001", NOW)
    assert isinstance(tap, PushedTap)
    assert (tap.tap_id, tap.vehicle_id, tap.reader_id) == ("T1", "TC0001", "POS-1")
    assert tap.medium is PaymentMedium.ALIPAY
    assert (tap.timestamp, tap.received_at, tap.lat) == (NOW - 60, NOW, None)
    assert CARD not in repr(tap)


def test_times_and_numbers_past_any_calendar_are_refused_by_name() -> None:
    for fields, field in (({"time": "0001-01-01T00:00:00+01:00"}, "time"), ({"time": 10**400}, "time"),
                          ({"time": NOW, "medium": "card", "lat": 10**400, "lon": 0}, "lat")):
        parsed = parse_tap({"txn_id": "T", "card_id": CARD, **fields}, "POS-1", "TC0001", NOW)
        assert isinstance(parsed, Refusal) and parsed.field == field


@given(st.dictionaries(st.sampled_from(FIELDS), JSON), JSON)
def test_any_item_is_a_tap_or_a_named_refusal(fields: dict, card: object) -> None:
    parsed = parse_tap({"card_id": CARD, **fields}, "POS-1", "TC0001", NOW)
    if isinstance(parsed, Refusal):
        assert parsed.field is None or parsed.field in (*FIELDS, "card_id")
        assert CARD not in parsed.message
    else:
        assert parsed.vehicle_id == "TC0001" and parsed.account == CARD
    odd = parse_tap({**fields, "card_id": card}, "POS-1", "TC0001", NOW)
    assert isinstance(odd, (PushedTap, Refusal))
