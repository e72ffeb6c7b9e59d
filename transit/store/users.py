"""Console users and their role grants. Every change is written with its
audit entry in one transaction: a change is never stored unrecorded."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from transit.console.access import Grant, Role, Scope, ScopeKind, merge_grants
from transit.console.audit import Act
from transit.console.users import NewUser, User
from transit.store.audit import append_audit
from transit.store.instants import to_datetime, to_seconds, to_seconds_or_none

USER_COLUMNS = "id, username, display_name, created_at, disabled_at"


class UserExists(ValueError):
    def __init__(self, username: str) -> None:
        super().__init__(f"user {username!r} already exists")
        self.username = username


class UserNotFound(LookupError):
    def __init__(self, username: str) -> None:
        super().__init__(f"no user {username!r}")
        self.username = username


class UserAlreadyDisabled(ValueError):
    def __init__(self, username: str) -> None:
        super().__init__(f"user {username!r} is already disabled")
        self.username = username


async def load_grants(conn: asyncpg.Connection | asyncpg.Pool, user_ids: Sequence[int]) -> dict[int, list[Grant]]:
    rows = await conn.fetch("SELECT user_id, role, scope_kind, scope_ids FROM user_roles WHERE user_id = ANY($1)",
                            list(user_ids))
    grants: dict[int, list[Grant]] = {}
    for row in rows:
        grants.setdefault(row["user_id"], []).append(
            Grant(Role(row["role"]), Scope(ScopeKind(row["scope_kind"]), frozenset(row["scope_ids"]))))
    return grants


def user_from_row(row: asyncpg.Record, grants: dict[int, list[Grant]]) -> User:
    return User(row["id"], row["username"], row["display_name"], merge_grants(grants.get(row["id"], ())),
                to_seconds(row["created_at"]), to_seconds_or_none(row["disabled_at"]))


async def add_user(pool: asyncpg.Pool, new: NewUser, password_hash: str, act: Act) -> User:
    """Store ``new`` with its roles; raises ``UserExists``."""
    async with pool.acquire() as conn, conn.transaction():
        try:
            row = await conn.fetchrow(
                f"INSERT INTO users (username, display_name, password_hash, created_at) VALUES ($1, $2, $3, $4)"
                f" RETURNING {USER_COLUMNS}", new.username, new.display_name, password_hash, to_datetime(act.at))
        except asyncpg.UniqueViolationError:
            raise UserExists(new.username) from None
        await conn.executemany(
            "INSERT INTO user_roles (user_id, role, scope_kind, scope_ids) VALUES ($1, $2, $3, $4)",
            [(row["id"], g.role.value, g.scope.kind.value, sorted(g.scope.ids)) for g in new.grants])
        user = user_from_row(row, {row["id"]: list(new.grants)})
        await append_audit(conn, act.entry("add_user", "user", user.username, None, user.as_audit()))
    return user


async def list_users(pool: asyncpg.Pool) -> list[User]:
    """Every user, disabled ones too, by username."""
    rows = await pool.fetch(f"SELECT {USER_COLUMNS} FROM users ORDER BY username")
    grants = await load_grants(pool, [row["id"] for row in rows])
    return [user_from_row(row, grants) for row in rows]


async def find_login(pool: asyncpg.Pool, username: str) -> tuple[User, str] | None:
    """The active user named ``username`` and their password hash, if there is one."""
    row = await pool.fetchrow(
        f"SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = $1 AND disabled_at IS NULL", username)
    if row is None:
        return None
    return user_from_row(row, await load_grants(pool, [row["id"]])), row["password_hash"]


async def disable_user(pool: asyncpg.Pool, username: str, act: Act) -> User:
    """Disable ``username`` and end their sessions; raises ``UserNotFound``
    or ``UserAlreadyDisabled``."""
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(f"SELECT {USER_COLUMNS} FROM users WHERE username = $1 FOR UPDATE", username)
        if row is None:
            raise UserNotFound(username)
        if row["disabled_at"] is not None:
            raise UserAlreadyDisabled(username)
        grants = await load_grants(conn, [row["id"]])
        before = user_from_row(row, grants)
        row = await conn.fetchrow(f"UPDATE users SET disabled_at = $2 WHERE id = $1 RETURNING {USER_COLUMNS}",
                                  row["id"], to_datetime(act.at))
        await conn.execute("DELETE FROM user_sessions WHERE user_id = $1", row["id"])
        after = user_from_row(row, grants)
        await append_audit(conn, act.entry("disable_user", "user", username, before.as_audit(), after.as_audit()))
    return after
