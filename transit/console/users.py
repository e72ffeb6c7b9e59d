"""Console users as records, and the checks a new user passes: a username of
plain lower-case letters, digits and ``._-`` (it appears in URLs, logs and
the audit log), a display name without control characters, at least one role."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from transit.console.access import Actor, Grant, merge_grants

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
DISPLAY_NAME_MAX = 100


class UserInputError(ValueError):
    """A username, display name or role list that cannot be stored; says which and why."""


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    display_name: str
    grants: tuple[Grant, ...]
    created_at: float
    disabled_at: float | None = None

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.grants)

    def as_audit(self) -> Mapping[str, Any]:
        """What the audit log keeps of the user before or after a change (never the hash)."""
        return {"username": self.username, "display_name": self.display_name,
                "roles": [str(grant) for grant in self.grants], "disabled": not self.active}


@dataclass(frozen=True, slots=True)
class NewUser:
    """A user about to be added, checked (``new_user``)."""

    username: str
    display_name: str
    grants: tuple[Grant, ...]


def new_user(username: str, display_name: str, grants: Iterable[Grant]) -> NewUser:
    """The checked user: username lower-cased, display name trimmed (the
    username when empty), grants merged. Raises ``UserInputError``."""
    name = check_username(username)
    shown = display_name.strip() or name
    if len(shown) > DISPLAY_NAME_MAX:
        raise UserInputError(f"display name: at most {DISPLAY_NAME_MAX} characters (this one has {len(shown)})")
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in shown):
        raise UserInputError("display name: no control or format characters")
    merged = merge_grants(grants)
    if not merged:
        raise UserInputError("a user needs at least one role (e.g. --role viewer)")
    return NewUser(name, shown, merged)


def check_username(username: str) -> str:
    """``username`` lower-cased, or ``UserInputError`` saying what is accepted."""
    name = username.strip().lower()
    if not USERNAME.fullmatch(name):
        raise UserInputError(f"username {username!r}: 1-64 of a-z 0-9 . _ - (starting with a letter or digit)")
    return name
