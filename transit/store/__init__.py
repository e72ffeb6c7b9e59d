"""PostgreSQL storage through asyncpg: database location, migrations, repositories.

asyncpg is imported only inside this package (STYLE.md habit 10).
"""
