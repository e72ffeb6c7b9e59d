"""The console's alarms and line thresholds on a real PostgreSQL: one open
alarm per condition, resolving, acknowledging (audited, refused twice or
once resolved), and each line's thresholds (audited with before and after)."""

from __future__ import annotations

import asyncpg
import pytest

from transit.console.alarm_life import AckRefusal, AlarmState
from transit.console.alarms import AlarmKind, Condition, Thresholds
from transit.console.audit import Act
from transit.store.alarms import (
    AlarmNotFound,
    AlarmRefused,
    acknowledge_alarm,
    find_alarm,
    list_open_alarms,
    list_resolved_alarms,
    list_thresholds,
    resolve_alarms,
    set_thresholds,
    trigger_alarms,
)
from transit.store.audit import list_audit

T = 1_741_738_000.0
BUNCHED = Condition(AlarmKind.BUNCHING, "bunching:L1:0:b", frozenset({"L1"}), "b",
                    {"ahead": "a", "actual_s": 180, "scheduled_s": 600, "threshold": 0.75})
SIGN = Condition(AlarmKind.SIGN_OFFLINE, "sign_offline:S9", frozenset({"L1", "L2"}), "S9", {"last_poll": None})
WANG = Act("wang", "dispatcher", T + 100, "已通知司机 <b>")


async def test_one_open_alarm_per_condition(clean_pool: asyncpg.Pool) -> None:
    made = await trigger_alarms(clean_pool, [BUNCHED, SIGN], T)
    assert [(a.kind, a.route_ids, a.state) for a in made] == [
        (AlarmKind.BUNCHING, {"L1"}, AlarmState.TRIGGERED), (AlarmKind.SIGN_OFFLINE, {"L1", "L2"}, AlarmState.TRIGGERED)]
    assert made[0].details == {"ahead": "a", "actual_s": 180, "scheduled_s": 600, "threshold": 0.75}
    assert made[0].triggered_at == T
    assert await trigger_alarms(clean_pool, [BUNCHED], T + 5) == []  # already open
    (gone,) = await resolve_alarms(clean_pool, [made[0].id], T + 60)
    assert gone.state is AlarmState.RESOLVED and gone.resolved_at == T + 60
    assert await resolve_alarms(clean_pool, [made[0].id], T + 70) == []  # resolved once
    (again,) = await trigger_alarms(clean_pool, [BUNCHED], T + 80)  # the condition is back: a new alarm
    assert again.id not in {a.id for a in made}
    assert [a.id for a in await list_open_alarms(clean_pool)] == [made[1].id, again.id]
    assert [a.id for a in await list_resolved_alarms(clean_pool, 10)] == [made[0].id]


async def test_acknowledging_is_audited_with_the_note(clean_pool: asyncpg.Pool) -> None:
    (alarm,) = await trigger_alarms(clean_pool, [BUNCHED], T)
    done = await acknowledge_alarm(clean_pool, alarm.id, "已通知司机 <b>", WANG, T + 30)
    assert done.state is AlarmState.ACKNOWLEDGED
    assert (done.acknowledged_by, done.acknowledged_as, done.note, done.acknowledged_at) == (
        "wang", "dispatcher", "已通知司机 <b>", T + 30)
    assert await find_alarm(clean_pool, alarm.id) == done
    (entry,) = await list_audit(clean_pool, 10)
    assert (entry.actor, entry.role, entry.action, entry.object_type, entry.object_id, entry.reason) == (
        "wang", "dispatcher", "acknowledge_alarm", "alarm", str(alarm.id), "已通知司机 <b>")
    assert entry.before == {"state": "triggered", "kind": "bunching", "key": BUNCHED.key, "route_ids": ["L1"]}
    assert entry.after == {"state": "acknowledged", "note": "已通知司机 <b>"}
    with pytest.raises(AlarmRefused) as twice:
        await acknowledge_alarm(clean_pool, alarm.id, "again", WANG, T + 40)
    assert twice.value.refusal is AckRefusal.ALREADY_ACKNOWLEDGED
    assert len(await list_audit(clean_pool, 10)) == 1  # a refusal changes nothing and audits nothing


async def test_a_resolved_or_unknown_alarm_is_not_acknowledged(clean_pool: asyncpg.Pool) -> None:
    (alarm,) = await trigger_alarms(clean_pool, [SIGN], T)
    await resolve_alarms(clean_pool, [alarm.id], T + 60)
    with pytest.raises(AlarmRefused) as resolved:
        await acknowledge_alarm(clean_pool, alarm.id, "late", WANG, T + 90)
    assert resolved.value.refusal is AckRefusal.RESOLVED
    with pytest.raises(AlarmNotFound):
        await acknowledge_alarm(clean_pool, alarm.id + 1000, "who?", WANG, T + 90)
    assert await list_audit(clean_pool, 10) == []


async def test_a_lines_thresholds_are_stored_and_audited(clean_pool: asyncpg.Pool) -> None:
    assert await list_thresholds(clean_pool) == {}
    before = await set_thresholds(clean_pool, "L1", Thresholds(0.6, 1.5), Act("wang", "dispatcher", T, "早高峰"))
    assert before == Thresholds()
    again = await set_thresholds(clean_pool, "L1", Thresholds(0.7, 1.4), Act("li", "dispatcher", T + 9, ""))
    assert again == Thresholds(0.6, 1.5)
    assert await list_thresholds(clean_pool) == {"L1": Thresholds(0.7, 1.4)}
    newest, oldest = await list_audit(clean_pool, 10)
    assert (oldest.action, oldest.object_type, oldest.object_id, oldest.reason) == (
        "change_threshold", "line", "L1", "早高峰")
    assert oldest.before == {"bunching": 0.75, "gapping": 1.25, "default": True}
    assert oldest.after == {"bunching": 0.6, "gapping": 1.5}
    assert newest.actor == "li" and newest.before == {"bunching": 0.6, "gapping": 1.5, "default": False}


async def test_the_table_refuses_thresholds_that_cannot_be(clean_pool: asyncpg.Pool) -> None:
    with pytest.raises(asyncpg.CheckViolationError):
        await clean_pool.execute("INSERT INTO line_alarm_thresholds VALUES ('L1', 1.2, 1.5, now(), 'x')")
