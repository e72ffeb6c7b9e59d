"""Console passwords: argon2id hashes (argon2-cffi's defaults, RFC 9106's
second recommended profile: 64 MiB, 3 passes), checked in constant time.

Hashing and checking take about 0.2 s of CPU by design: callers on the event
loop run them in a thread.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10
MAX_LENGTH = 256  # longer is no safer, and would only cost the hasher time

# A hash of a random password nobody knows, with the default parameters:
# checking a name that has no account against it costs what a real check
# costs, so response times do not tell which names exist.
_NOBODY = ("$argon2id$v=19$m=65536,t=3,p=4$ugxxmAKVA7ZvEnvuH/+nKw$"
           "m6ypsm/Q3bTPfnpnHUn6DiEiaMbgdKGzT4DFoHLCbKM")


class PasswordRejected(ValueError):
    """A new password that may not be set; says why."""


def check_new_password(password: str, username: str) -> None:
    """Raise ``PasswordRejected`` for a password too short, too long, or the username."""
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(f"a password needs at least {MIN_LENGTH} characters (this one has {len(password)})")
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(f"a password has at most {MAX_LENGTH} characters")
    if password.strip().casefold() == username.casefold():
        raise PasswordRejected("the password may not be the username")


def hash_password(password: str) -> str:
    return PasswordHasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether ``password`` is the one ``stored_hash`` was made from; a
    damaged hash matches nothing. Passwords over ``MAX_LENGTH`` never match."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return PasswordHasher().verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def verify_nobody(password: str) -> bool:
    """A check for a name with no account: as slow as ``verify_password``, always false."""
    verify_password(_NOBODY, password[:MAX_LENGTH])
    return False
