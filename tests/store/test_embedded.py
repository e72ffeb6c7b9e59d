import pathlib
import time

import asyncpg
import pytest

from transit.store.embedded import create_pool, describe_dsn, open_database, scratch_database

pgserver = pytest.importorskip("pgserver")


async def test_embedded_server_starts_answers_and_stops(tmp_path: pathlib.Path) -> None:
    data_dir = tmp_path / "pgdata"
    started = time.perf_counter()
    async with open_database(None, data_dir) as dsn:
        startup_s = time.perf_counter() - started
        pool = await create_pool(dsn, max_size=2)
        try:
            assert await pool.fetchval("SELECT $1::jsonb", {"stops": 526}) == {"stops": 526}
        finally:
            await pool.close()
    assert (data_dir / "PG_VERSION").exists()  # the data stays for the next start
    assert startup_s < 60
    with pytest.raises((OSError, asyncpg.PostgresError)):
        await asyncpg.connect(dsn, timeout=5)


async def test_given_url_is_used_as_is(tmp_path: pathlib.Path) -> None:
    url = "postgresql://transit:secret@db.example:5432/transit"
    async with open_database(url, tmp_path / "unused") as dsn:
        assert dsn == url
    assert not (tmp_path / "unused").exists()
    assert describe_dsn(url) == "postgresql://transit:***@db.example:5432/transit"


async def test_a_scratch_database_on_a_server_is_dropped_after(server_dsn: str, tmp_path: pathlib.Path) -> None:
    async with scratch_database(server_dsn, tmp_path, "scratch_test") as dsn:
        conn = await asyncpg.connect(dsn)
        name = await conn.fetchval("SELECT current_database()")
        assert name.startswith("scratch_test_")
        await conn.close()
    admin = await asyncpg.connect(server_dsn)
    try:
        assert await admin.fetchval("SELECT count(*) FROM pg_database WHERE datname = $1", name) == 0
    finally:
        await admin.close()
