"""`transit import-gtfs / versions / export-gtfs` end to end on a real database."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.gtfs.tinyfeed import TINY_FEED, replace_line, with_changes, zip_feed
from transit.cli import EXIT_INVALID_INPUT, main


@pytest.fixture
def transit(empty_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", empty_database_url)

    def run(*args: str) -> int:
        return main(["--data-dir", str(tmp_path / "data"), *args])

    return run


def test_import_then_a_broken_feed_leaves_the_first_live(transit, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "good.zip"
    good.write_bytes(zip_feed(TINY_FEED))
    assert transit("import-gtfs", str(good)) == 0
    assert "version 1 live" in capsys.readouterr().err

    broken = tmp_path / "broken.zip"
    stops = replace_line("stops", "S2,红旗街十字,35.0720,109.0760", "S2,红旗街十字,,109.0760")
    broken.write_bytes(with_changes(stops=stops))
    assert transit("import-gtfs", str(broken)) == EXIT_INVALID_INPUT
    assert "stops.txt:3 stop_lat=''" in capsys.readouterr().err

    assert transit("versions") == 0
    listing = capsys.readouterr().out
    assert "good.zip" in listing and "broken.zip" not in listing

    out = tmp_path / "export.zip"
    assert transit("export-gtfs", str(out)) == 0
    with zipfile.ZipFile(out) as archive:
        stops_txt = archive.read("stops.txt").decode()
    assert "红旗街十字" in stops_txt and "S3" in stops_txt


def test_import_without_live_keeps_the_live_version(transit, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    feed = tmp_path / "feed.zip"
    feed.write_bytes(zip_feed(TINY_FEED))
    assert transit("import-gtfs", str(feed)) == 0
    assert transit("import-gtfs", "--no-live", str(feed)) == 0
    assert "version 2 stored (not live)" in capsys.readouterr().err


def test_export_of_an_unknown_version_says_so(transit, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert transit("export-gtfs", "--version", "42", str(tmp_path / "x.zip")) == 1
    assert "schedule version 42 not found" in capsys.readouterr().err


def test_validate_needs_no_database(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "missing.zip"
    missing.write_bytes(with_changes(trips=None))
    assert main(["validate", str(missing)]) == EXIT_INVALID_INPUT
    assert "trips.txt: required file is missing" in capsys.readouterr().err
