"""`transit replay` end to end through ``transit.cli.main`` on small files."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.replay.helpers import SmallDay
from transit.cli import main


def _replay(small: SmallDay, *args: str) -> int:
    return main(["replay", "--gtfs", str(small.gtfs), *args])


def test_simulated_day_scores_against_its_truth(small: SmallDay, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    events = tmp_path / "events.csv"
    status = _replay(small, "--reports", str(small.folder), "--assignments", str(small.folder / "assignments.csv"),
                     "--truth", str(small.folder / "truth_passages.csv"), "--truth-sequence", "index",
                     "--stop-events-out", str(events))
    out = capsys.readouterr().out
    assert status == 0
    assert "accepted" in out and "duplicate" in out
    score_line = next(line for line in out.splitlines() if line.startswith("detected "))
    assert "true passages; arrival error median" in score_line and "trip-hours with the right trip" in score_line
    assert float(score_line.split()[1].rstrip("%")) > 80.0
    with events.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["vehicle_id", "service_date", "trip_id", "stop_sequence", "stop_id",
                             "arrival", "departure"]
    assert len(rows) > 4000
    assert rows[0]["service_date"] == small.day.service_date.isoformat()
    assert float(rows[0]["arrival"] or rows[0]["departure"]) > 1.7e9
    assert f"{len(rows):,} stop events written" in out


def test_truth_as_gtfs_sequence_is_the_default(small: SmallDay, capsys: pytest.CaptureFixture[str]) -> None:
    # The simulator's index read as GTFS sequence: on this network they coincide (1, 2, 3...).
    assert _replay(small, "--reports", str(small.folder), "--truth", str(small.folder / "truth_passages.csv")) == 0
    assert "detected " in capsys.readouterr().out


def test_capture_with_bindings_and_renamed_truth_columns(small: SmallDay, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    truth = tmp_path / "truth.csv"
    with (small.folder / "truth_passages.csv").open(newline="", encoding="utf-8") as f, \
            truth.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["trip", "idx", "t"])
        for row in csv.DictReader(f):
            writer.writerow([row["trip_id"], row["stop_sequence"], row["arrival"]])
    status = _replay(small, "--reports", str(small.capture), "--bindings", str(small.bindings),
                     "--truth", str(truth), "--truth-columns", "trip_id=trip,stop_sequence=idx,arrival=t",
                     "--truth-sequence", "index")
    out = capsys.readouterr().out
    assert status == 0
    assert "detected " in out


def test_renamed_report_columns(small: SmallDay, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    renamed = tmp_path / "renamed.csv"
    text = (small.folder / "reports.csv").read_text(encoding="utf-8")
    renamed.write_text(text.replace("vehicle_id,timestamp", "veh,ts", 1), encoding="utf-8")
    assert _replay(small, "--reports", str(renamed), "--columns", "vehicle_id=veh,timestamp=ts") == 0
    assert "24,440 reports" in capsys.readouterr().out


def test_gtfsrt_input_prints_trip_agreement(small: SmallDay, capsys: pytest.CaptureFixture[str]) -> None:
    assert _replay(small, "--reports", str(small.gtfsrt_csv)) == 0
    out = capsys.readouterr().out
    assert "trip agreement with the feed:" in out
    # The feed's true trips are on the reports: the tracker follows them.
    assert "trip descriptors (reports): followed " in out
    assert _replay(small, "--reports", str(small.gtfsrt_csv), "--ignore-trip-descriptors") == 0
    assert "trip descriptors" not in capsys.readouterr().out


def test_several_days_are_replayed_in_order(small: SmallDay, capsys: pytest.CaptureFixture[str]) -> None:
    assert _replay(small, "--reports", str(small.folder), "--reports", str(small.capture),
                   "--bindings", str(small.bindings)) == 0
    out = capsys.readouterr().out
    assert out.index("day: ") < out.index("day.808: ")


def test_demo_city_needs_no_gtfs_file(small: SmallDay, capsys: pytest.CaptureFixture[str]) -> None:
    # The small day runs on other lines than the demo city's: replayed, no event.
    assert main(["replay", "--demo-city", "7", "--reports", str(small.folder)]) == 0
    assert "replayed 24,440 reports" in capsys.readouterr().out


@pytest.mark.parametrize("content", [None, b"\x00\x01garbage\xff\xfe" * 50, b"a,b\n1,2\n"])
def test_unreadable_input_exits_2(small: SmallDay, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  content: bytes | None) -> None:
    path = tmp_path / "reports.csv"
    if content is not None:
        path.write_bytes(content)
    assert _replay(small, "--reports", str(path)) == 2
    err = capsys.readouterr().err
    assert str(path.name) in err


def test_garbled_capture_exits_2(small: SmallDay, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "capture.bin"
    path.write_bytes(b"\x7e" + b"\x01\x02\x03" * 100 + b"\x7e")
    assert _replay(small, "--reports", str(path)) == 2
    assert "capture.bin" in capsys.readouterr().err


def test_bad_column_rename_exits_2(small: SmallDay, capsys: pytest.CaptureFixture[str]) -> None:
    assert _replay(small, "--reports", str(small.folder), "--columns", "colour=veh") == 2
    assert "unknown field 'colour'" in capsys.readouterr().err


@pytest.mark.slow
def test_vehicle_positions_snapshots_pass_the_validator(small: SmallDay, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    api = pytest.importorskip("gtfs_rt_validator.api",
                              reason="gtfs-rt-validator not installed (pip install gtfs-rt-validator)")
    out_dir = tmp_path / "vp"
    assert _replay(small, "--reports", str(small.folder), "--vehicle-positions-out", str(out_dir)) == 0
    files = sorted(out_dir.glob("vp-*.pb"))
    span = small.day.reports[-1].received_at - small.day.reports[0].received_at
    assert abs(len(files) - span / 30) <= 2  # one per 30 simulated seconds
    # Morning start, peak and evening: a few snapshots with vehicles on trips.
    for path in (files[len(files) // 20], files[len(files) // 3], files[2 * len(files) // 3]):
        at = int(path.stem.removeprefix("vp-"))
        result = api.validate(api.Request(
            mode=api.Mode.MODERN, gtfs=small.gtfs, inputs=api.resolve_roles({"vp": str(path)}),
            at=datetime.fromtimestamp(at + 2, ZoneInfo(small.network.timezone)),
        ))
        report = tmp_path / f"report-{at}"
        result.write(report)
        assert not result.has_errors(), f"validator errors {result.error_ids()} in {path}; see {report}"
