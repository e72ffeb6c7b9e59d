"""Sign health as dispatchers see it: when each sign last polled, the software
version it runs, the errors it last reported. In memory, owned by the app; a
restart forgets it and signs fill it again within a polling interval.
Time is always an argument.
"""

from __future__ import annotations

from dataclasses import dataclass

from signage.registry import Sign, SignKind, SignRegistry

MAX_VERSION_CHARS = 64
MAX_ERRORS = 20
MAX_ERROR_CHARS = 200


@dataclass(slots=True)
class SignStatus:
    last_poll: float | None = None  # Unix s
    version: str | None = None  # from the sign's X-Sign-Version header
    errors: tuple[str, ...] = ()  # as last reported by the sign
    errors_at: float | None = None
    polls: int = 0


class SignHealth:
    def __init__(self) -> None:
        self._status: dict[str, SignStatus] = {}

    def _of(self, sign_id: str) -> SignStatus:
        status = self._status.get(sign_id)
        if status is None:
            status = self._status[sign_id] = SignStatus()
        return status

    def record_poll(self, sign_id: str, now: float, version: str | None) -> None:
        status = self._of(sign_id)
        status.last_poll = now
        status.polls += 1
        if version is not None:
            status.version = clean_text(version, MAX_VERSION_CHARS)

    def record_errors(self, sign_id: str, now: float, errors: list[str], version: str | None = None) -> None:
        """Replace the sign's reported errors (an empty list clears them)."""
        status = self._of(sign_id)
        status.errors = tuple(clean_text(e, MAX_ERROR_CHARS) for e in errors[:MAX_ERRORS])
        status.errors_at = now
        if version is not None:
            status.version = clean_text(version, MAX_VERSION_CHARS)

    def find_status(self, sign_id: str) -> SignStatus | None:
        status = self._status.get(sign_id)
        return None if status is None else SignStatus(status.last_poll, status.version, status.errors,
                                                      status.errors_at, status.polls)

    def list_offline(self, registry: SignRegistry, now: float, threshold_s: float) -> list[Sign]:
        """Electronic signs that have not polled within ``threshold_s`` of
        ``now`` (or never since the service started), by sign id. Ordinary
        signs never poll, so they are never offline."""
        offline = []
        for sign in registry.list_signs(SignKind.ELECTRONIC):
            status = self._status.get(sign.sign_id)
            if status is None or status.last_poll is None or now - status.last_poll > threshold_s:
                offline.append(sign)
        return sorted(offline, key=lambda s: s.sign_id)


def clean_text(text: str, limit: int) -> str:
    """What a sign sent, cut to ``limit`` characters, control characters dropped."""
    return "".join(c for c in text[:limit] if c.isprintable())
