"""PostgreSQL storage through asyncpg: database location, migrations, repositories.

asyncpg is imported only inside this package (STYLE.md habit 10).
"""

from asyncpg import Pool

__all__ = ["Pool"]  # the pool type, for code outside store/ that passes one along
