"""Versioned schema migrations, applied on start.

Files ``NNNN_name.sql`` in ``migrations/`` run in version order, each in its own
transaction, and are recorded in ``schema_migrations``. Every transaction first takes
one advisory lock, so processes starting at once apply each file exactly once.
"""

from __future__ import annotations

import logging
import pathlib
import re
from dataclasses import dataclass

import asyncpg

_log = logging.getLogger(__name__)

MIGRATIONS_DIR = pathlib.Path(__file__).with_name("migrations")
_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
# Arbitrary constant naming "schema migrations" among the database's advisory locks.
_LOCK_KEY = 0x7472_616E_7369_7401

_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


class MigrationError(Exception):
    """A migrations folder that cannot be applied as it stands."""

    def __init__(self, path: pathlib.Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str  # file stem, e.g. "0001_initial"
    sql: str


def load_migrations(directory: pathlib.Path = MIGRATIONS_DIR) -> list[Migration]:
    """All migration files of ``directory`` in version order."""
    migrations: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _FILE_NAME.match(path.name)
        if match is None:
            raise MigrationError(path, "name is not NNNN_lower_snake.sql")
        version = int(match.group(1))
        if version in migrations:
            raise MigrationError(path, f"version {version} also in {migrations[version].name}")
        migrations[version] = Migration(version, path.stem, path.read_text(encoding="utf-8"))
    return [migrations[v] for v in sorted(migrations)]


async def apply_migrations(pool: asyncpg.Pool, directory: pathlib.Path = MIGRATIONS_DIR) -> list[str]:
    """Apply the migrations not yet recorded; return their names, in order."""
    migrations = load_migrations(directory)
    applied: list[str] = []
    async with pool.acquire() as conn:
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_KEY)
            await conn.execute(_CREATE_TABLE)
        for migration in migrations:
            async with conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_KEY)
                done = await conn.fetchval(
                    "SELECT true FROM schema_migrations WHERE version = $1", migration.version
                )
                if done:
                    continue
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                    migration.version,
                    migration.name,
                )
            applied.append(migration.name)
            _log.info(
                "migration_applied name=%s",
                migration.name,
                extra={"event": "migration_applied", "migration": migration.name},
            )
    return applied
