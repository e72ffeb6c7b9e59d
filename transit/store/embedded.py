"""Where the database lives: the operator's PostgreSQL or an embedded one.

With no ``DATABASE_URL`` the service starts its own PostgreSQL (pgserver ships the
binaries) in a data folder, so ``transit demo`` needs nothing installed by hand
(DESIGN.md "Zero-config default").

The embedded server must outlive crashes around it (issue 8):

- pgserver records the pid of every process using a server in its folder
  (``.handle_pids.json``) and stops the server only when the last one leaves.
  A process killed with SIGKILL never leaves, so its pid stayed recorded and no
  later clean shutdown stopped the server. Users that no longer exist are
  forgotten here on opening and on closing.
- A postmaster killed with SIGKILL leaves its ``postmaster.pid``, naming a process
  that has exited (or, where nothing reaps orphans, a zombie that pgserver and
  PostgreSQL both take for a running server). Such a file is removed before
  starting, as is one naming another folder (a folder copied or moved while its
  server ran).
- While the service runs, a supervisor restarts a postmaster that died; crash
  recovery replays the WAL, so nothing committed (and so nothing acknowledged)
  is lost, and the pool reconnects on the same socket.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pathlib
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import asyncpg
import orjson

if TYPE_CHECKING:
    import psutil
    from pgserver import PostgresServer

_log = logging.getLogger(__name__)

CHECK_EVERY_S = 0.5  # how often the supervisor looks at the postmaster
RESTART_FIRST_S, RESTART_MAX_S = 0.5, 5.0  # waits between restart attempts, doubling
# pgserver (0.1.4) keeps the pids of the processes using a server in this file.
_USERS_FILE = ".handle_pids.json"
# Process start times come from the boot time in whole seconds: allow for it.
_CLOCK_SLACK_S = 2.0
# pgserver's lock is a file lock, held by a process, not a thread: threads of
# this process take this one too, so that only one of them holds it at a time.
_THREAD_LOCK = threading.Lock()


def describe_dsn(dsn: str) -> str:
    """The DSN without its password, safe to log."""
    parts = urlsplit(dsn)
    if parts.password is None:
        return dsn
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


@asynccontextmanager
async def open_database(database_url: str | None, data_dir: pathlib.Path) -> AsyncIterator[str]:
    """Yield a DSN: ``database_url`` when given, else an embedded server's.

    The embedded server keeps its files in ``data_dir`` (created if missing; its
    parent must exist), is restarted if its postmaster dies, and is stopped on
    exit unless another live process still uses it; the data stays for the next
    start.
    """
    if database_url:
        _log.info(
            "database_external dsn=%s",
            describe_dsn(database_url),
            extra={"event": "database_external", "dsn": describe_dsn(database_url)},
        )
        yield database_url
        return

    started = time.perf_counter()
    # pgserver blocks (initdb, pg_ctl -w start): keep it off the event loop.
    server = await asyncio.to_thread(_start, data_dir)
    dsn = server.get_uri()
    seconds = time.perf_counter() - started
    _log.info(
        "database_embedded data_dir=%s dsn=%s start_s=%.2f",
        data_dir,
        dsn,
        seconds,
        extra={"event": "database_embedded", "data_dir": str(data_dir), "dsn": dsn, "start_s": seconds},
    )
    supervisor = asyncio.create_task(_supervise(server), name="embedded-postgres-supervisor")
    try:
        yield dsn
    finally:
        supervisor.cancel()
        await asyncio.gather(supervisor, return_exceptions=True)
        await asyncio.to_thread(_stop, server)
        _log.info(
            "database_embedded_stopped data_dir=%s",
            data_dir,
            extra={"event": "database_embedded_stopped", "data_dir": str(data_dir)},
        )


@asynccontextmanager
async def scratch_database(database_url: str | None, data_dir: pathlib.Path,
                           prefix: str = "scratch") -> AsyncIterator[str]:
    """Yield the DSN of an empty database for one run (a benchmark): a new
    database on ``database_url``'s server, dropped on exit; else an embedded
    server's in ``data_dir``."""
    if not database_url:
        async with open_database(None, data_dir) as dsn:
            yield dsn
        return
    name = f"{prefix}_{os.getpid()}_{int(time.time() * 1000) % 10**9}"
    admin = await asyncpg.connect(database_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            # The path names the database; a socket folder may follow in the query.
            yield urlsplit(database_url)._replace(path=f"/{name}").geturl()
        finally:
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await admin.close()


# ------------------------------------------------------------------ the embedded server


@contextmanager
def _pgserver_lock() -> Iterator[None]:
    """pgserver's inter-process lock on its servers (starting, stopping, users)."""
    from pgserver import PostgresServer

    with _THREAD_LOCK, PostgresServer._lock:
        yield


def find_postmaster(pgdata: pathlib.Path) -> psutil.Process | None:
    """The running postmaster of ``pgdata`` as its ``postmaster.pid`` names it, or
    None: no such file, or it names another folder, a process that has exited
    (a zombie has), or a pid now taken by a process started after that postmaster."""
    return _lock_owner(pgdata / "postmaster.pid", pgdata)


def _lock_owner(path: pathlib.Path, pgdata: pathlib.Path) -> psutil.Process | None:
    """The running postmaster of ``pgdata`` that holds the lock file ``path``
    (``postmaster.pid`` or a socket's ``.lock``: pid, data folder, start time
    first), or None."""
    import psutil

    try:
        lines = path.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return None
    try:
        pid, folder, started_at = int(lines[0]), pathlib.Path(lines[1]), int(lines[2])
        process = psutil.Process(pid)
        if (folder.resolve() != pgdata.resolve() or process.status() == psutil.STATUS_ZOMBIE
                or process.create_time() > started_at + _CLOCK_SLACK_S):
            return None
    except (ValueError, IndexError, psutil.NoSuchProcess):  # garbled file, or no such process
        return None
    return process


def _is_user(pid: int, recorded_at: float) -> bool:
    """Whether ``pid`` may still be the process that recorded itself as a user of
    a server by ``recorded_at`` (it exists, is no zombie, and is older than that)."""
    import psutil

    try:
        process = psutil.Process(pid)
        return (process.status() != psutil.STATUS_ZOMBIE
                and process.create_time() <= recorded_at + _CLOCK_SLACK_S)
    except psutil.NoSuchProcess:
        return False


def _forget_gone_users(pgdata: pathlib.Path, *, ours_too: bool = False) -> list[int]:
    """Remove from pgserver's record of users the processes gone (killed without
    leaving); with ``ours_too`` also this process's pid (before this process has
    registered, its pid there was a dead process's). Returns the pids removed.
    Caller holds ``_pgserver_lock``."""
    path = pgdata / _USERS_FILE
    if not path.exists():
        return []
    pids: list[int] = orjson.loads(path.read_bytes())
    # The file is rewritten whenever a user registers, so every live user is older.
    recorded_at = path.stat().st_mtime
    gone = [pid for pid in pids
            if (ours_too and pid == os.getpid()) or not _is_user(pid, recorded_at)]
    if gone:
        path.write_bytes(orjson.dumps([pid for pid in pids if pid not in gone]))
    return gone


def _remove_stale_lock_files(pgdata: pathlib.Path) -> None:
    """Remove a ``postmaster.pid`` that names no running postmaster of ``pgdata``,
    and its socket's lock file: pgserver would take a zombie's for a running
    server, and PostgreSQL refuses to start beside either. Caller holds
    ``_pgserver_lock``."""
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists() or find_postmaster(pgdata) is not None:
        return
    lines = pid_file.read_text(errors="replace").splitlines()
    stale = [pid_file]
    if len(lines) > 4 and lines[4].strip():  # port, then socket folder
        stale.append(pathlib.Path(lines[4].strip()) / f".s.PGSQL.{lines[3].strip()}.lock")
    for path in stale:
        if path.exists() and _lock_owner(path, pgdata) is None:
            path.unlink()
    _log.warning("database_embedded_stale_lock_files pid=%s files=%s",
                 lines[0] if lines else "?", ",".join(p.name for p in stale),
                 extra={"event": "database_embedded_stale_lock_files"})


def _start(data_dir: pathlib.Path) -> PostgresServer:
    """The embedded server of ``data_dir``, running, with this process recorded as a user."""
    import pgserver

    pgdata = data_dir.expanduser().resolve()  # as pgserver keys its servers
    if pgdata.exists():
        with _pgserver_lock():
            gone = _forget_gone_users(pgdata, ours_too=True)
            if gone:
                _log.warning("database_embedded_users_forgotten pids=%s", gone,
                             extra={"event": "database_embedded_users_forgotten", "pids": gone})
            _remove_stale_lock_files(pgdata)
    with _THREAD_LOCK:
        server = pgserver.get_server(pgdata, cleanup_mode="stop")
    with _pgserver_lock():
        # A server this process opened before comes back from pgserver's cache
        # without recording us again.
        server.global_process_id_list.get_and_add(os.getpid())
    _ensure_running(server)
    return server


def _ensure_running(server: PostgresServer) -> None:
    """Start ``server`` unless its postmaster runs."""
    with _pgserver_lock():
        if find_postmaster(server.pgdata) is None:
            _remove_stale_lock_files(server.pgdata)
            server.ensure_postgres_running()


def _stop(server: PostgresServer) -> None:
    """Leave ``server``: stop it unless another live process still uses it."""
    import pgserver

    with _pgserver_lock():
        _forget_gone_users(server.pgdata)
    with _THREAD_LOCK:
        server.cleanup()  # forgets us; stops the postmaster pgserver knows if we were the last
    with _pgserver_lock():
        if server.global_process_id_list.get() or find_postmaster(server.pgdata) is None:
            return
        # pgserver knew an earlier postmaster (another process restarted it since).
        _log.warning("database_embedded_stopping_unknown_postmaster data_dir=%s", server.pgdata,
                     extra={"event": "database_embedded_stopping_unknown_postmaster"})
        pgserver.pg_ctl(["-w", "stop"], pgdata=server.pgdata,  # type: ignore[attr-defined]
                        user=server.system_user)


# ------------------------------------------------------------------ supervision


async def _supervise(server: PostgresServer) -> None:
    """Restart ``server`` whenever its postmaster has died, until cancelled."""
    while True:
        await asyncio.sleep(CHECK_EVERY_S)
        try:
            if find_postmaster(server.pgdata) is None:  # a few /proc reads: no thread needed
                await _recover(server)
        except Exception:  # e.g. /proc unreadable: keep watching, but say so
            _log.exception("database_embedded_supervisor_error",
                           extra={"event": "database_embedded_supervisor_error"})


async def _recover(server: PostgresServer) -> None:
    """Start ``server`` again, retrying (the disk may be full) until it runs."""
    lost_at = time.perf_counter()
    _log.error("database_embedded_lost data_dir=%s: restarting it", server.pgdata,
               extra={"event": "database_embedded_lost", "data_dir": str(server.pgdata)})
    wait, attempt = RESTART_FIRST_S, 0
    while True:
        attempt += 1
        try:
            await asyncio.to_thread(_quietly_ensure_running, server)
        except Exception as exc:  # pg_ctl failed or timed out: its log says why
            error = (f"pg_ctl start exited with status {exc.returncode}"
                     if isinstance(exc, subprocess.CalledProcessError) else repr(exc))
            _log.error(
                "database_embedded_restart_failed attempt=%d retry_in_s=%.1f error=%s log=%s",
                attempt, wait, error, _log_tail(server.pgdata / "log"),
                extra={"event": "database_embedded_restart_failed", "attempt": attempt},
            )
            await asyncio.sleep(wait)
            wait = min(2 * wait, RESTART_MAX_S)
            continue
        down_s = time.perf_counter() - lost_at
        _log.warning("database_embedded_restarted attempts=%d down_s=%.2f", attempt, down_s,
                     extra={"event": "database_embedded_restarted", "attempts": attempt,
                            "down_s": down_s})
        return


class _NoFailureDumps(logging.Filter):
    """pgserver logs the whole server log at ERROR on each failed start; the
    supervisor, retrying every few seconds, logs each failure itself, briefly."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno < logging.ERROR


def _quietly_ensure_running(server: PostgresServer) -> None:
    pgserver_log = logging.getLogger("pgserver")
    quiet = _NoFailureDumps()
    pgserver_log.addFilter(quiet)
    try:
        _ensure_running(server)
    finally:
        pgserver_log.removeFilter(quiet)


def _log_tail(path: pathlib.Path) -> str:
    """Why the server last stopped, from the end of its log: the last FATAL or
    PANIC line and the last line, joined by " | "."""
    try:
        with path.open("rb") as log:
            log.seek(max(0, log.seek(0, os.SEEK_END) - 8192))
            lines = log.read().decode(errors="replace").splitlines()[1:]  # the first may be cut
    except OSError as exc:
        return f"(unreadable: {exc})"
    reasons = [line for line in lines if "FATAL:" in line or "PANIC:" in line]
    return " | ".join(line.strip() for line in dict.fromkeys(reasons[-1:] + lines[-1:]))


# ------------------------------------------------------------------ pools


async def _init_connection(conn: asyncpg.Connection) -> None:
    for type_name in ("jsonb", "json"):
        await conn.set_type_codec(
            type_name,
            schema="pg_catalog",
            encoder=lambda value: orjson.dumps(value).decode(),
            decoder=orjson.loads,
        )


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """A connection pool whose json/jsonb columns take and give Python objects."""
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        # Sessions in UTC: instants come back as aware UTC datetimes whatever the
        # server's default; service days are computed in Asia/Shanghai by the core.
        server_settings={"timezone": "UTC"},
    )
    assert pool is not None
    return pool
