"""Failed log-ins per account and per address, on a clock stepped by hand."""

from __future__ import annotations

import pytest

from transit.console.limiter import LimitKind, LoginLimiter, LoginPolicy, LoginRefused

T0 = 1_000_000.0
POLICY = LoginPolicy(window_s=900.0, account_failures=5, address_failures=20)


def fail(limiter: LoginLimiter, account: str, address: str, at: float) -> LoginRefused | None:
    """One wrong attempt: counted at its start and never taken back."""
    return limiter.begin(account, address, at)


def test_the_sixth_try_on_an_account_within_15_minutes_is_refused_until_the_first_ages_out() -> None:
    limiter = LoginLimiter(POLICY)
    for n in range(5):
        assert fail(limiter, "wang", f"10.0.0.{n}", T0 + 60 * n) is None  # from five places
    refused = limiter.begin("wang", "10.0.0.9", T0 + 300)
    assert refused == LoginRefused(LimitKind.ACCOUNT, 600.0)  # the first failure leaves at T0 + 900
    assert limiter.begin("WANG ", "10.0.0.9", T0 + 899).kind is LimitKind.ACCOUNT  # type: ignore[union-attr]
    assert limiter.begin("wang", "10.0.0.9", T0 + 900) is None
    # Other accounts were never affected.
    assert limiter.begin("li", "10.0.0.1", T0 + 300) is None


def test_a_refused_try_does_not_count() -> None:
    limiter = LoginLimiter(POLICY)
    for n in range(5):
        fail(limiter, "wang", "10.0.0.1", T0 + n)
    for n in range(100):
        assert limiter.begin("wang", "10.0.0.1", T0 + 10 + n) is not None
    assert limiter.begin("wang", "10.0.0.1", T0 + 900.5) is None  # the first five aged out, the 100 never counted


def test_one_address_guessing_many_accounts_is_refused_at_its_own_limit() -> None:
    limiter = LoginLimiter(POLICY)
    for n in range(20):
        assert fail(limiter, f"user{n}", "192.0.2.7", T0 + n) is None
    refused = limiter.begin("someone.else", "192.0.2.7", T0 + 30)
    assert refused is not None and refused.kind is LimitKind.ADDRESS
    assert refused.retry_after_s == pytest.approx(870.0)
    assert limiter.begin("someone.else", "192.0.2.8", T0 + 30) is None


def test_a_success_clears_the_account_but_only_its_own_try_at_the_address() -> None:
    limiter = LoginLimiter(LoginPolicy(account_failures=3, address_failures=4))
    for n in range(2):
        fail(limiter, "wang", "10.0.0.1", T0 + n)
    assert limiter.begin("wang", "10.0.0.1", T0 + 5) is None
    limiter.succeeded("wang", "10.0.0.1", T0 + 5)
    for n in range(2):  # the account starts again from nothing ...
        assert fail(limiter, "wang", "10.0.0.1", T0 + 10 + n) is None
    # ... but the address keeps its four real failures.
    assert limiter.begin("li", "10.0.0.1", T0 + 20).kind is LimitKind.ADDRESS  # type: ignore[union-attr]


def test_tries_begun_at_once_count_before_any_is_checked() -> None:
    """Guesses sent together: each is counted as it begins, so the sixth is
    refused though none of the first five has been judged yet."""
    limiter = LoginLimiter(POLICY)
    begun = [limiter.begin("wang", "10.0.0.1", T0) for _ in range(6)]
    assert begun[:5] == [None] * 5 and begun[5] is not None


def test_memory_is_swept_of_names_whose_failures_aged_out() -> None:
    limiter = LoginLimiter(POLICY)
    for n in range(3000):
        fail(limiter, f"guess{n}", f"198.51.100.{n % 250}", T0 + n)
    # Sweeps keep only keys with a failure in the last 15 minutes.
    assert len(limiter._failures) < 2 * (900 + 250) + 2  # noqa: SLF001 - the bound is the point


def test_a_policy_that_limits_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="window must be > 0"):
        LoginPolicy(window_s=0)
    with pytest.raises(ValueError, match="at least 1 failure"):
        LoginPolicy(account_failures=0)
