"""One small simulated day on disk in every input format, shared by the module's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.replay.helpers import SmallDay, small_day


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> SmallDay:
    return small_day(tmp_path_factory.mktemp("small-day"))
