"""`transit taps import` end to end on a real database: idempotent by
transaction id, bad rows reported by line while the good ones land, and the
clear card number nowhere in the database or the logs afterwards."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import asyncpg
import pytest

from transit.cli import main
from transit.privacy import pseudonymise

CARD = "3100987654321098"
OPTIONS = ["--columns", "txn_id=流水号,card_id=卡号,time=交易时间,vehicle_id=车辆,medium=支付方式",
           "--media", "1=card,2=wechat"]
ROWS = ("流水号,卡号,交易时间,车辆,支付方式\n"
        f"T1,{CARD},2026-11-25 07:31:02,TC0001,1\n"
        f"T2,{CARD},not a time,TC0001,1\n"  # line 3: left out
        f"T3,{CARD},2026-11-25 17:40:00,TC0002,1\n"
        "T4,wx-0001,2026-11-25 17:41:00,TC0002,2\n")


@pytest.fixture
def transit(empty_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    monkeypatch.setenv("TRANSIT_PSEUDONYM_KEY", "a-test-key")

    def run(*args: str) -> int:
        return main(["--data-dir", str(tmp_path / "data"), *args])

    return run


async def _dump(dsn: str) -> list[str]:
    """Every row of every table of the database, as text."""
    conn = await asyncpg.connect(dsn)
    try:
        tables = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        rows = []
        for table in tables:
            name = table["tablename"]
            rows += [r[0] for r in await conn.fetch(f'SELECT t::text FROM "{name}" t ORDER BY 1')]
        return rows
    finally:
        await conn.close()


def test_importing_twice_changes_nothing_and_no_card_number_is_kept(  # type: ignore[no-untyped-def]
        transit, empty_database_url: str, tmp_path: Path, capsys, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "taps.csv"
    path.write_text(ROWS, encoding="utf-8")
    assert transit("taps", "import", str(path), *OPTIONS) == 1
    err = capsys.readouterr().err
    assert "4 rows; 3 taps stored, 0 already stored" in err and "line 3: " in err
    first = asyncio.run(_dump(empty_database_url))
    assert sum(row.startswith("(T") for row in first) == 3

    assert transit("taps", "import", str(path), *OPTIONS) == 1
    output = capsys.readouterr()
    assert "0 taps stored, 3 already stored" in output.err
    assert asyncio.run(_dump(empty_database_url)) == first

    assert not any(CARD in row for row in first)
    assert sum(pseudonymise(CARD, b"a-test-key") in row for row in first) == 2
    # Unwrapped, in case a console broke a number across lines.
    assert CARD not in (output.out + output.err + err).replace("\n", "")
    assert not any(CARD in record.getMessage() for record in caplog.records)


def test_an_unreadable_file_stops_before_the_database(transit, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert transit("taps", "import", str(tmp_path / "absent.csv")) == 2
    assert "cannot be read" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()
