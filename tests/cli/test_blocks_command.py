"""`transit blocks --mdvsp`: a benchmark instance in, progress and a summary out; no database."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from transit.cli import EXIT_INVALID_INPUT, main

INSTANCE = """2 3 2 2
-1 -1 5100 5200 5300
-1 -1 5150 5050 5250
5100 5150 -1 40 -1
5200 5050 -1 -1 30
5300 5250 -1 -1 -1
"""


def test_an_instance_in_a_zip_is_blocked_and_summed_up(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = tmp_path / "tiny.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("tiny.inp", INSTANCE)
    (tmp_path / "bounds.txt").write_text("tiny\t10470\t10470\n")
    assert main(["blocks", "--mdvsp", str(archive), "--time-limit", "10"]) == 0
    captured = capsys.readouterr()
    assert "LP bound" in captured.err
    # One vehicle runs T1 -> T2 -> T3: from D1, 5,100 + 40 + 30 + 5,300 (D2 costs the same).
    assert "10,470" in captured.out and "optimal" in captured.out
    assert "= ours" in captured.out  # the bounds file's optimum, checked against ours


def test_a_malformed_instance_exits_2_naming_the_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.inp"
    bad.write_text(INSTANCE.replace("5200 5050", "5200 five"))
    assert main(["blocks", "--mdvsp", str(bad)]) == EXIT_INVALID_INPUT
    assert "line 5: 'five' is not a whole number" in " ".join(capsys.readouterr().err.split())
