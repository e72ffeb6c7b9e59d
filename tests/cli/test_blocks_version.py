"""`transit blocks --version N` end to end on a real database: a stored version's
typical day blocked, summed up beside the live version's blocks, and written
back as GTFS with TODS deadheads; bad input exits 2 with the reason."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.schedules.smallcity import DEPOTS_CSV, read_zip_table, small_city_zip
from transit.cli import EXIT_INVALID_INPUT, main

Transit = Callable[..., int]


@pytest.fixture
def transit(empty_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Transit:
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    monkeypatch.setenv("COLUMNS", "240")  # the summary table on one line a row

    def run(*args: str) -> int:
        return main(["--data-dir", str(tmp_path / "data"), *args])

    return run


@pytest.fixture
def stored(transit: Transit, tmp_path: Path) -> Path:
    """The small city imported as version 1 (live); its depots file."""
    feed = tmp_path / "smallcity.zip"
    feed.write_bytes(small_city_zip())
    assert transit("import-gtfs", str(feed)) == 0
    depots = tmp_path / "depots.csv"
    depots.write_text(DEPOTS_CSV, encoding="utf-8")
    return depots


def test_a_stored_version_is_blocked_and_written_back(
        transit: Transit, stored: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "blocked.zip"
    assert transit("blocks", "--version", "1", "--depots", str(stored), "--out", str(out), "--tods") == 0
    captured = capsys.readouterr()
    assert "depots merged" not in captured.err and "trips, 1 depot(s)" in captured.err
    summary = " ".join(captured.out.split())
    assert "live version 1: its block_ids" in summary
    assert "fleet (blocks) │ 1 │ 2" in summary  # one bus runs both lines; the lines' blocks use two
    assert "vehicles out at the peak │ 1: D 1 │ 2: D 2" in summary
    assert "optimal" in summary and "0.00 yuan (0.00%)" in summary
    trips = read_zip_table(out.read_bytes(), "trips")
    assert Counter(row["trip_id"] for row in trips) == Counter("abcd")
    assert {row["block_id"] for row in trips} == {"D-weekday-001"}
    assert {row["from_trip_id"] for row in read_zip_table(out.read_bytes(), "deadheads")} == {"", "a", "c", "d"}


def test_with_no_interlining_every_block_keeps_to_its_line(
        transit: Transit, stored: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "blocked.zip"
    assert transit("blocks", "--version", "1", "--depots", str(stored), "--interlining", "none",
                   "--out", str(out)) == 0
    assert "fleet (blocks) │ 2 │ 2" in " ".join(capsys.readouterr().out.split())  # one bus per line now
    trips = read_zip_table(out.read_bytes(), "trips")
    lines_of_block: dict[str, set[str]] = {}
    for row in trips:
        lines_of_block.setdefault(row["block_id"], set()).add(row["route_id"])
    assert len(lines_of_block) == 2 and all(len(lines) == 1 for lines in lines_of_block.values())


def test_a_version_not_live_is_compared_with_the_live_one(
        transit: Transit, stored: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert transit("import-gtfs", "--no-live", str(tmp_path / "smallcity.zip")) == 0
    assert transit("blocks", "--version", "2", "--depots", str(stored)) == 0
    assert "live version 1: its block_ids" in " ".join(capsys.readouterr().out.split())


def test_an_unknown_version_is_named(transit: Transit, stored: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert transit("blocks", "--version", "42", "--depots", str(stored)) == EXIT_INVALID_INPUT
    assert "schedule version 42 not found: see `transit versions`" in capsys.readouterr().err


@pytest.mark.parametrize(("args", "reason"), [
    (["--day-type", "saturday"], "version 1: the schedule runs no service on any saturday"),
    (["--max-wait", "2"], "--max-wait 2: max_wait_s = 120: no trip could follow another"),
    ([], "no --depots given, and the demo city's depots"),
])
def test_bad_input_exits_2_with_the_reason(transit: Transit, stored: Path, args: list[str], reason: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    depots = [] if not args else ["--depots", str(stored)]
    assert transit("blocks", "--version", "1", *depots, *args) == EXIT_INVALID_INPUT
    assert reason in " ".join(capsys.readouterr().err.split())


def test_a_depot_without_capacity_exits_2_naming_the_line(
        transit: Transit, stored: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stored.write_text(DEPOTS_CSV + "E,35.01,109.0,0\n", encoding="utf-8")
    assert transit("blocks", "--version", "1", "--depots", str(stored)) == EXIT_INVALID_INPUT
    assert f"{stored}: line 3: capacity=0 for depot E: a depot must hold at least one vehicle" in " ".join(
        capsys.readouterr().err.split())
