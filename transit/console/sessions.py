"""When a console session lapses: after ``idle_s`` without a request, or
``max_s`` after log-in whatever happens (a shift's length), so a forgotten
browser on a shared desk does not stay logged in. Time is an argument."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from transit.console.users import User


class SessionState(enum.StrEnum):
    LIVE = "live"
    IDLE = "idle"  # no request for idle_s
    EXPIRED = "expired"  # max_s since log-in


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    idle_s: float = 30 * 60.0
    max_s: float = 12 * 3600.0
    # A request refreshes the session's last-seen time at most this often: the
    # idle limit is kept to within it, without a database write per request.
    touch_every_s: float = 60.0

    def __post_init__(self) -> None:
        if not (self.idle_s > 0 and self.max_s > 0 and self.touch_every_s >= 0):
            raise ValueError("session policy: idle and maximum lifetimes must be > 0 s")


@dataclass(frozen=True, slots=True)
class Session:
    """A stored session of an active user (the cookie's token is not kept)."""

    user: User
    csrf_token: str  # what every state-changing request must carry back
    started_at: float
    last_seen_at: float

    def state(self, now: float, policy: SessionPolicy) -> SessionState:
        return session_state(self.started_at, self.last_seen_at, now, policy)


def session_state(started_at: float, last_seen_at: float, now: float, policy: SessionPolicy) -> SessionState:
    """The state at ``now`` of a session begun at ``started_at`` and last used at ``last_seen_at``."""
    if now - started_at >= policy.max_s:
        return SessionState.EXPIRED
    if now - last_seen_at >= policy.idle_s:
        return SessionState.IDLE
    return SessionState.LIVE


def needs_touch(last_seen_at: float, now: float, policy: SessionPolicy) -> bool:
    """Whether a request at ``now`` should store a new last-seen time."""
    return now - last_seen_at >= policy.touch_every_s
