"""Fuzzing the HTTP push body: any bytes give reports that validation accepts and
refusals naming each other item, or ``BadBody``."""

from __future__ import annotations

import json
from types import ModuleType

from hypothesis import given, settings
from hypothesis import strategies as st

RECEIVED_AT = 1_714_537_815.0

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(2**70), 2**70),
    st.floats(RECEIVED_AT - 40 * 86_400, RECEIVED_AT + 600),
    st.floats(-200, 200),
)
json_values = st.recursive(
    st.none() | st.booleans() | numbers | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
vehicle_ids = st.one_of(st.text(max_size=70), st.sampled_from(["TC0001", " TC0002 ", "x\x00y", "\u202e"]),
                        json_values)
reports = st.fixed_dictionaries(
    {"vehicle_id": vehicle_ids, "timestamp": numbers | json_values, "lat": numbers, "lon": numbers},
    optional={"speed_mps": numbers | st.none(), "bearing": numbers | st.none(), "extra": json_values},
)
bodies = st.one_of(
    st.lists(reports | json_values, max_size=6),
    st.fixed_dictionaries({"reports": st.lists(reports, max_size=6) | json_values}),
    json_values,
)


@settings(max_examples=400)
@given(bodies, st.booleans())
def test_any_json_body_gives_valid_reports_or_named_refusals(
    fuzz_targets: ModuleType, body: object, stdlib: bool
) -> None:
    # json.dumps writes NaN and Infinity, which are no JSON: the body is then refused.
    text = json.dumps(body, allow_nan=True) if stdlib else json.dumps(body, allow_nan=True, indent=1)
    fuzz_targets.push(text.encode())


@settings(max_examples=300)
@given(st.binary(max_size=300))
def test_any_bytes_give_reports_or_bad_body(fuzz_targets: ModuleType, body: bytes) -> None:
    fuzz_targets.push(body)
