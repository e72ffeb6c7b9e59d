"""The `transit` command on a database holding a small simulated day."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.observed import events_and_taps, schedule_zip, store_observed
from transit.cli import main


@pytest.fixture
def observed_transit(empty_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., int]:
    """`transit ARGS` on a fresh database where the small city is the live
    version and a day of its stop events and taps is stored."""
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    monkeypatch.setenv("COLUMNS", "240")  # tables whole, not cut to a terminal's width
    feed = tmp_path / "small.zip"
    feed.write_bytes(schedule_zip())

    def run(*args: str) -> int:
        return main(["--data-dir", str(tmp_path / "data"), *args])

    assert run("import-gtfs", str(feed)) == 0
    asyncio.run(store_observed(empty_database_url, *events_and_taps()))
    return run
