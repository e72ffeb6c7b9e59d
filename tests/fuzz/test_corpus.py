"""Every committed corpus input, crash inputs included, is handled by its target.

The corpus holds the seeds and every input that once crashed a target
(``crash-*``), so this replays each crash found by fuzzing as a regression test.
"""

from __future__ import annotations

from types import ModuleType

import pytest

from tests.fuzz.conftest import CORPUS

TARGETS = ("jt808", "push", "gtfs", "taps_csv")


@pytest.mark.parametrize("target", TARGETS)
def test_every_corpus_input_is_handled(fuzz_targets: ModuleType, target: str) -> None:
    inputs = sorted(p for p in (CORPUS / target).iterdir() if p.is_file())
    assert inputs, f"no seeds in {CORPUS / target}"
    failures = []
    for path in inputs:
        try:
            fuzz_targets.TARGETS[target](path.read_bytes())
        except Exception as exc:  # noqa: BLE001 - listed below, with the input's name
            failures.append(f"{path.name}: {type(exc).__name__}: {exc}")
    assert not failures, "\n".join(failures)


def test_the_corpus_stays_small() -> None:
    total = sum(p.stat().st_size for p in CORPUS.glob("*/*") if p.is_file())
    assert total < 200 * 1024, f"corpus is {total / 1024:.0f} KiB: minimise it (scripts/fuzz.py --minimise)"
