"""The sign operators' messages (migration 0012): sent and withdrawn each in
one transaction with its audit entry, and the ones showing, which the
service loads every few seconds (``signage.messages``)."""

from __future__ import annotations

import enum

import asyncpg

from transit.boards.messages import MessageTarget, SignMessage, TargetKind
from transit.console.audit import Act
from transit.store.audit import append_audit
from transit.store.instants import to_datetime, to_seconds, to_seconds_or_none

_COLUMNS = "id, target_kind, target_id, text, sent_at, expires_at, sent_by, withdrawn_at, withdrawn_by"


class MessageNotFound(LookupError):
    def __init__(self, message_id: int) -> None:
        super().__init__(f"no sign message {message_id}")
        self.message_id = message_id


class WithdrawRefusal(enum.StrEnum):
    WITHDRAWN = "already_withdrawn"
    EXPIRED = "expired"


class MessageRefused(ValueError):
    """A withdrawal the message's state no longer allows."""

    def __init__(self, message: SignMessage, refusal: WithdrawRefusal) -> None:
        super().__init__(f"sign message {message.message_id}: {refusal}")
        self.message = message
        self.refusal = refusal


def _message(row: asyncpg.Record) -> SignMessage:
    return SignMessage(row["id"], MessageTarget(TargetKind(row["target_kind"]), row["target_id"]), row["text"],
                       to_seconds(row["sent_at"]), to_seconds(row["expires_at"]), row["sent_by"],
                       to_seconds_or_none(row["withdrawn_at"]), row["withdrawn_by"])


def _audited(message: SignMessage) -> dict[str, object]:
    return {"target_kind": message.target.kind.value, "target_id": message.target.target_id,
            "text": message.text, "expires_at": to_datetime(message.expires_at).isoformat()}


async def send_sign_message(pool: asyncpg.Pool, target: MessageTarget, text: str, sent_at: float,
                            expires_at: float, act: Act) -> SignMessage:
    """Store a message (times on the service clock) and its audit entry
    (``send_sign_message``, on the wall clock of ``act``); the message stored."""
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            f"""
            INSERT INTO sign_messages (target_kind, target_id, text, sent_at, expires_at, sent_by, sent_as)
            VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {_COLUMNS}
            """, target.kind.value, target.target_id, text, to_datetime(sent_at), to_datetime(expires_at),
            act.actor, act.role)
        message = _message(row)
        await append_audit(conn, act.entry("send_sign_message", "sign_message", str(message.message_id),
                                           None, _audited(message)))
    return message


async def withdraw_sign_message(pool: asyncpg.Pool, message_id: int, act: Act, at: float) -> SignMessage:
    """Withdraw a showing message at ``at`` (the service clock) and audit it
    (``withdraw_sign_message``). Raises ``MessageNotFound``, or
    ``MessageRefused`` when it was withdrawn already or has expired."""
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM sign_messages WHERE id = $1 FOR UPDATE", message_id)
        if row is None:
            raise MessageNotFound(message_id)
        message = _message(row)
        if message.withdrawn_at is not None:
            raise MessageRefused(message, WithdrawRefusal.WITHDRAWN)
        if at >= message.expires_at:
            raise MessageRefused(message, WithdrawRefusal.EXPIRED)
        row = await conn.fetchrow(
            f"UPDATE sign_messages SET withdrawn_at = $2, withdrawn_by = $3 WHERE id = $1 RETURNING {_COLUMNS}",
            message_id, to_datetime(at), act.actor)
        done = _message(row)
        await append_audit(conn, act.entry("withdraw_sign_message", "sign_message", str(message_id),
                                           _audited(message), {"withdrawn_at": to_datetime(at).isoformat()}))
    return done


async def list_showing_messages(pool: asyncpg.Pool, now: float) -> list[SignMessage]:
    """The messages neither withdrawn nor expired at ``now``, newest first."""
    rows = await pool.fetch(f"SELECT {_COLUMNS} FROM sign_messages WHERE withdrawn_at IS NULL AND expires_at > $1"
                            " ORDER BY id DESC", to_datetime(now))
    return [_message(row) for row in rows]


async def list_recent_messages(pool: asyncpg.Pool, limit: int) -> list[SignMessage]:
    """The ``limit`` messages sent last, newest first, whatever their state."""
    rows = await pool.fetch(f"SELECT {_COLUMNS} FROM sign_messages ORDER BY id DESC LIMIT $1", limit)
    return [_message(row) for row in rows]


async def find_sign_message(pool: asyncpg.Pool, message_id: int) -> SignMessage | None:
    row = await pool.fetchrow(f"SELECT {_COLUMNS} FROM sign_messages WHERE id = $1", message_id)
    return None if row is None else _message(row)
