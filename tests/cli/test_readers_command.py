"""`transit readers add | list | disable` on a real database: the key printed
once and only its hash kept, bad input exiting 2 with the reason, every change
in the audit log; and the demo's registry of one reader per simulated bus."""

from __future__ import annotations

import asyncio
import csv
import getpass
from collections.abc import Callable
from pathlib import Path

import pytest

from feeds.readers.demo import demo_reader_key, register_demo_readers
from transit.cli import EXIT_INVALID_INPUT, main
from transit.readers import Reader
from transit.store.audit import list_audit
from transit.store.embedded import create_pool
from transit.store.migrate import apply_migrations
from transit.store.readers import list_readers

Transit = Callable[..., int]


@pytest.fixture
def transit(empty_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Transit:
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    monkeypatch.setenv("COLUMNS", "240")

    def run(*args: str) -> int:
        return main(["--data-dir", str(tmp_path / "data"), *args])

    return run


async def _registry(dsn: str) -> tuple[list[Reader], list[tuple[str, str, str, str]]]:
    pool = await create_pool(dsn)
    try:
        entries = await list_audit(pool, 10)
        return await list_readers(pool), [(e.actor, e.action, e.object_id, str(e.after)) for e in entries]
    finally:
        await pool.close()


def test_readers_are_added_listed_and_disabled(transit: Transit, empty_database_url: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert transit("readers", "add", "SN-0042", "--vehicle", "TC0007", "--reason", "new bus") == 0
    out, err = capsys.readouterr()
    key = out.strip()
    assert "reader SN-0042 added on vehicle TC0007" in err and len(key) >= 43
    (reader,), entries = asyncio.run(_registry(empty_database_url))
    assert reader.accepts(key) and key not in reader.key_hash
    shell = f"shell:{getpass.getuser()}"
    assert entries == [(shell, "add_reader", "SN-0042", "{'active': True, 'vehicle_id': 'TC0007'}")]

    assert transit("readers", "list") == 0
    assert "│ SN-0042 │ TC0007 │ active │" in " ".join(capsys.readouterr().out.split())
    assert transit("readers", "disable", "SN-0042", "--reason", "stolen") == 0
    (reader,), entries = asyncio.run(_registry(empty_database_url))
    assert not reader.active and entries[0][1] == "disable_reader"
    assert transit("readers", "list") == 0
    assert "│ SN-0042 │ TC0007 │ disabled 20" in " ".join(capsys.readouterr().out.split())
    assert key not in (capsys.readouterr().out + str(entries))  # shown once, at creation


@pytest.mark.parametrize(("args", "says"), [
    (("add", "SN 1", "--vehicle", "TC0001"), "reader id 'SN 1'"),
    (("add", "SN-1", "--vehicle", "TC\x000"), "vehicle id"),
    (("disable", "SN-404"), "no reader 'SN-404'"),
])
def test_bad_input_exits_2_with_the_reason(transit: Transit, capsys: pytest.CaptureFixture[str],
                                           args: tuple[str, ...], says: str) -> None:
    assert transit("readers", *args) == EXIT_INVALID_INPUT
    assert says in capsys.readouterr().err


def test_a_reader_id_is_registered_once(transit: Transit, capsys: pytest.CaptureFixture[str]) -> None:
    assert transit("readers", "add", "SN-1", "--vehicle", "TC0001") == 0
    assert transit("readers", "add", "SN-1", "--vehicle", "TC0002") == EXIT_INVALID_INPUT
    assert "reader 'SN-1' already exists" in capsys.readouterr().err
    assert transit("readers", "disable", "SN-1") == 0
    assert transit("readers", "disable", "SN-1") == EXIT_INVALID_INPUT


async def _register_demo(dsn: str, data_dir: Path) -> tuple[int, int]:
    pool = await create_pool(dsn)
    try:
        await apply_migrations(pool)
        first = await register_demo_readers(pool, ["TC0002", "TC0001"], data_dir, 1_772_409_420.0)
        again = await register_demo_readers(pool, ["TC0001", "TC0003"], data_dir, 1_772_409_480.0)
        return first, again
    finally:
        await pool.close()


def test_the_demo_registers_a_reader_per_bus_once(empty_database_url: str, tmp_path: Path) -> None:
    assert asyncio.run(_register_demo(empty_database_url, tmp_path)) == (2, 1)
    with (tmp_path / "readers.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["reader_id"], r["vehicle_id"]) for r in rows] == [
        ("POS-TC0001", "TC0001"), ("POS-TC0002", "TC0002"), ("POS-TC0003", "TC0003")]
    readers, _ = asyncio.run(_registry(empty_database_url))
    assert all(r.accepts(row["key"]) and row["key"] == demo_reader_key(r.vehicle_id)
               for r, row in zip(readers, rows, strict=True))
