"""A sign operator's messages to passengers: sent to one sign, to a line's
signs or to every sign, each shown until its expiry (or until withdrawn),
on the signs, the stop pages and the app, as part of the stop's board.

The rules are here, once: what text a message may hold, when it shows
(time is an argument: the service clock's instant), and which stops it
reaches. A message is user input: every channel escapes it for its own
format (``json_safe`` for JSON bodies). Pure.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from transit.boards.board import StopMessage
from transit.model.network import Network
from transit.validation import Refusal, check_text

# Long enough for a notice ("因道路施工，本站临时迁至..."), short enough for a sign:
# a 24-column LED shows 12 Chinese characters a row.
MAX_MESSAGE_CHARS = 140
MIN_DURATION_S = 60.0
MAX_DURATION_S = 7 * 86_400.0


class TargetKind(enum.StrEnum):
    SIGN = "sign"  # one sign (and the stop page behind its QR code)
    LINE = "line"  # the signs at every stop the line calls at
    ALL = "all"  # every sign


@dataclass(frozen=True, slots=True)
class MessageTarget:
    kind: TargetKind
    target_id: str = ""  # the sign id or route id; empty for every sign

    def __post_init__(self) -> None:
        if (self.kind is TargetKind.ALL) != (self.target_id == ""):
            raise ValueError("a message to every sign names no target; one to a sign or line names it")


@dataclass(frozen=True, slots=True)
class SignMessage:
    message_id: int
    target: MessageTarget
    text: str
    sent_at: float  # the service clock, Unix seconds
    expires_at: float
    sent_by: str
    withdrawn_at: float | None = None
    withdrawn_by: str | None = None

    def is_showing(self, now: float) -> bool:
        """Shown at ``now``: not withdrawn, sent, and not yet expired."""
        return self.withdrawn_at is None and self.sent_at <= now < self.expires_at


def check_message_text(text: str) -> Refusal | None:
    """1-140 printable characters: no line breaks or other control characters
    (an LED controller may take them as commands, a log line would break)."""
    return check_text("text", text, MAX_MESSAGE_CHARS)


def check_duration(duration_s: float) -> Refusal | None:
    """A message shows for 1 minute to 7 days."""
    if not MIN_DURATION_S <= duration_s <= MAX_DURATION_S:
        return Refusal("out_of_range", "expiry",
                       f"a message shows for {MIN_DURATION_S / 60:.0f} min to {MAX_DURATION_S / 86_400:.0f} days")
    return None


@dataclass(frozen=True, slots=True)
class SignPlaces:
    """Where the signs are: each sign's stop, each line's stops."""

    stop_of_sign: Mapping[str, str]
    stops_of_line: Mapping[str, frozenset[str]]


def sign_places(network: Network, signs: Iterable[tuple[str, str]]) -> SignPlaces:
    """From the network's patterns and the (sign_id, stop_id) of each sign."""
    stops: dict[str, set[str]] = defaultdict(set)
    for pattern in network.patterns.values():
        stops[pattern.route_id].update(pattern.stop_ids)
    return SignPlaces(MappingProxyType(dict(signs)),
                      MappingProxyType({route: frozenset(found) for route, found in stops.items()}))


class MessageIndex:
    """The messages showing at each stop, newest first: a message to one sign
    at that sign's stop (marked with the sign, so its neighbours at the stop
    leave it off), one to a line at each stop of the line, one to every sign
    at every stop. Immutable; a new set of messages makes a new index."""

    def __init__(self, messages: Iterable[SignMessage], places: SignPlaces) -> None:
        self.messages = tuple(sorted(messages, key=lambda m: (-m.sent_at, -m.message_id)))
        by_stop: dict[str, list[SignMessage]] = defaultdict(list)
        everywhere = []
        for message in self.messages:
            target = message.target
            if target.kind is TargetKind.ALL:
                everywhere.append(message)
            elif target.kind is TargetKind.LINE:
                for stop_id in places.stops_of_line.get(target.target_id, ()):
                    by_stop[stop_id].append(message)
            elif target.target_id in places.stop_of_sign:
                by_stop[places.stop_of_sign[target.target_id]].append(message)
        self._by_stop = {stop: tuple(found) for stop, found in by_stop.items()}
        self._everywhere = tuple(everywhere)

    def at(self, stop_id: str, now: float) -> tuple[StopMessage, ...]:
        """What the stop shows at ``now``, newest first."""
        found = self._by_stop.get(stop_id, ())
        if self._everywhere:
            found = tuple(sorted(found + self._everywhere, key=lambda m: (-m.sent_at, -m.message_id)))
        return tuple(_stop_message(m) for m in found if m.is_showing(now))

    def __len__(self) -> int:
        return len(self.messages)


NO_MESSAGES = MessageIndex((), SignPlaces(MappingProxyType({}), MappingProxyType({})))


def _stop_message(message: SignMessage) -> StopMessage:
    sign_id = message.target.target_id if message.target.kind is TargetKind.SIGN else None
    return StopMessage(message.message_id, message.text, message.expires_at, sign_id)


def shown_until(messages: Iterable[StopMessage]) -> float:
    """When the first of ``messages`` expires (infinity: none does)."""
    return min((m.expires_at for m in messages), default=float("inf"))


def for_sign(messages: tuple[StopMessage, ...], sign_id: str) -> tuple[StopMessage, ...]:
    """The stop's messages one of its signs shows: all but those sent to another sign there."""
    if all(m.sign_id is None or m.sign_id == sign_id for m in messages):
        return messages
    return tuple(m for m in messages if m.sign_id is None or m.sign_id == sign_id)


def json_safe(body: bytes) -> bytes:
    """A JSON body with ``<``, ``>`` and ``&`` written as ``\\u`` escapes (the
    same JSON), so no client that mistakes it for HTML finds markup in a
    message. They occur only inside strings in JSON."""
    return body.replace(b"<", b"\\u003c").replace(b">", b"\\u003e").replace(b"&", b"\\u0026")
