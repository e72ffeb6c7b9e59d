"""Debian's Chromium for the browser tests, driven by Playwright: never a
downloaded browser; the tests skip when it is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# No internet here: without the background-networking flags Chromium stalls on start.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
NEEDS_CHROMIUM = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
    "(apt-get install chromium; .ci/run installs it)")
