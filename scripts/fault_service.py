"""The service under fault: its data folder, its process, its store, its disk.

Each scenario gets a fresh data folder, copied (``cp -a``: the embedded
PostgreSQL's files keep their owner) from a template prepared once with the
schedule imported, and runs ``transit serve`` with the embedded PostgreSQL (no
DATABASE_URL) on free loopback ports, its log in a file beside the folder.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from fault_load import HOST, Key

ROOT = Path(__file__).resolve().parent.parent
TRANSIT = [sys.executable, "-m", "transit.cli"]
AUTH_KEY = "fault-tests"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def service_env(data_dir: Path, http_port: int = 0, jt808_port: int = 0) -> dict[str, str]:
    """The environment of a service on ``data_dir``: embedded PostgreSQL, open
    registration, nothing polled, nothing simulated."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "TRANSIT_JT808_BINDINGS", "TRANSIT_GTFSRT_POLL_URLS")}
    env.update(TRANSIT_DATA_DIR=str(data_dir), TRANSIT_HTTP_HOST=HOST,
               TRANSIT_HTTP_PORT=str(http_port), TRANSIT_JT808_HOST=HOST,
               TRANSIT_JT808_PORT=str(jt808_port), TRANSIT_JT808_AUTH_KEY=AUTH_KEY,
               TRANSIT_SIMULATE="false", TRANSIT_LOG_LEVEL="INFO")
    return env


