"""A small slice of the real Kaohsiung week, shared by the module's tests: the
route files as they are, and the runs of a few buses on days 6 and 7 (skipped
with a message when ../shared/data is absent)."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from feeds.kaohsiung.case import CaseParams, KaohsiungCase, build_case
from feeds.kaohsiung.source import KaohsiungWeek, read_week

# Beside the checkout (../shared/data), else where the workspace keeps it (as the
# WMATA and MDVSP tests look).
KAOHSIUNG = next((p for p in (Path(__file__).resolve().parents[3] / "shared" / "data" / "kaohsiung-2018-11",
                              Path("/work/shared/data/kaohsiung-2018-11")) if p.is_dir()),
                 Path("/work/shared/data/kaohsiung-2018-11"))
SLICE_DATES = (date(2018, 11, 10), date(2018, 11, 11))
SLICE_PARAMS = CaseParams(dates=SLICE_DATES, training=SLICE_DATES[:1])
# Buses of the three routes, among them 485-FP, whose run of day 7 the feed split in two.
VEHICLES = {"477-FP", "485-FP", "037-V3", "472-FP"}
VEHICLES_16 = 3  # and the first few of route 16 seen on those days


def real_folder() -> Path:
    if not (KAOHSIUNG / "positions").is_dir():
        pytest.skip(f"real Kaohsiung data not found at {KAOHSIUNG} (shared data folder absent)")
    return KAOHSIUNG


@pytest.fixture(scope="session")
def slice_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = real_folder()
    folder = tmp_path_factory.mktemp("kaohsiung-slice")
    shutil.copytree(source / "routes", folder / "routes")
    (folder / "positions").mkdir()
    days = tuple(d.isoformat() for d in SLICE_DATES)
    for path in sorted((source / "positions").glob("KHH*-*.json")):
        runs = [r for r in json.loads(path.read_text(encoding="utf-8"))
                if r["GPSTime"][0][:10] in days]
        wanted = VEHICLES | {p for p in sorted({r["PlateNumb"] for r in runs})[:VEHICLES_16]
                             if path.name.startswith("KHH16")}
        kept = [r for r in runs if r["PlateNumb"] in wanted]
        (folder / "positions" / path.name).write_text(json.dumps(kept), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def slice_week(slice_folder: Path) -> KaohsiungWeek:
    return read_week(slice_folder)


@pytest.fixture(scope="session")
def slice_case(slice_week: KaohsiungWeek) -> KaohsiungCase:
    return build_case(slice_week, SLICE_PARAMS)
