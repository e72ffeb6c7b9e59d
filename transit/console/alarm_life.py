"""An alarm's life: triggered when its condition first holds, acknowledged by
a dispatcher (who, as which role, with a note), resolved once its condition
has been gone for a while; and which conditions trigger or resolve alarms at
an instant (``reconcile``). Pure: time is an argument.

An alarm resolves whether or not anyone acknowledged it; an acknowledged
alarm stays open until its condition goes. A condition that flickers (a bus
measured bunched, then not, then bunched again within a minute) keeps its
one alarm: it resolves only after ``clear_after_s`` without the condition.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from transit.console.alarms import AlarmKind, Condition, Detail


class AlarmState(enum.StrEnum):
    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class AckRefusal(enum.StrEnum):
    ALREADY_ACKNOWLEDGED = "already_acknowledged"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class Alarm:
    id: int
    kind: AlarmKind
    key: str
    route_ids: frozenset[str]
    subject: str
    triggered_at: float
    details: Mapping[str, Detail] = field(default_factory=lambda: MappingProxyType({}))
    acknowledged_at: float | None = None
    acknowledged_by: str | None = None  # username
    acknowledged_as: str | None = None  # the role they acknowledged it as
    note: str = ""
    resolved_at: float | None = None

    @property
    def state(self) -> AlarmState:
        if self.resolved_at is not None:
            return AlarmState.RESOLVED
        return AlarmState.TRIGGERED if self.acknowledged_at is None else AlarmState.ACKNOWLEDGED


def check_acknowledge(alarm: Alarm) -> AckRefusal | None:
    """Why ``alarm`` cannot be acknowledged now, or None when it can."""
    if alarm.resolved_at is not None:
        return AckRefusal.RESOLVED
    if alarm.acknowledged_at is not None:
        return AckRefusal.ALREADY_ACKNOWLEDGED
    return None


@dataclass(frozen=True)
class Reconciled:
    trigger: tuple[Condition, ...]  # new conditions: alarms to trigger
    resolve: tuple[int, ...]  # ids of open alarms whose condition has been gone long enough
    last_seen: Mapping[str, float]  # key -> when its condition last held, for the next round


def reconcile(open_alarms: Iterable[Alarm], found: Iterable[Condition], last_seen: Mapping[str, float],
              now: float, clear_after_s: float) -> Reconciled:
    """Compare the open alarms with the conditions ``found`` at ``now``.
    ``last_seen`` is the previous round's (an open alarm missing from it
    counts as seen when it was triggered)."""
    conditions = {c.key: c for c in found}
    open_by_key = {a.key: a for a in open_alarms}
    trigger = tuple(c for key, c in conditions.items() if key not in open_by_key)
    seen = {key: now for key in conditions}
    resolve = []
    for key, alarm in open_by_key.items():
        if key in conditions:
            continue
        last = last_seen.get(key, alarm.triggered_at)
        if now - last >= clear_after_s:
            resolve.append(alarm.id)
        else:
            seen[key] = last
    return Reconciled(trigger, tuple(sorted(resolve)), MappingProxyType(seen))