def prepare_template(template: Path, feed: Path | None, seed: int) -> str:
    """A data folder with a live schedule (``feed``, else the demo city of ``seed``),
    its PostgreSQL stopped; reused if already there. Says what it holds."""
    marker = template / "prepared.txt"
    if marker.exists():
        return marker.read_text()
    template.mkdir(parents=True, exist_ok=True)
    env = service_env(template)
    if feed is None:
        feed = template / f"demo-city-seed{seed}.zip"
        subprocess.run([*TRANSIT, "demo-city", str(feed), "--seed", str(seed)],
                       env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([*TRANSIT, "import-gtfs", str(feed)], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    marker.write_text(f"schedule {feed.name}")
    return marker.read_text()


def copy_template(template: Path, data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", "-a", f"{template}/.", str(data_dir)], check=True)


def folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


@dataclass
class Service:
    """One ``transit serve`` on ``data_dir``; start, kill and restart it."""

    data_dir: Path
    log_path: Path
    http_port: int = field(default_factory=free_port)
    jt808_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "postgres"

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.http_port}"

    async def start(self, timeout: float = 180.0) -> float:
        """Start and wait until /health answers 200; the seconds it took."""
        started = time.monotonic()
        with self.log_path.open("ab") as log:
            log.write(f"---- start {self.starts + 1}\n".encode())
            self.process = subprocess.Popen(
                [*TRANSIT, "serve"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                env=service_env(self.data_dir, self.http_port, self.jt808_port))
        self.starts += 1
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"the service exited with status {self.process.returncode}"
                                   f" (log: {self.log_path})")
            if await self.health() == 200:
                return time.monotonic() - started
            await asyncio.sleep(0.2)
        raise RuntimeError(f"the service did not answer /health within {timeout:.0f} s")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no cleanup at all, as the OOM killer or a power cut would."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    async def stop(self, timeout: float = 60.0) -> int:
        """SIGTERM, as systemd stops it; its exit status."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(self.process.wait, timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                await asyncio.to_thread(self.process.wait)
        return self.process.returncode

    async def health(self) -> int | None:
        """/health's status (503: database unavailable), None if nothing answers."""
        return (await asyncio.to_thread(_get, f"{self.base_url}/health"))[0]

    async def jt808_counters(self) -> dict[str, object]:
        """The JT/T 808 server's counters from /metrics (empty if it did not answer)."""
        status, body = await asyncio.to_thread(_get, f"{self.base_url}/metrics")
        counters = json.loads(body).get("jt808") if status == 200 else None
        return counters if isinstance(counters, dict) else {}

    def log_count(self, event: str) -> int:
        """How many log lines name ``event``."""
        return self.log_path.read_text(errors="replace").count(event)

    def postgres_ready_times(self) -> list[float]:
        """When (Unix time) its PostgreSQL said it was ready to accept connections,
        from the server's own log ("2026-12-01 15:03:17.406 UTC [20780] LOG: ...";
        a zone other than UTC is this machine's, as initdb found it)."""
        times = []
        for line in (self.pgdata / "log").read_text(errors="replace").splitlines():
            if "database system is ready to accept connections" in line:
                stamp = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S.%f")
                if line[24:].startswith(("UTC", "GMT")):
                    stamp = stamp.replace(tzinfo=UTC)
                times.append(stamp.timestamp())
        return times


def _get(url: str) -> tuple[int | None, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return None, b""


def postmaster_running(pgdata: Path) -> bool:
    from transit.store.embedded import find_postmaster

    return find_postmaster(pgdata) is not None


def kill_postmaster(pgdata: Path) -> int:
    """SIGKILL the embedded PostgreSQL's postmaster; its pid."""
    from transit.store.embedded import find_postmaster

    postmaster = find_postmaster(pgdata)
    if postmaster is None:
        raise RuntimeError(f"no postmaster runs for {pgdata}")
    postmaster.send_signal(signal.SIGKILL)
    return postmaster.pid


async def crash_on_full_wal(pgdata: Path, tries: int = 5) -> str:
    """Make PostgreSQL need a new WAL segment (a commit, then ``pg_switch_wal()``)
    until it fails, as a longer spell on a full disk would; what happened."""
    import asyncpg

    lines = (pgdata / "postmaster.pid").read_text().splitlines()
    dsn = f"postgresql://postgres:@/postgres?host={lines[4].strip()}&port={lines[3].strip()}"
    conn = await asyncpg.connect(dsn)
    try:
        for _ in range(tries):
            await conn.fetchval("SELECT txid_current()")  # a commit record to switch away from
            await conn.fetchval("SELECT pg_switch_wal()")
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        why = str(exc).removeprefix("connection was closed in the middle of operation: ")
        return f"PostgreSQL stopped ({why})"
    finally:
        if not conn.is_closed():
            await conn.close()
    return f"PostgreSQL still up after {tries} WAL switches"


async def stored_keys(data_dir: Path, vehicle_ids: set[str]) -> set[Key]:
    """The (vehicle id, fix second) of every stored report of ``vehicle_ids``.

    Opens the data folder's embedded server as the service does (started if it
    is stopped, and stopped again after unless the service still uses it)."""
    import asyncpg

    from transit.store.embedded import open_database

    async with open_database(None, data_dir / "postgres") as dsn:
        conn = await asyncpg.connect(dsn)
        try:
            rows = await conn.fetch(
                "SELECT vehicle_id, extract(epoch FROM ts)::bigint AS at FROM vehicle_reports"
                " WHERE vehicle_id = ANY($1::text[])", sorted(vehicle_ids))
        finally:
            await conn.close()
    return {(row["vehicle_id"], int(row["at"])) for row in rows}


# ------------------------------------------------------------------ a small disk


def mount_small_disk(mount_point: Path, size_bytes: int) -> str | None:
    """Mount a tmpfs of ``size_bytes`` at ``mount_point``; None, or why it cannot be."""
    if os.name != "posix" or os.geteuid() != 0:
        return "mounting a small filesystem needs root"
    mount_point.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_bytes},mode=0755",
                           "fault-tests", str(mount_point)], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        return f"mount failed: {done.stderr.strip() or done.returncode}"
    return None


def unmount(mount_point: Path) -> None:
    subprocess.run(["umount", str(mount_point)], check=False, capture_output=True)


def fill_disk(path: Path) -> int:
    """Write ``path`` until the filesystem has no byte left; the bytes written."""
    written = 0
    with path.open("wb", buffering=0) as ballast:
        for chunk in (1 << 20, 1 << 12, 1):
            block = b"\0" * chunk
            while True:
                try:
                    written += ballast.write(block)
                except OSError:  # ENOSPC: try a smaller block, down to a byte
                    break
    return written


def free_disk(path: Path) -> None:
    path.unlink(missing_ok=True)


def remove_folder(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
