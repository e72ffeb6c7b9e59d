"""What the JT/T 808 server counts, and the frozen snapshot metrics read."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from feeds.jt808.framing import FrameErrorReason


@dataclass(frozen=True, slots=True)
class Jt808Counters:
    """Totals since the server started (``connections_open`` is current)."""

    connections_opened: int = 0
    connections_open: int = 0
    frames: int = 0  # frames decoded, good or not
    bad_frames: int = 0
    bad_escape: int = 0
    bad_check_code: int = 0
    truncated: int = 0
    length_mismatch: int = 0
    bad_field: int = 0
    too_long: int = 0
    registrations: int = 0  # answered with an auth code
    unknown_terminals: int = 0  # registrations refused: no binding and no plate
    registrations_refused: int = 0  # a plate that is no valid text (answered "message error")
    security_refusals: int = 0  # a terminal claiming a vehicle not bound to it
    authentications: int = 0
    auth_failures: int = 0
    reports_accepted: int = 0  # handed to the sink and durable
    reports_dropped_unauthenticated: int = 0
    reports_without_time: int = 0  # fix time not a valid instant: acknowledged, dropped
    reports_refused: int = 0  # out of range, implausible time: answered "message error"
    unsupported_messages: int = 0  # answered "not supported"
    sink_failures: int = 0  # messages left unacknowledged, for the terminal to resend
    shared_vehicle_logins: int = 0  # a second terminal logged in for the same vehicle
    auth_timeouts: int = 0
    idle_timeouts: int = 0
    garbage_disconnects: int = 0  # too many consecutive bad frames
    throttled: int = 0  # times a connection stopped reading until its acks drained

    def bad(self, reason: FrameErrorReason) -> int:
        return int(getattr(self, reason.value))


@dataclass(slots=True)
class CounterSet:
    """The server's mutable tally; only the server's own tasks write it."""

    values: dict[str, int] = field(
        default_factory=lambda: {f.name: 0 for f in fields(Jt808Counters)}
    )

    def add(self, name: str, n: int = 1) -> None:
        self.values[name] += n

    def add_bad_frame(self, reason: FrameErrorReason) -> None:
        self.values["bad_frames"] += 1
        self.values[reason.value] += 1

    def snapshot(self) -> Jt808Counters:
        return Jt808Counters(**self.values)
