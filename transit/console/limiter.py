"""Failed log-ins counted per account and per client address over a sliding
window: past the limit, further attempts are refused unchecked until the
oldest counted failure leaves the window. An attempt counts as a failure
from its start until it succeeds.

The account limit stops guessing one person's password from many places; the
address limit, higher because a depot's dispatchers may share one address
behind its router, stops one place guessing many accounts. A success clears
the account's failures but never the address's (else one known password
would reset an attacker's count).

Time is an argument (the caller's clock), so tests step it by hand.
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass

# Keys kept before the first sweep of expired ones; then twice the survivors.
_FIRST_SWEEP = 1024


class LimitKind(enum.StrEnum):
    ACCOUNT = "account"
    ADDRESS = "address"


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    window_s: float = 15 * 60.0
    account_failures: int = 5
    address_failures: int = 20

    def __post_init__(self) -> None:
        if not (self.window_s > 0 and self.account_failures >= 1 and self.address_failures >= 1):
            raise ValueError("login policy: window must be > 0 s and each limit at least 1 failure")


@dataclass(frozen=True, slots=True)
class LoginRefused:
    """Too many failures: which limit, and the seconds until one more try."""

    kind: LimitKind
    retry_after_s: float


class LoginLimiter:
    """The failure counts of one service (in memory: a restart forgets them)."""

    def __init__(self, policy: LoginPolicy = LoginPolicy()) -> None:
        self._policy = policy
        self._failures: dict[tuple[LimitKind, str], deque[float]] = {}
        self._sweep_at = _FIRST_SWEEP

    def begin(self, account: str, address: str, now: float) -> LoginRefused | None:
        """Start a log-in to ``account`` from ``address`` at ``now``: refused when
        either has too many failures in the window; else counted as a failure
        until ``succeeded`` takes it back. Counting it up front means guesses
        sent at once cannot all be checked before the first one counts."""
        for kind, key, limit in self._limits(account, address):
            failures = self._prune(self._failures.get((kind, key), deque()), now)
            if len(failures) >= limit:
                return LoginRefused(kind, failures[-limit] + self._policy.window_s - now)
        for kind, key, _ in self._limits(account, address):
            self._prune(self._failures.setdefault((kind, key), deque()), now).append(now)
        if len(self._failures) > self._sweep_at:
            self._sweep(now)
        return None

    def succeeded(self, account: str, address: str, began_at: float) -> None:
        """The log-in begun at ``began_at`` was right: the account's failures
        are forgotten, and the address's count loses this attempt only."""
        self._failures.pop((LimitKind.ACCOUNT, _account_key(account)), None)
        failures = self._failures.get((LimitKind.ADDRESS, address))
        if failures is not None and began_at in failures:
            failures.remove(began_at)

    def _limits(self, account: str, address: str) -> tuple[tuple[LimitKind, str, int], ...]:
        return ((LimitKind.ACCOUNT, _account_key(account), self._policy.account_failures),
                (LimitKind.ADDRESS, address, self._policy.address_failures))

    def _prune(self, failures: deque[float], now: float) -> deque[float]:
        """``failures`` (oldest first) without those that left the window by ``now``."""
        while failures and failures[0] <= now - self._policy.window_s:
            failures.popleft()
        return failures

    def _sweep(self, now: float) -> None:
        """Forget keys whose failures have all left the window, so a stream of
        new names or addresses cannot grow memory without bound."""
        for key in list(self._failures):
            if not self._prune(self._failures[key], now):
                del self._failures[key]
        self._sweep_at = max(_FIRST_SWEEP, 2 * len(self._failures))


def _account_key(account: str) -> str:
    return account.strip().casefold()
