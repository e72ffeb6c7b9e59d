"""The embedded PostgreSQL after crashes around it (issue 8, item 7).

A process using the server is killed with SIGKILL (it never tells pgserver it
left); its postmaster may be killed too (its lock files stay, naming a process
that is gone or, where nothing reaps orphans, a zombie). The next process must
start, serve, and on a clean shutdown stop the server; while it runs, a
postmaster that dies is started again.
"""

from __future__ import annotations

import asyncio
import os
import pathlib
import signal
import subprocess
import sys
import time

import asyncpg
import pytest

from transit.store.embedded import find_postmaster, open_database

psutil = pytest.importorskip("psutil")
pytest.importorskip("pgserver")

# Opens the embedded server of argv[1], prints its postmaster's pid, then waits to be killed.
USER = """
import asyncio, pathlib, sys
from transit.store.embedded import find_postmaster, open_database

async def main():
    data_dir = pathlib.Path(sys.argv[1])
    async with open_database(None, data_dir):
        print(find_postmaster(data_dir).pid, flush=True)
        await asyncio.sleep(3600)

asyncio.run(main())
"""


def is_running(pid: int) -> bool:
    """A zombie (exited, not yet reaped: PID 1 here reaps nothing) is not running."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def kill_user(data_dir: pathlib.Path) -> int:
    """Run a process using ``data_dir``'s server, SIGKILL it; its postmaster's pid."""
    user = subprocess.Popen([sys.executable, "-c", USER, str(data_dir)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        assert user.stdout is not None
        postmaster = int(user.stdout.readline())
    finally:
        user.send_signal(signal.SIGKILL)
        user.wait()
    return postmaster


async def query_once(dsn: str) -> int:
    conn = await asyncpg.connect(dsn, timeout=5)
    try:
        return int(await conn.fetchval("SELECT 1"))
    finally:
        await conn.close()


async def test_clean_shutdown_stops_the_server_a_killed_process_was_using(
    tmp_path: pathlib.Path,
) -> None:
    data_dir = tmp_path / "pg"
    postmaster = kill_user(data_dir)
    assert is_running(postmaster)  # the server outlives the process killed
    for _ in range(2):  # the issue saw it survive two clean shutdowns
        async with open_database(None, data_dir) as dsn:
            assert await query_once(dsn) == 1
        assert find_postmaster(data_dir) is None
    assert not is_running(postmaster)


async def test_start_after_both_the_user_and_its_postmaster_were_killed(
    tmp_path: pathlib.Path,
) -> None:
    data_dir = tmp_path / "pg"
    postmaster = kill_user(data_dir)
    os.kill(postmaster, signal.SIGKILL)
    async with open_database(None, data_dir) as dsn:  # crash recovery on start
        assert await query_once(dsn) == 1
        restarted = find_postmaster(data_dir)
        assert restarted is not None and restarted.pid != postmaster
    assert find_postmaster(data_dir) is None
    assert not is_running(restarted.pid)


async def test_a_postmaster_killed_while_in_use_is_restarted_and_keeps_its_commits(
    tmp_path: pathlib.Path,
) -> None:
    data_dir = tmp_path / "pg"
    async with open_database(None, data_dir) as dsn:
        conn = await asyncpg.connect(dsn)
        await conn.execute("CREATE TABLE committed (n int)")
        await conn.execute("INSERT INTO committed SELECT generate_series(1, 100)")
        await conn.close()
        killed = find_postmaster(data_dir)
        assert killed is not None
        killed.send_signal(signal.SIGKILL)
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = await asyncpg.connect(dsn, timeout=2)  # the same DSN: the same socket
                break
            except (OSError, asyncpg.PostgresError):
                assert time.monotonic() < deadline, "the embedded server was not restarted"
                await asyncio.sleep(0.2)
        try:
            assert await conn.fetchval("SELECT count(*) FROM committed") == 100
        finally:
            await conn.close()
        restarted = find_postmaster(data_dir)
        assert restarted is not None and restarted.pid != killed.pid
    assert not is_running(restarted.pid)
