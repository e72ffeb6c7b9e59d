"""The soak's memory verdict (scripts/soak.py): RSS is judged after the warm-up
in which a fresh service fills its bounded structures, never inside it."""

from __future__ import annotations

import argparse
from types import ModuleType
from typing import Any

import pytest

from tests.script_modules import load_script


@pytest.fixture(scope="module")
def soak() -> ModuleType:
    return load_script("soak")


def samples(minutes: int, rss_at: Any) -> list[dict[str, float]]:
    return [{"minute": m, "rss_mib": rss_at(m)} for m in range(1, minutes + 1)]


def options(minutes: int) -> argparse.Namespace:
    return argparse.Namespace(minutes=minutes, memory_warmup_min=40.0, rss_slope_max=1.0)


def test_growth_that_stops_with_the_warm_up_is_flat(soak: ModuleType) -> None:
    lines, failures = soak.judge_rss(samples(60, lambda m: 450 + 1.2 * min(m, 38)), options(60))
    assert failures == [] and "minutes 41-60" in lines[0] and lines[0].endswith("flat")


def test_growth_after_the_warm_up_fails(soak: ModuleType) -> None:
    lines, failures = soak.judge_rss(samples(60, lambda m: 450 + 1.2 * m), options(60))
    assert failures == ["RSS slope +1.20 MiB/min"] and lines[0].endswith("GROWING")


def test_a_run_shorter_than_the_warm_up_shows_its_slope_unjudged(soak: ModuleType) -> None:
    lines, failures = soak.judge_rss(samples(30, lambda m: 450 + 1.2 * m), options(30))
    assert failures == []
    assert "minutes 11-30" in lines[0] and "+1.20 MiB/min" in lines[0] and "NOT JUDGED" in lines[0]
    assert "--minutes 60" in lines[0]
