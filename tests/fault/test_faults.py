"""The fault tests' short form (scripts/fault_tests.py, issue 8), for CI.

One run of the script, the four scenarios of the issue at once (``--parallel``)
on the tiny feed with ten terminals at 100 reports/s: the service killed with
SIGKILL and restarted, its PostgreSQL's postmaster killed, connections cut
mid-frame, the data folder's disk filled (a tmpfs: skipped where this process
cannot mount).
Each test reads its scenario's block of the output: acknowledged minus stored
0, and every check of the scenario passed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gtfs.tinyfeed import TINY_FEED, zip_feed

pytest.importorskip("pgserver")

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "fault_tests.py"
# both-kill (service and PostgreSQL killed together) is left to the full run:
# tests/store/test_embedded_crash.py covers its start after stale lock files.
SCENARIOS = ("service-kill", "postgres-kill", "cut-frame", "disk-full")


@pytest.fixture(scope="module")
def fault_run() -> Iterator[tuple[dict[str, str], str]]:
    """Each scenario's block of the script's output, and the whole output.

    The template folder lives outside pytest's temporary folders: another
    pytest run on the machine prunes old ones, with PostgreSQL files in them."""
    work = Path(tempfile.mkdtemp(prefix="fault-ci-"))
    try:
        feed = work / "tiny.zip"
        feed.write_bytes(zip_feed(TINY_FEED))
        done = subprocess.run(
            [sys.executable, str(SCRIPT), *SCENARIOS, "--parallel", "--terminals", "10", "--rate", "100",
             "--seconds", "3", "--cuts", "4", "--feed", str(feed), "--template",
             str(work / "template")],
            capture_output=True, text=True, timeout=600, check=False)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    output = done.stdout + done.stderr
    blocks = {match[1]: match[0] for match in re.finditer(
        r"^== ([\w-]+): .*?(?=^== |^scenario |\Z)", done.stdout, re.MULTILINE | re.DOTALL)}
    yield blocks, output


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_nothing_acknowledged_is_lost(scenario: str,
                                      fault_run: tuple[dict[str, str], str]) -> None:
    blocks, output = fault_run
    assert scenario in blocks, output
    block = blocks[scenario]
    skipped = re.search(r"SKIPPED: (.*)", block)
    if skipped:
        pytest.skip(f"{scenario}: {skipped[1]}")
    assert re.search(r"acknowledged minus stored 0\n", block), block
    assert "[FAILED]" not in block and block.rstrip().endswith("PASS"), block
