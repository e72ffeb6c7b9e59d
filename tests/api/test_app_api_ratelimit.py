"""Token buckets and key lists for the app API, on a hand-stepped clock."""

from __future__ import annotations

import pytest

from transit.api.ratelimit import InvalidKeySpec, KeyPolicy, TokenBuckets, parse_keys, retry_after_header


def test_burst_then_the_sustained_rate() -> None:
    buckets = TokenBuckets({"k": KeyPolicy("app", rate=2.0, burst=3)})
    assert [buckets.take("k", 100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("k", 100.0) == pytest.approx(0.5)
    assert buckets.take("k", 100.25) == pytest.approx(0.25)  # half a token so far: nothing taken
    assert buckets.take("k", 100.5) == 0.0
    assert buckets.take("k", 100.5) > 0
    assert [buckets.take("k", 200.0) for _ in range(3)] == [0.0, 0.0, 0.0]  # refilled up to the burst only
    assert buckets.take("k", 200.0) > 0


def test_keys_have_their_own_buckets_and_a_clock_stepping_back_refills_nothing() -> None:
    buckets = TokenBuckets({"a": KeyPolicy("a", 1.0, 1), "b": KeyPolicy("b", 1.0, 1)})
    assert buckets.take("a", 10.0) == 0.0
    assert buckets.take("b", 10.0) == 0.0
    assert buckets.take("a", 5.0) > 0
    assert buckets.find_policy("c") is None
    with pytest.raises(KeyError):
        buckets.take("c", 10.0)


def test_retry_after_is_whole_seconds_at_least_one() -> None:
    assert [retry_after_header(w) for w in (0.01, 1.0, 1.2)] == ["1", "1", "2"]


def test_parse_keys() -> None:
    assert parse_keys("tcb:s3cret:50:100, signs:abc:5.5:10") == {
        "s3cret": KeyPolicy("tcb", 50.0, 100), "abc": KeyPolicy("signs", 5.5, 10)}
    assert parse_keys("") == {}
    for bad in ["tcb:s3cret:50", "tcb:s3cret:x:1", "tcb::1:1", "a:k:1:1,b:k:1:1", "a:k:0:1"]:
        with pytest.raises(InvalidKeySpec):
            parse_keys(bad)
