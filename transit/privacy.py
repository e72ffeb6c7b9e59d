"""Pseudonymising card and account numbers on ingest (DESIGN.md rule 6)."""

from __future__ import annotations

import hashlib
import hmac


def pseudonymise(account: str, key: bytes) -> str:
    """A keyed hash: stable for one key, so trips chain, and not reversible
    without the key, unlike a plain hash of a 16-digit card number."""
    return hmac.new(key, account.encode("utf-8"), hashlib.sha256).hexdigest()[:32]
