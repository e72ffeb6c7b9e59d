"""The fuzz targets of scripts/fuzz_targets.py, shared by the tests here.

scripts/ is no package: the module is loaded from its file rather than by
putting scripts/ on ``sys.path``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parent / "corpus"


def load_fuzz_targets() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fuzz_targets", ROOT / "scripts" / "fuzz_targets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def fuzz_targets() -> ModuleType:
    return load_fuzz_targets()
