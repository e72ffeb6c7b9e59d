"""`transit replay --taps`: the flow of replayed days, one row per tap, scored
against the simulator's truth_journeys.csv, end to end through ``transit.cli.main``."""

from __future__ import annotations

import csv
import logging
import re
from collections import Counter
from pathlib import Path

import pytest

from tests.replay.helpers import SmallDay
from transit.cli import main
from transit.privacy import pseudonymise

SIMULATOR_TAPS = "txn_id=tap_id,card_id=account,time=timestamp"
HEADER = ["txn_id", "card_hash", "vehicle_id", "service_date", "trip_id", "board_stop_id",
          "board_time", "alight_stop_id", "alight_time", "confidence"]
KEY = "a-replay-test-key"


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRANSIT_PSEUDONYM_KEY", KEY)


def _replay(small: SmallDay, *args: str) -> int:
    return main(["replay", "--gtfs", str(small.gtfs), "--reports", str(small.folder), *args])


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def _err(capsys: pytest.CaptureFixture[str]) -> str:
    """Standard error on one line: the console wraps long refusals."""
    return " ".join(capsys.readouterr().err.split())


def _share(pattern: str, text: str) -> float:
    found = re.search(pattern, text)
    assert found is not None, f"{pattern!r} not in the output"
    return float(found.group(1))


