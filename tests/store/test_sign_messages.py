"""Sign messages on a real PostgreSQL: sent and withdrawn with their audit
entries, the showing ones by the service clock, a withdrawal refused once
withdrawn or expired, the table's own checks, and the service's message
book picking up a message stored by another process and dropping an
expired one."""

from __future__ import annotations

from types import MappingProxyType

import asyncpg
import pytest

from signage.messages import MessageBook
from tests.clock import Clock
from transit.boards.messages import MessageTarget, SignPlaces, TargetKind
from transit.console.audit import Act
from transit.store.audit import list_audit
from transit.store.instants import to_datetime
from transit.store.sign_messages import (MessageNotFound, MessageRefused, WithdrawRefusal, find_sign_message,
                                         list_recent_messages, list_showing_messages, send_sign_message,
                                         withdraw_sign_message)

T0 = 1_772_409_600.0  # 2026-03-02 08:00 in Tongchuan
WALL = 1_800_000_000.0
HTML = '<b onclick="x()">停运</b>'
PLACES = SignPlaces(MappingProxyType({"TC-S1": "S1"}), MappingProxyType({"R1": frozenset({"S1", "S2"})}))


def act(actor: str = "li") -> Act:
    return Act(actor, "sign_operator", WALL, "")


async def test_a_message_is_stored_with_its_audit_entry(clean_pool: asyncpg.Pool) -> None:
    sent = await send_sign_message(clean_pool, MessageTarget(TargetKind.SIGN, "TC-S1"), HTML, T0, T0 + 1800, act())
    assert await find_sign_message(clean_pool, sent.message_id) == sent
    assert (sent.text, sent.sent_at, sent.expires_at, sent.sent_by) == (HTML, T0, T0 + 1800, "li")
    (entry,) = await list_audit(clean_pool, 5)
    assert (entry.actor, entry.role, entry.action, entry.object_type, entry.object_id, entry.at) == (
        "li", "sign_operator", "send_sign_message", "sign_message", str(sent.message_id), WALL)
    assert entry.before is None and entry.after == {"target_kind": "sign", "target_id": "TC-S1", "text": HTML,
                                                    "expires_at": "2026-03-02T00:30:00+00:00"}


async def test_only_messages_neither_withdrawn_nor_expired_are_showing(clean_pool: asyncpg.Pool) -> None:
    short = await send_sign_message(clean_pool, MessageTarget(TargetKind.ALL), "短时", T0, T0 + 60, act())
    long = await send_sign_message(clean_pool, MessageTarget(TargetKind.LINE, "R1"), "长时", T0, T0 + 3600, act())
    gone = await send_sign_message(clean_pool, MessageTarget(TargetKind.LINE, "R1"), "撤回", T0, T0 + 3600, act())
    withdrawn = await withdraw_sign_message(clean_pool, gone.message_id, act("wang"), T0 + 10)
    assert (withdrawn.withdrawn_at, withdrawn.withdrawn_by) == (T0 + 10, "wang")
    assert [m.message_id for m in await list_showing_messages(clean_pool, T0 + 30)] == [long.message_id,
                                                                                       short.message_id]
    assert [m.message_id for m in await list_showing_messages(clean_pool, T0 + 60)] == [long.message_id]
    assert [m.message_id for m in await list_recent_messages(clean_pool, 2)] == [gone.message_id, long.message_id]
    entry = (await list_audit(clean_pool, 1))[0]
    assert (entry.action, entry.actor, entry.object_id) == ("withdraw_sign_message", "wang", str(gone.message_id))
    assert entry.before is not None and entry.before["text"] == "撤回"


async def test_a_withdrawal_is_refused_when_withdrawn_or_expired_and_writes_nothing(clean_pool: asyncpg.Pool) -> None:
    sent = await send_sign_message(clean_pool, MessageTarget(TargetKind.ALL), "一次", T0, T0 + 60, act())
    await withdraw_sign_message(clean_pool, sent.message_id, act(), T0 + 1)
    with pytest.raises(MessageRefused) as twice:
        await withdraw_sign_message(clean_pool, sent.message_id, act(), T0 + 2)
    assert twice.value.refusal is WithdrawRefusal.WITHDRAWN
    expired = await send_sign_message(clean_pool, MessageTarget(TargetKind.ALL), "到期", T0, T0 + 60, act())
    with pytest.raises(MessageRefused) as late:
        await withdraw_sign_message(clean_pool, expired.message_id, act(), T0 + 60)
    assert late.value.refusal is WithdrawRefusal.EXPIRED
    with pytest.raises(MessageNotFound):
        await withdraw_sign_message(clean_pool, 999_999, act(), T0)
    assert [e.action for e in await list_audit(clean_pool, 10)] == [
        "send_sign_message", "withdraw_sign_message", "send_sign_message"]


@pytest.mark.parametrize(("kind", "target_id", "text", "expires"), [
    ("sign", "TC-S1", "第一行\n第二行", 60.0), ("sign", "TC-S1", "x" * 141, 60.0), ("sign", "TC-S1", "", 60.0),
    ("all", "TC-S1", "ok", 60.0), ("line", "", "ok", 60.0), ("sign", "TC-S1", "ok", 0.0), ("bus", "1", "ok", 60.0),
])
async def test_the_table_refuses_what_the_console_would(clean_pool: asyncpg.Pool, kind: str, target_id: str,
                                                         text: str, expires: float) -> None:
    with pytest.raises(asyncpg.CheckViolationError):
        await clean_pool.execute(
            "INSERT INTO sign_messages (target_kind, target_id, text, sent_at, expires_at, sent_by, sent_as)"
            " VALUES ($1, $2, $3, $4, $5, 'x', 'sign_operator')", kind, target_id, text, to_datetime(T0),
            to_datetime(T0 + expires))


async def test_the_book_picks_up_a_message_stored_elsewhere_and_drops_it_at_expiry(clean_pool: asyncpg.Pool) -> None:
    clock = Clock(T0)
    book = MessageBook(clean_pool, PLACES, clock)
    await book.refresh()
    empty = book.index()
    await book.refresh()
    assert book.index() is empty and len(empty) == 0  # unchanged: the same index, so no board is rebuilt
    sent = await send_sign_message(clean_pool, MessageTarget(TargetKind.LINE, "R1"), "东风路改道", T0, T0 + 120, act())
    await book.refresh()
    assert [m.text for m in book.index().at("S2", T0 + 1)] == ["东风路改道"] and book.index().at("S3", T0) == ()
    clock.now = T0 + 120
    assert book.index().at("S2", clock.now) == ()  # gone at expiry even before the next load
    await book.refresh()
    assert len(book.index()) == 0 and book.loads == 2
    assert sent.message_id > 0
