"""PostgreSQL storage through asyncpg: database location, migrations, repositories.

asyncpg is imported only inside this package (STYLE.md habit 10).
"""

from collections.abc import Awaitable, Callable

from asyncpg import Pool

# Runs ``work(pool)`` on the configured database and returns an exit code: the
# CLI's wiring hands one to command bodies that need the store.
WithPool = Callable[[Callable[[Pool], Awaitable[None]]], int]

__all__ = ["Pool", "WithPool"]  # for code outside store/ that passes a pool along, or a runner