def test_replayed_day_writes_one_row_per_tap_and_scores_it(
        small: SmallDay, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    flow_out = tmp_path / "flow.csv"
    status = _replay(small, "--taps", str(small.folder), "--tap-columns", SIMULATOR_TAPS,
                     "--flow-out", str(flow_out),
                     "--flow-truth", str(small.folder / "truth_journeys.csv"))
    captured = capsys.readouterr()
    assert status == 0
    header, rows = _rows(flow_out)
    assert header == HEADER
    assert sorted(r["txn_id"] for r in rows) == sorted(t.tap_id for t in small.day.taps)
    assert f"{len(rows):,} taps written to {flow_out}" in captured.out
    # Boardings: the stop is right for nearly every tap of an on-time simulated day.
    assert _share(r"boarding stop right for ([\d.]+)% of 7,977 taps", captured.out) > 97.0
    assert "segment load at each line's peak-load point, peak hour" in captured.out
    # Every row placed; times in Unix seconds on the simulated day.
    assert all(r["trip_id"] and r["board_stop_id"] and float(r["board_time"]) > 1.7e9 for r in rows)
    assert {r["service_date"] for r in rows} == {small.day.service_date.isoformat()}
    # Card ids only as the keyed hash, never in clear.
    accounts = {t.tap_id: t.account for t in small.day.taps}
    assert all(r["card_hash"] == pseudonymise(accounts[r["txn_id"]], KEY.encode()) for r in rows)
    text = flow_out.read_text(encoding="utf-8") + captured.out + captured.err + caplog.text
    assert not any(account in text for account in accounts.values())


def test_unchained_taps_have_no_alighting_stop(
        small: SmallDay, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flow_out = tmp_path / "flow.csv"
    assert _replay(small, "--taps", str(small.folder / "taps.csv"), "--tap-columns",
                   SIMULATOR_TAPS, "--flow-out", str(flow_out)) == 0
    out = capsys.readouterr().out
    _, rows = _rows(flow_out)
    cards = Counter(r["card_hash"] for r in rows)
    single = [r for r in rows if cards[r["card_hash"]] == 1]
    assert len(single) > 1000
    assert all(r["alight_stop_id"] == "" and r["alight_time"] == "" for r in single)
    chained = [r for r in rows if r["alight_stop_id"]]
    assert f"alighting stop inferred for {len(chained):,} (" in out
    assert 0 < len(chained) < len(rows) - len(single)
    for r in chained:  # a later stop of the boarding trip, reached after the boarding
        stops = small.network.patterns[small.network.trips[r["trip_id"]].pattern_id].stop_ids
        assert stops.index(r["alight_stop_id"]) > stops.index(r["board_stop_id"])
        assert float(r["alight_time"]) > float(r["board_time"]) - 600


def test_malformed_tap_rows_are_reported_by_line_and_the_rest_replayed(
        small: SmallDay, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = (small.folder / "taps.csv").read_text(encoding="utf-8").splitlines()
    taps = tmp_path / "taps.csv"
    bad_txn = lines[2].split(",")[0]
    lines[2] = lines[2].replace(lines[2].split(",")[2], "soon", 1)  # line 3: its time
    lines.insert(5, "X-1,TC0001,1741730500.0")  # line 6: fields missing
    ghost = lines[10].split(",")
    ghost[1] = "GHOST"  # a vehicle that never ran: placed nowhere, still a row
    lines[10] = ",".join(ghost)
    taps.write_text("\n".join(lines) + "\n", encoding="utf-8")
    flow_out = tmp_path / "flow.csv"
    status = _replay(small, "--taps", str(taps), "--tap-columns", SIMULATOR_TAPS,
                     "--flow-out", str(flow_out),
                     "--flow-truth", str(small.folder / "truth_journeys.csv"))
    captured = capsys.readouterr()
    assert status == 0
    assert "7,978 tap rows, 7,976 taps, 2 rows left out" in captured.err
    assert "line 3: timestamp is not a time" in captured.err
    assert "line 6: 3 fields where the header names 8" in captured.err
    _, rows = _rows(flow_out)
    assert len(rows) == 7976 and bad_txn not in {r["txn_id"] for r in rows}
    unplaced = next(r for r in rows if r["txn_id"] == ghost[0])
    assert unplaced["vehicle_id"] == "GHOST" and unplaced["confidence"] == "0"
    assert unplaced["trip_id"] == unplaced["board_stop_id"] == unplaced["alight_stop_id"] == ""
    assert unplaced["service_date"] == small.day.service_date.isoformat()
    assert "not placed: unknown_vehicle 1" in captured.out
    assert "of 7,976 taps" in captured.out


def test_a_tap_file_per_replayed_day(small: SmallDay, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["replay", "--gtfs", str(small.gtfs), "--reports", str(small.folder),
                   "--reports", str(small.folder), "--taps", str(small.folder),
                   "--tap-columns", SIMULATOR_TAPS])
    assert status == 2
    assert "--taps: 1 tap file(s) for 2 replayed day(s)" in _err(capsys)


@pytest.mark.parametrize(("args", "message"), [
    (("--taps", "X", "--tap-columns", "card=account"), "--tap-columns: unknown field 'card'"),
    (("--taps", "X", "--tap-columns", "txn_id"), "--tap-columns: expected FIELD=COLUMN"),
    (("--flow-out", "flow.csv"), "need --taps"),
    (("--taps", "/no/such/taps.csv"), "--taps: /no/such/taps.csv: cannot be read"),
])
def test_bad_tap_options_are_refused(small: SmallDay, capsys: pytest.CaptureFixture[str],
                                     args: tuple[str, ...], message: str) -> None:
    assert _replay(small, *args) == 2
    assert message in _err(capsys)


def test_tap_columns_not_mapped_are_named(small: SmallDay, capsys: pytest.CaptureFixture[str]) -> None:
    assert _replay(small, "--taps", str(small.folder)) == 2
    err = _err(capsys)
    assert "missing column(s) ['txn_id', 'card_id', 'time'] (name the file's columns with " \
        "--tap-columns)" in err


def test_a_truth_lacking_taps_is_refused(small: SmallDay, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    lines = (small.folder / "truth_journeys.csv").read_text(encoding="utf-8").splitlines()
    truth = tmp_path / "truth.csv"
    truth.write_text("\n".join(lines[:-3]) + "\n", encoding="utf-8")
    assert _replay(small, "--taps", str(small.folder), "--tap-columns", SIMULATOR_TAPS,
                   "--flow-truth", str(truth)) == 2
    assert "--flow-truth: 3 taps have no journey in it" in _err(capsys)


def test_a_truth_of_another_network_is_refused_by_line(small: SmallDay, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    text = (small.folder / "truth_journeys.csv").read_text(encoding="utf-8")
    truth = tmp_path / "truth.csv"
    lines = text.splitlines()
    lines[1] = lines[1].replace(lines[1].split(",")[4], "NO-SUCH-TRIP")
    truth.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert _replay(small, "--taps", str(small.folder), "--tap-columns", SIMULATOR_TAPS,
                   "--flow-truth", str(truth)) == 2
    assert "line 2: trip_id 'NO-SUCH-TRIP' is not a trip of the network replayed" in _err(capsys)
