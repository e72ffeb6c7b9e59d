"""SIGTERM while the service is still starting stops it cleanly, database included.

Loading the demo city takes seconds; a signal then used to kill the process
with no cleanup, leaving the embedded PostgreSQL running (issue 8, item 7).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from transit.store.embedded import find_postmaster


def test_sigterm_during_start_up_closes_what_was_opened(tmp_path: Path) -> None:
    env = {**os.environ, "TRANSIT_DATA_DIR": str(tmp_path), "TRANSIT_HTTP_PORT": "0",
           "TRANSIT_JT808_PORT": "0", "TRANSIT_SIMULATE": "false"}
    env.pop("DATABASE_URL", None)
    service = subprocess.Popen([sys.executable, "-m", "transit.cli", "demo"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    pgdata = tmp_path / "postgres"
    deadline = time.monotonic() + 60
    while find_postmaster(pgdata) is None:  # the database is up: the city is being made
        assert service.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    service.send_signal(signal.SIGTERM)
    output, _ = service.communicate(timeout=60)
    assert service.returncode == 0, output
    assert "serving" not in output  # it was stopped before it served
    assert find_postmaster(pgdata) is None
    assert "Traceback" not in output
