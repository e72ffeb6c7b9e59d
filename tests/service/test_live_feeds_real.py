"""Both GTFS-Realtime feeds served live on a real recorded day pass
gtfs-rt-validator (issue 10): WMATA's reports pushed into the running service
with its clock on 2026-02-16, the feeds read from it and validated against
WMATA's GTFS, by scripts/validate_live_feeds.py's own functions (the script
runs both real cases for longer)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.script_modules import load_script
from transit.records import VehicleReport

WMATA = Path("/work/shared/data/wmata-2026-02-16")


script = load_script("validate_live_feeds")


def test_a_pushed_report_carries_the_feeds_trip_descriptor() -> None:
    report = VehicleReport("7001", 1_771_257_600.0, 38.9, -77.0, 5.0, 90.0, "replay", 1_771_257_605.0,
                           trip_id="T1", route_id="C53", direction_id=1)
    item = script.push_item(report)
    assert item["trip_id"] == "T1" and item["route_id"] == "C53" and item["direction_id"] == 1
    assert "start_date" not in item  # absent fields are left out, not sent as null


@pytest.mark.slow
async def test_wmata_served_live_passes_the_validator(tmp_path: Path) -> None:
    pytest.importorskip("gtfs_rt_validator.api", reason="gtfs-rt-validator not installed")
    if not (WMATA / "gtfs.zip").exists():
        pytest.skip(f"real WMATA data not found at {WMATA} (shared data folder absent)")
    case = script.wmata_case(WMATA)
    assert case is not None
    said: list[str] = []
    snapshots = await script.run_case(case, script.an_hour_in(case), minutes=0.5, every_s=12, backlog_min=15,
                               database_url=os.environ.get("DATABASE_URL"), scratch=tmp_path, say=said.append)
    assert snapshots, said
    assert all(s.trip_updates > 10 and s.vehicles > 10 for s in snapshots), said
    assert not any(s.errors for s in snapshots), said
