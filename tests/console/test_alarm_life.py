"""An alarm's life: triggered once per condition, resolved only after its
condition has been gone a while (a flicker keeps its one alarm), and
acknowledged only while open and not yet acknowledged."""

from __future__ import annotations

from dataclasses import replace

from transit.console.alarm_life import AckRefusal, Alarm, AlarmState, check_acknowledge, reconcile
from transit.console.alarms import AlarmKind, Condition

T = 1_741_738_000.0
BUNCHED = Condition(AlarmKind.BUNCHING, "bunching:L1:0:b", frozenset({"L1"}), "b")
OFF = Condition(AlarmKind.OFF_ROUTE, "off_route:c", frozenset({"L1"}), "c")
OPEN = Alarm(7, AlarmKind.BUNCHING, "bunching:L1:0:b", frozenset({"L1"}), "b", T)


def test_a_new_condition_triggers_an_alarm_and_a_known_one_does_not() -> None:
    plan = reconcile([OPEN], [BUNCHED, OFF], {}, T + 2, 60)
    assert plan.trigger == (OFF,) and plan.resolve == ()
    assert dict(plan.last_seen) == {BUNCHED.key: T + 2, OFF.key: T + 2}


def test_an_alarm_resolves_after_its_condition_is_gone_for_a_minute() -> None:
    seen = {OPEN.key: T + 10}
    held = reconcile([OPEN], [], seen, T + 69, 60)
    assert held.resolve == () and held.last_seen[OPEN.key] == T + 10
    assert reconcile([OPEN], [], held.last_seen, T + 70, 60).resolve == (7,)


def test_a_flickering_condition_keeps_its_one_alarm() -> None:
    seen: dict[str, float] = {}
    for step, holds in enumerate([True, False, True, False, False, True]):
        plan = reconcile([OPEN], [BUNCHED] if holds else [], seen, T + 20 * step, 60)
        assert plan.trigger == () and plan.resolve == ()
        seen = dict(plan.last_seen)


def test_an_open_alarm_never_seen_counts_from_when_it_was_triggered() -> None:
    assert reconcile([OPEN], [], {}, T + 59, 60).resolve == ()
    assert reconcile([OPEN], [], {}, T + 60, 60).resolve == (7,)


def test_only_an_open_unacknowledged_alarm_can_be_acknowledged() -> None:
    assert OPEN.state is AlarmState.TRIGGERED and check_acknowledge(OPEN) is None
    acked = replace(OPEN, acknowledged_at=T + 5, acknowledged_by="wang", acknowledged_as="dispatcher", note="ok")
    assert acked.state is AlarmState.ACKNOWLEDGED
    assert check_acknowledge(acked) is AckRefusal.ALREADY_ACKNOWLEDGED
    resolved = replace(OPEN, resolved_at=T + 90)
    assert resolved.state is AlarmState.RESOLVED and check_acknowledge(resolved) is AckRefusal.RESOLVED
    assert replace(acked, resolved_at=T + 90).state is AlarmState.RESOLVED
