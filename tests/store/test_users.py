"""Console users, sessions and the audit log on a real PostgreSQL: every user
change is audited in its own transaction, the audit log refuses UPDATE and
DELETE, disabling a user ends their sessions."""

from __future__ import annotations

import asyncpg
import pytest

from transit.console.access import parse_grant
from transit.console.audit import Act
from transit.console.users import new_user
from transit.store.audit import append_audit, iter_audit, list_audit
from transit.store.sessions import create_session, end_session, find_session, purge_sessions, touch_session
from transit.store.users import (
    UserAlreadyDisabled,
    UserExists,
    UserNotFound,
    add_user,
    disable_user,
    find_login,
    list_users,
)

T0 = 1_772_400_000.0
SHELL = Act("shell:root", "shell", T0, "first admin")
WANG = new_user("wang", "王芳 <b>", [parse_grant("dispatcher:lines=1,2"), parse_grant("viewer")])


async def test_a_user_is_added_with_roles_and_audited(clean_pool: asyncpg.Pool) -> None:
    added = await add_user(clean_pool, WANG, "$argon2id$fake", SHELL)
    assert [str(g) for g in added.grants] == ["viewer", "dispatcher:lines=1,2"]
    (listed,) = await list_users(clean_pool)
    assert listed == added and listed.active and listed.created_at == T0
    user, password_hash = await find_login(clean_pool, "wang")  # type: ignore[misc]
    assert user == added and password_hash == "$argon2id$fake"
    (entry,) = await list_audit(clean_pool, 10)
    assert (entry.actor, entry.role, entry.action, entry.object_type, entry.object_id, entry.reason, entry.at) == (
        "shell:root", "shell", "add_user", "user", "wang", "first admin", T0)
    assert entry.before is None
    assert entry.after == {"username": "wang", "display_name": "王芳 <b>",
                           "roles": ["viewer", "dispatcher:lines=1,2"], "disabled": False}
    assert "fake" not in str(entry.after)  # never the hash


async def test_a_second_user_of_the_same_name_is_refused_and_nothing_audited(clean_pool: asyncpg.Pool) -> None:
    await add_user(clean_pool, WANG, "h1", SHELL)
    with pytest.raises(UserExists, match="'wang' already exists"):
        await add_user(clean_pool, WANG, "h2", SHELL)
    assert len(await list_audit(clean_pool, 10)) == 1
    assert (await find_login(clean_pool, "wang"))[1] == "h1"  # type: ignore[index]


async def test_disabling_ends_sessions_refuses_log_in_and_is_audited(clean_pool: asyncpg.Pool) -> None:
    added = await add_user(clean_pool, WANG, "h", SHELL)
    await create_session(clean_pool, b"t" * 32, added.id, "csrf", T0 + 10, "10.0.0.1")
    session = await find_session(clean_pool, b"t" * 32)
    assert session is not None and session.user == added and session.csrf_token == "csrf"
    assert (session.started_at, session.last_seen_at) == (T0 + 10, T0 + 10)
    by_admin = Act("li", "admin", T0 + 60, "left the company")
    disabled = await disable_user(clean_pool, "wang", by_admin)
    assert disabled.disabled_at == T0 + 60 and not disabled.active
    assert await find_session(clean_pool, b"t" * 32) is None
    assert await clean_pool.fetchval("SELECT count(*) FROM user_sessions") == 0
    assert await find_login(clean_pool, "wang") is None
    newest = (await list_audit(clean_pool, 10))[0]
    assert (newest.actor, newest.role, newest.action, newest.reason) == ("li", "admin", "disable_user",
                                                                          "left the company")
    assert newest.before["disabled"] is False and newest.after["disabled"] is True  # type: ignore[index]
    with pytest.raises(UserAlreadyDisabled):
        await disable_user(clean_pool, "wang", by_admin)
    with pytest.raises(UserNotFound, match="no user 'zhao'"):
        await disable_user(clean_pool, "zhao", by_admin)
    assert len(await list_audit(clean_pool, 10)) == 2


async def test_sessions_are_touched_ended_and_purged(clean_pool: asyncpg.Pool) -> None:
    added = await add_user(clean_pool, WANG, "h", SHELL)
    for n, started in enumerate((T0, T0 + 100, T0 + 200)):
        await create_session(clean_pool, bytes([n]) * 32, added.id, f"c{n}", started, "")
    await touch_session(clean_pool, bytes([1]) * 32, T0 + 5000)
    await touch_session(clean_pool, bytes([1]) * 32, T0 + 4000)  # never back in time
    assert (await find_session(clean_pool, bytes([1]) * 32)).last_seen_at == T0 + 5000  # type: ignore[union-attr]
    await end_session(clean_pool, bytes([2]) * 32)
    assert await find_session(clean_pool, bytes([2]) * 32) is None
    # Session 0: idle since T0; session 1: seen at T0 + 5000.
    assert await purge_sessions(clean_pool, started_before=T0 - 1, seen_before=T0 + 1000) == 1
    assert await find_session(clean_pool, bytes([0]) * 32) is None
    assert await find_session(clean_pool, bytes([1]) * 32) is not None


async def test_the_audit_log_refuses_update_and_delete(clean_pool: asyncpg.Pool) -> None:
    await add_user(clean_pool, WANG, "h", SHELL)
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only: UPDATE refused"):
        await clean_pool.execute("UPDATE audit_log SET actor = 'someone else'")
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only: DELETE refused"):
        await clean_pool.execute("DELETE FROM audit_log WHERE id < 0")  # even touching no row
    (entry,) = await list_audit(clean_pool, 10)
    assert entry.actor == "shell:root"


async def test_the_audit_log_pages_newest_first_and_exports_oldest_first(clean_pool: asyncpg.Pool) -> None:
    async with clean_pool.acquire() as conn:
        for n in range(7):
            await append_audit(conn, SHELL.entry("note", "thing", str(n), None, {"n": n}))
    newest = await list_audit(clean_pool, 3)
    assert [e.object_id for e in newest] == ["6", "5", "4"]
    older = await list_audit(clean_pool, 3, before_id=newest[-1].id)
    assert [e.object_id for e in older] == ["3", "2", "1"]
    pages = [[e.object_id for e in page] async for page in iter_audit(clean_pool, page=3)]
    assert pages == [["0", "1", "2"], ["3", "4", "5"], ["6"]]
