"""`transit drafts`, `drafts show ID` and `drafts export ID --out FILE` on a real
database; an unknown id exits 2 naming it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from feeds.drafts.saving import load_base, save_draft
from tests.drafts.stored import small_city_draft
from tests.schedules.smallcity import small_city_zip
from transit.cli import EXIT_INVALID_INPUT, main
from transit.store.embedded import create_pool

Transit = Callable[..., int]


@pytest.fixture
def transit(empty_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Transit:
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    monkeypatch.setenv("COLUMNS", "240")

    def run(*args: str) -> int:
        return main(["--data-dir", str(tmp_path / "data"), *args])

    return run


async def _store_draft(dsn: str) -> bytes:
    pool = await create_pool(dsn)
    try:
        base = await load_base(pool, 1)
        assert len(base.network.trips) == 4  # the stored version, built back
        draft = small_city_draft(base.version_id)
        assert await save_draft(pool, draft) == 1
        return draft.feed_zip
    finally:
        await pool.close()


def test_drafts_are_listed_shown_and_exported(transit: Transit, empty_database_url: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    feed = tmp_path / "smallcity.zip"
    feed.write_bytes(small_city_zip())
    assert transit("import-gtfs", str(feed)) == 0
    assert transit("drafts") == 0
    assert "│ 1 " not in capsys.readouterr().out  # no draft yet
    written = asyncio.run(_store_draft(empty_database_url))
    assert transit("drafts") == 0
    listed = " ".join(capsys.readouterr().out.split())
    assert "morning peak" in listed and "draft" in listed and "5 (+1)" in listed  # trips, against live
    assert transit("drafts", "show", "1") == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert "draft 1 (draft): morning peak, from version 1, services WK" in shown
    assert "first-in-first-out" in shown and "1 added, 0 removed, 0 moved" in shown
    out = tmp_path / "out" / "draft.zip"
    assert transit("drafts", "export", "1", "--out", str(out)) == 0
    assert out.read_bytes() == written


def test_an_unknown_draft_exits_2_naming_it(transit: Transit, capsys: pytest.CaptureFixture[str]) -> None:
    assert transit("drafts", "show", "9") == EXIT_INVALID_INPUT
    assert "timetable draft 9 not found" in capsys.readouterr().err
