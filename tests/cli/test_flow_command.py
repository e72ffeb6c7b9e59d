"""`transit flow build` and `export` on a real database: a simulated day's
stored taps and stop events become stored flow, the same as inferring it in
memory; a rebuild replaces the day; a day with nothing stored is refused."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from tests.cli.observed import events_and_taps, store_observed
from tests.replay.helpers import _network_and_zip
from tests.simulator.helpers import WEEKDAY
from transit.cli import EXIT_INVALID_INPUT, main
from transit.flow.day import infer_flow
from transit.store.embedded import create_pool
from transit.store.flow import list_flow_days, list_segment_loads, list_stop_bins


@pytest.fixture
def transit(empty_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    _, data = _network_and_zip()
    feed = tmp_path / "small.zip"
    feed.write_bytes(data)

    def run(*args: str) -> int:
        return main(["--data-dir", str(tmp_path / "data"), *args])

    assert run("import-gtfs", str(feed)) == 0
    return run


async def _read(dsn: str, day: date) -> tuple[list, list, list]:
    pool = await create_pool(dsn)
    try:
        return (await list_flow_days(pool), await list_stop_bins(pool, day),
                await list_segment_loads(pool, day, "L1", 0))
    finally:
        await pool.close()


def test_build_stores_the_inferred_flow_and_a_rebuild_replaces_it(
        transit, empty_database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    assert transit("flow", "build", "--day", str(WEEKDAY)) == EXIT_INVALID_INPUT  # nothing stored yet
    assert "no stop events" in capsys.readouterr().err
    events, taps = events_and_taps()
    asyncio.run(store_observed(empty_database_url, events, taps))

    assert transit("flow", "build", "--day", str(WEEKDAY)) == 0
    assert transit("flow", "build", "--day", str(WEEKDAY)) == 0  # rebuilt: replaced, not doubled
    out = capsys.readouterr().out
    assert "alighting stop inferred" in out and "peak-load points" in out and "legs each" in out

    days, stops, loads = asyncio.run(_read(empty_database_url, WEEKDAY))
    network, _ = _network_and_zip()
    expected = infer_flow(network, events, taps)
    assert [d.service_date for d in days] == [WEEKDAY]
    assert days[0].counts["taps"] == len(taps) and days[0].counts["chained"] == expected.counts.chained
    assert sum(s.boardings for s in stops) == pytest.approx(sum(s.boardings for s in expected.stops), rel=1e-4)
    line = sorted((s for s in expected.loads if (s.route_id, s.direction_id) == ("L1", 0)),
                  key=lambda s: (s.trip_id, s.segment))
    assert len(loads) == len(line) > 0
    assert [s.load for s in loads] == [s.load for s in line]

    out_dir = tmp_path / "export"
    assert transit("flow", "export", "--day", str(WEEKDAY), "--out", str(out_dir)) == 0
    table = pd.read_parquet(out_dir / "segment_loads.parquet")
    assert len(table) == len(expected.loads)
    assert pd.read_csv(out_dir / "stop_bins.csv")["boardings"].sum() == pytest.approx(
        sum(s.boardings for s in expected.stops), rel=1e-4)
    for name in ("profile-L1.png", "profile-L1.svg", "heatmap-L1.png", "heatmap-L2.svg"):
        assert (out_dir / name).stat().st_size > 1000
    od = pd.read_parquet(out_dir / "od_stops.parquet")
    assert od["riders"].sum() == pytest.approx(expected.counts.placed, rel=1e-4)
    assert od["chained"].sum() == expected.counts.chained
    assert pd.read_csv(out_dir / "od_zones.csv")["riders"].sum() == pytest.approx(expected.counts.placed, rel=1e-4)
    assert set(pd.read_csv(out_dir / "zones.csv")["stop_id"]) == set(network.stops)
    assert list(pd.read_parquet(out_dir / "transfers.parquet").columns)[:3] == [
        "service_date", "from_route_id", "to_route_id"]  # the two lines never meet: no rows


def test_export_takes_a_planners_zones_and_refuses_a_bad_zone_file(
        transit, empty_database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    asyncio.run(store_observed(empty_database_url, *events_and_taps()))
    assert transit("flow", "build", "--day", str(WEEKDAY)) == 0
    network, _ = _network_and_zip()
    zones = tmp_path / "zones.csv"
    zones.write_text("stop_id,zone\n" + "".join(f"{s},{s[:2]}\n" for s in network.stops), encoding="utf-8")
    out_dir = tmp_path / "export"
    assert transit("flow", "export", "--day", str(WEEKDAY), "--out", str(out_dir), "--no-plots",
                   "--zones", str(zones)) == 0
    by_line = pd.read_csv(out_dir / "od_zones.csv").groupby(["origin_zone", "destination_zone"])["riders"].sum()
    assert set(by_line.index) == {("L1", "L1"), ("L2", "L2")}
    assert by_line.sum() == pytest.approx(pd.read_csv(out_dir / "od_stops.csv")["riders"].sum(), rel=1e-6)

    zones.write_text("stop_id,zone\nL1-0-S01,a\nL1-0-S01,b\n", encoding="utf-8")
    assert transit("flow", "export", "--day", str(WEEKDAY), "--out", str(out_dir), "--zones", str(zones)) == 2
    assert "line 3: stop L1-0-S01 is already in zone 'a', not 'b'" in capsys.readouterr().err
    zones.write_text("stop_id,zone\nL1-0-S01,a\n", encoding="utf-8")
    assert transit("flow", "export", "--day", str(WEEKDAY), "--out", str(out_dir), "--zones", str(zones)) == 2
    assert "stops of the matrix have no zone: L1-0-S02" in capsys.readouterr().err


def test_export_of_a_day_never_built_says_how_to_build_it(
        transit, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    assert transit("flow", "export", "--day", "2025-03-13", "--out", str(tmp_path / "x")) == EXIT_INVALID_INPUT
    assert "transit flow build --day 2025-03-13" in capsys.readouterr().err
