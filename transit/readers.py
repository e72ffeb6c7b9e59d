"""POS readers: who may push taps, for which bus (issue 11, item 1).

Each reader (the fare device mounted on one bus) has its own id and secret
key. Only the key's SHA-256 is stored: the keys are 256-bit random tokens made
by ``transit readers add``, so a fast hash is as safe as a slow one (no
dictionary to try) and costs microseconds per push, where argon2 (for the
console's human passwords) would cost tens of milliseconds each. Pure: the
caller makes the key and passes the time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from transit.validation import MAX_ID_CHARS, Refusal, check_text

# Reader ids name a device in logs, metrics and headers: letters, digits and
# a few separators, as POS serial numbers are.
_READER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
MIN_KEY_CHARS = 32


@dataclass(frozen=True, slots=True)
class Reader:
    """A registered reader; ``key_hash`` is ``hash_key`` of its secret."""

    reader_id: str
    vehicle_id: str  # the bus it is mounted on: it pushes taps for this bus only
    key_hash: str
    created_at: float
    disabled_at: float | None = None

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    def accepts(self, key: str) -> bool:
        """Is ``key`` this reader's secret? Compared in constant time."""
        return hmac.compare_digest(hash_key(key), self.key_hash)


class ReaderInputError(ValueError):
    """A reader id, vehicle id or key that cannot be registered; says which and why."""


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def check_reader_id(reader_id: str) -> str:
    """``reader_id`` as stored (blanks around it dropped); raises ``ReaderInputError``."""
    text = reader_id.strip()
    if not _READER_ID.fullmatch(text):
        raise ReaderInputError(f"reader id {reader_id!r}: 1-64 of A-Z a-z 0-9 . _ : -, "
                               "starting with a letter or digit")
    return text


def new_reader(reader_id: str, vehicle_id: str, key: str, at: float) -> Reader:
    """A reader to register, checked; raises ``ReaderInputError``."""
    vehicle = vehicle_id.strip()
    refusal: Refusal | None = check_text("vehicle_id", vehicle, MAX_ID_CHARS)
    if refusal is not None:
        raise ReaderInputError(f"vehicle id {vehicle_id!r}: {refusal.message}")
    if len(key) < MIN_KEY_CHARS:
        raise ReaderInputError(f"a reader key must be at least {MIN_KEY_CHARS} characters")
    return Reader(check_reader_id(reader_id), vehicle, hash_key(key), at)
