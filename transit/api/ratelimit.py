"""Per-key token buckets for the app API, and the key policies they enforce.

Pure: the caller passes the time (the service clock), so tests step it by
hand instead of sleeping. A bucket holds up to ``burst`` tokens, refills at
``rate`` per second, and each request takes one.
"""

from __future__ import annotations

import hmac
import math
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class KeyPolicy:
    name: str  # who holds the key (for logs and metrics; the key itself is never logged)
    rate: float  # sustained requests per second
    burst: int  # requests allowed at once after a quiet spell

    def __post_init__(self) -> None:
        if not (self.rate > 0 and self.burst >= 1):
            raise ValueError(f"key policy {self.name!r}: rate must be > 0 and burst >= 1")


class InvalidKeySpec(ValueError):
    """A key list in ``parse_keys`` format that does not parse; says which entry."""


def parse_keys(text: str) -> dict[str, KeyPolicy]:
    """Keys from ``"name:key:rate:burst,name:key:rate:burst"`` (the form an
    environment variable can carry), as the mapping ``add_app_routes`` takes."""
    keys: dict[str, KeyPolicy] = {}
    for n, entry in enumerate(e.strip() for e in text.split(",")):
        if not entry:
            continue
        parts = entry.split(":")
        try:
            name, key, rate, burst = parts
            policy = KeyPolicy(name, float(rate), int(burst))
        except ValueError as exc:
            raise InvalidKeySpec(f"entry {n + 1} ({parts[0]!r}...): expected name:key:rate:burst; {exc}") from None
        if not key or key in keys:
            raise InvalidKeySpec(f"entry {n + 1} ({name!r}): empty or repeated key")
        keys[key] = policy
    return keys


class TokenBuckets:
    """One bucket per key, created full on the key's first request."""

    def __init__(self, policies: Mapping[str, KeyPolicy]) -> None:
        self._policies = dict(policies)
        self._buckets: dict[str, list[float]] = {}  # key -> [tokens, last refill time]

    def find_policy(self, key: str) -> KeyPolicy | None:
        """The policy of ``key``; compares with every known key in constant time,
        so response times tell nothing about how much of a guess was right."""
        found = None
        given = key.encode("utf-8", "surrogatepass")
        for known, policy in self._policies.items():
            if hmac.compare_digest(given, known.encode("utf-8", "surrogatepass")):
                found = policy
        return found

    def admit(self, key: str, policy: KeyPolicy) -> None:
        """Give ``key`` its policy after start (a POS reader registered since,
        once it has proved who it is); its bucket, if any, is kept."""
        self._policies[key] = policy

    def take(self, key: str, now: float) -> float:
        """Take one token of ``key``'s bucket at ``now``: 0.0 when the request
        may go, else the seconds until a token will be there (nothing taken).
        Raises ``KeyError`` for a key without a policy; a clock stepping back
        refills nothing."""
        policy = self._policies[key]
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = [float(policy.burst), now]
        tokens = min(float(policy.burst), bucket[0] + max(0.0, now - bucket[1]) * policy.rate)
        bucket[1] = max(bucket[1], now)
        if tokens >= 1.0:
            bucket[0] = tokens - 1.0
            return 0.0
        bucket[0] = tokens
        return (1.0 - tokens) / policy.rate


def retry_after_header(wait_s: float) -> str:
    """The Retry-After value (whole seconds, at least 1) for a wait."""
    return str(max(1, math.ceil(wait_s)))
