"""PostgreSQL storage through asyncpg: database location, migrations, repositories.

asyncpg is imported only inside this package (STYLE.md habit 10).
"""

from collections.abc import Awaitable, Callable

from asyncpg import InterfaceError, Pool, PostgresError

# Runs ``work(pool)`` on the configured database and returns an exit code: the
# CLI's wiring hands one to command bodies that need the store.
WithPool = Callable[[Callable[[Pool], Awaitable[None]]], int]

# What a database call raises when the database is away or refuses: callers
# outside store/ that ride such a moment out catch these.
DATABASE_ERRORS: tuple[type[Exception], ...] = (OSError, PostgresError, InterfaceError)

__all__ = ["DATABASE_ERRORS", "Pool", "WithPool"]  # for code outside store/ that passes a pool along, or a runner
