"""Console sessions on the server: a row per logged-in browser, found by the
SHA-256 of its cookie's token, with the CSRF token its forms carry. Whether
a session has lapsed is the core's call (``transit.console.sessions``)."""

from __future__ import annotations

import asyncpg

from transit.console.sessions import Session
from transit.store.instants import to_datetime, to_seconds
from transit.store.users import USER_COLUMNS, load_grants, user_from_row


async def create_session(pool: asyncpg.Pool, token_hash: bytes, user_id: int, csrf_token: str,
                         at: float, address: str) -> None:
    await pool.execute(
        "INSERT INTO user_sessions (token_hash, user_id, csrf_token, started_at, last_seen_at, address)"
        " VALUES ($1, $2, $3, $4, $4, $5)", token_hash, user_id, csrf_token, to_datetime(at), address)


async def find_session(pool: asyncpg.Pool, token_hash: bytes) -> Session | None:
    """The session of ``token_hash`` if it exists and its user is active."""
    user_columns = ", ".join(f"u.{column}" for column in USER_COLUMNS.split(", "))
    row = await pool.fetchrow(
        f"SELECT {user_columns}, s.csrf_token, s.started_at, s.last_seen_at"
        " FROM user_sessions s JOIN users u ON u.id = s.user_id"
        " WHERE s.token_hash = $1 AND u.disabled_at IS NULL", token_hash)
    if row is None:
        return None
    user = user_from_row(row, await load_grants(pool, [row["id"]]))
    return Session(user, row["csrf_token"], to_seconds(row["started_at"]), to_seconds(row["last_seen_at"]))


async def touch_session(pool: asyncpg.Pool, token_hash: bytes, at: float) -> None:
    await pool.execute("UPDATE user_sessions SET last_seen_at = greatest(last_seen_at, $2) WHERE token_hash = $1",
                       token_hash, to_datetime(at))


async def end_session(pool: asyncpg.Pool, token_hash: bytes) -> None:
    await pool.execute("DELETE FROM user_sessions WHERE token_hash = $1", token_hash)


async def purge_sessions(pool: asyncpg.Pool, started_before: float, seen_before: float) -> int:
    """Delete the sessions begun before ``started_before`` or idle since before
    ``seen_before`` (lapsed ones); return how many."""
    status: str = await pool.execute(
        "DELETE FROM user_sessions WHERE started_at < $1 OR last_seen_at < $2",
        to_datetime(started_before), to_datetime(seen_before))
    return int(status.split()[-1])
