"""The short CI run of the atheris fuzzers: every target for a few seconds.

The long runs (10 minutes a target) and their figures are in docs/fuzzing.md.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.script_modules import SCRIPTS

pytest.importorskip("atheris", reason="atheris is not installed (.venv/bin/pip install atheris); "
                                      "the hypothesis tests in tests/fuzz still run")

TARGETS = ("jt808", "push", "gtfs", "taps_csv")
SECONDS = 5


def test_every_atheris_target_runs_without_a_crash(tmp_path: Path) -> None:
    # All at once: each run is mostly start-up and its fixed fuzzing time.
    runs = {
        target: subprocess.Popen(
            [sys.executable, str(SCRIPTS / "fuzz.py"), "--target", target,
             "--seconds", str(SECONDS), "--work-dir", str(tmp_path / target)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=SCRIPTS.parent,
        )
        for target in TARGETS
    }
    outputs = {target: run.communicate(timeout=120)[0] for target, run in runs.items()}
    for target, run in runs.items():
        assert run.returncode == 0, f"{target}:\n{outputs[target]}"
        assert "crashes      0" in outputs[target], outputs[target]
        executions = int(outputs[target].split("executions")[1].split()[0].replace(",", ""))
        assert executions > 0, outputs[target]
