"""The console's alarms and each line's headway thresholds (migration 0009).

A condition has at most one open alarm (a unique index on its key among the
unresolved ones), so a trigger that races another is a no-op. Acknowledging
an alarm and changing a line's thresholds are written with their audit
entries in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from transit.console.alarm_life import AckRefusal, Alarm, check_acknowledge
from transit.console.alarms import AlarmKind, Condition, Thresholds
from transit.console.audit import Act
from transit.store.audit import append_audit
from transit.store.instants import to_datetime, to_seconds, to_seconds_or_none

_COLUMNS = ("id, kind, key, route_ids, subject, details, triggered_at, acknowledged_at, acknowledged_by,"
            " acknowledged_as, note, resolved_at")


class AlarmNotFound(LookupError):
    def __init__(self, alarm_id: int) -> None:
        super().__init__(f"no alarm {alarm_id}")
        self.alarm_id = alarm_id


class AlarmRefused(ValueError):
    """An acknowledgement the alarm's state no longer allows."""

    def __init__(self, alarm: Alarm, refusal: AckRefusal) -> None:
        super().__init__(f"alarm {alarm.id}: {refusal}")
        self.alarm = alarm
        self.refusal = refusal


def _alarm(row: asyncpg.Record) -> Alarm:
    return Alarm(row["id"], AlarmKind(row["kind"]), row["key"], frozenset(row["route_ids"]), row["subject"],
                 to_seconds(row["triggered_at"]), row["details"], to_seconds_or_none(row["acknowledged_at"]),
                 row["acknowledged_by"], row["acknowledged_as"], row["note"],
                 to_seconds_or_none(row["resolved_at"]))


async def list_open_alarms(pool: asyncpg.Pool) -> list[Alarm]:
    """Every unresolved alarm, oldest first."""
    rows = await pool.fetch(f"SELECT {_COLUMNS} FROM alarms WHERE resolved_at IS NULL ORDER BY id")
    return [_alarm(row) for row in rows]


async def list_resolved_alarms(pool: asyncpg.Pool, limit: int) -> list[Alarm]:
    """The ``limit`` most recently resolved alarms, newest first."""
    rows = await pool.fetch(f"SELECT {_COLUMNS} FROM alarms WHERE resolved_at IS NOT NULL"
                            " ORDER BY resolved_at DESC, id DESC LIMIT $1", limit)
    return [_alarm(row) for row in rows]


async def find_alarm(pool: asyncpg.Pool, alarm_id: int) -> Alarm | None:
    row = await pool.fetchrow(f"SELECT {_COLUMNS} FROM alarms WHERE id = $1", alarm_id)
    return None if row is None else _alarm(row)


async def trigger_alarms(pool: asyncpg.Pool, conditions: Sequence[Condition], at: float) -> list[Alarm]:
    """An alarm for each condition that has no open one; the alarms made.
    (A round finds a handful of new conditions: one statement each.)"""
    made = []
    async with pool.acquire() as conn, conn.transaction():
        for c in conditions:
            row = await conn.fetchrow(
                f"""
                INSERT INTO alarms (kind, key, route_ids, subject, details, triggered_at)
                VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (key) WHERE resolved_at IS NULL DO NOTHING
                RETURNING {_COLUMNS}
                """, c.kind.value, c.key, sorted(c.route_ids), c.subject, dict(c.details), to_datetime(at))
            if row is not None:
                made.append(_alarm(row))
    return made


async def resolve_alarms(pool: asyncpg.Pool, alarm_ids: Sequence[int], at: float) -> list[Alarm]:
    """Resolve those of ``alarm_ids`` still open; the alarms resolved."""
    rows = await pool.fetch(f"UPDATE alarms SET resolved_at = $2 WHERE id = ANY($1) AND resolved_at IS NULL"
                            f" RETURNING {_COLUMNS}", list(alarm_ids), to_datetime(at))
    return sorted((_alarm(row) for row in rows), key=lambda a: a.id)


async def acknowledge_alarm(pool: asyncpg.Pool, alarm_id: int, note: str, act: Act, at: float) -> Alarm:
    """Acknowledge an open alarm at ``at`` (the service's clock) by whoever
    ``act`` says, with ``note``, and audit it. Raises ``AlarmNotFound``, or
    ``AlarmRefused`` when it is already acknowledged or resolved."""
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM alarms WHERE id = $1 FOR UPDATE", alarm_id)
        if row is None:
            raise AlarmNotFound(alarm_id)
        alarm = _alarm(row)
        refusal = check_acknowledge(alarm)
        if refusal is not None:
            raise AlarmRefused(alarm, refusal)
        row = await conn.fetchrow(
            f"UPDATE alarms SET acknowledged_at = $2, acknowledged_by = $3, acknowledged_as = $4, note = $5"
            f" WHERE id = $1 RETURNING {_COLUMNS}", alarm_id, to_datetime(at), act.actor, act.role, note)
        done = _alarm(row)
        await append_audit(conn, act.entry(
            "acknowledge_alarm", "alarm", str(alarm_id),
            {"state": alarm.state.value, "kind": alarm.kind.value, "key": alarm.key,
             "route_ids": sorted(alarm.route_ids)},
            {"state": done.state.value, "note": note}))
    return done


async def list_thresholds(pool: asyncpg.Pool) -> dict[str, Thresholds]:
    """route_id -> the line's own thresholds (lines without take the defaults)."""
    rows = await pool.fetch("SELECT route_id, bunching, gapping FROM line_alarm_thresholds")
    return {row["route_id"]: Thresholds(row["bunching"], row["gapping"]) for row in rows}


async def set_thresholds(pool: asyncpg.Pool, route_id: str, thresholds: Thresholds, act: Act,
                         default: Thresholds = Thresholds()) -> Thresholds:
    """Store ``route_id``'s thresholds and audit the change; the thresholds it had."""
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow("SELECT bunching, gapping FROM line_alarm_thresholds WHERE route_id = $1"
                                  " FOR UPDATE", route_id)
        before = default if row is None else Thresholds(row["bunching"], row["gapping"])
        await conn.execute(
            """
            INSERT INTO line_alarm_thresholds (route_id, bunching, gapping, changed_at, changed_by)
            VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (route_id) DO UPDATE SET bunching = EXCLUDED.bunching, gapping = EXCLUDED.gapping,
                changed_at = EXCLUDED.changed_at, changed_by = EXCLUDED.changed_by
            """, route_id, thresholds.bunching, thresholds.gapping, to_datetime(act.at), act.actor)
        await append_audit(conn, act.entry(
            "change_threshold", "line", route_id,
            {"bunching": before.bunching, "gapping": before.gapping, "default": row is None},
            {"bunching": thresholds.bunching, "gapping": thresholds.gapping}))
    return before
