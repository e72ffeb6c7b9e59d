"""The demo feed passes MobilityData's GTFS validator rules without an ERROR notice."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from feeds.democity import write_demo_feed


def _validator() -> str | None:
    beside_python = Path(sys.executable).with_name("gtfs-validator")
    return shutil.which("gtfs-validator") or (str(beside_python) if beside_python.exists() else None)


@pytest.mark.slow
def test_demo_feed_has_no_validator_errors(tmp_path):
    validator = _validator()
    if validator is None:
        pytest.skip("gtfs-validator not installed (pip install gtfs-validator, the 'test' extra)")
    feed = write_demo_feed(tmp_path / "democity.zip")
    run = subprocess.run([validator, "-i", str(feed), "--stdout"], cwd=tmp_path, capture_output=True, text=True, timeout=300, check=True)
    notices = json.loads(run.stdout)["notices"]
    errors = {n["code"]: n.get("totalNotices") for n in notices if n["severity"] == "ERROR"}
    codes = {n["code"]: (n["severity"], n.get("totalNotices")) for n in notices}
    assert not errors, f"validator errors: {errors}; all notices: {codes}"
