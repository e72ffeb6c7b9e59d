"""The fuzz targets of scripts/fuzz_targets.py, shared by the tests here."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tests.script_modules import load_script

CORPUS = Path(__file__).resolve().parent / "corpus"


def load_fuzz_targets() -> ModuleType:
    return load_script("fuzz_targets")


@pytest.fixture(scope="session")
def fuzz_targets() -> ModuleType:
    return load_fuzz_targets()
