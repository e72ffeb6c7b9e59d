"""Observed stop passages from reports: a hand-made line with a known answer, and WMATA."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds.gtfsrt.decode import ObservedReport
from feeds.replay.readers import read_gtfsrt_csv
from feeds.replay.truth import observed_passages
from transit.model.geometry import cumulative_distances
from transit.model.network import Network, Pattern, Route, Shape, Stop, Trip
from transit.records import VehicleReport
from transit.tracking.scoring import TruePassage

WMATA = Path("/work/shared/data/wmata-2026-02-16")
LAT = 35.0
LONS = (109.0, 109.005, 109.01)
DISTS = cumulative_distances((LAT,) * 3, LONS)
LENGTH = DISTS[-1]  # about 911 m along a parallel
STOP_DISTS = (0.0, 300.0, 600.0, 900.0)
T0 = 1_772_406_000.0


def lon_at(distance: float) -> float:
    return LONS[0] + (LONS[-1] - LONS[0]) * distance / LENGTH


def line() -> Network:
    stops = {f"S{i}": Stop(f"S{i}", f"stop {i}", LAT, lon_at(d)) for i, d in enumerate(STOP_DISTS)}
    pattern = Pattern("P1", "R1", 0, "SH1", tuple(stops), STOP_DISTS, (10, 20, 30, 40))
    trips = {t: Trip(t, "R1", "WK", "P1", 0, "B1", "east", (0, 60, 120, 180), (0, 60, 120, 180))
             for t in ("T1", "T2")}
    return Network("test", "Asia/Shanghai", stops, {"R1": Route("R1", "1", "one", 3)},
                   {"SH1": Shape("SH1", (LAT,) * 3, LONS, DISTS)}, {"P1": pattern}, trips, {})


def stop_of(passage: TruePassage) -> str:
    """The stop a passage is at: its GTFS sequence on the line's one pattern."""
    pattern = line().patterns["P1"]
    return pattern.stop_ids[pattern.stop_sequences.index(passage.stop_sequence)]


def fix(t: float, distance: float, trip: str | None = "T1", vehicle: str = "V1",
        north_m: float = 0.0) -> ObservedReport:
    lat = LAT + north_m / 111_195.0
    report = VehicleReport(vehicle, T0 + t, lat, lon_at(distance), None, None, "test", T0 + t)
    return ObservedReport(report, trip, None, None)


def test_stops_between_forward_fixes_get_interpolated_times() -> None:
    fixes = [
        fix(0, 100), fix(30, 400),
        fix(60, 400), fix(90, 390),   # standing, then GPS jitter backwards: dropped
        fix(75, 450, north_m=500),    # 500 m off the street: not on the trip
        fix(80, 450, trip=None),      # no trip id: ignored
        fix(120, 700),
        fix(120, 700),                # the same fix twice
    ]
    passages = observed_passages(fixes, line())
    # stop_sequence is GTFS's (the pattern's 10, 20, 30, 40), as stop events carry it.
    assert [(p.trip_id, p.stop_sequence, stop_of(p), p.vehicle_id, p.departure) for p in passages] == [
        ("T1", 20, "S1", "V1", None), ("T1", 30, "S2", "V1", None)]
    # S0 (0 m) is before the first fix and S3 (900 m) after the last: not observed.
    assert passages[0].arrival == pytest.approx(T0 + 20.0, abs=0.2)    # 300 m: 2/3 of 0..30 s
    assert passages[1].arrival == pytest.approx(T0 + 100.0, abs=0.2)   # 600 m: 2/3 of 60..120 s


def test_a_long_gap_gives_no_passage() -> None:
    passages = observed_passages([fix(0, 100), fix(1000, 700)], line())  # a 16-minute gap
    assert passages == []


def test_runs_are_kept_apart_by_trip_and_vehicle() -> None:
    fixes = [fix(0, 250, "T1", "V1"), fix(30, 350, "T1", "V1"),
             fix(0, 550, "T2", "V2"), fix(20, 650, "T2", "V2"),
             fix(0, 10, "UNKNOWN", "V3"), fix(30, 900, "UNKNOWN", "V3")]
    passages = observed_passages(fixes, line())
    assert [(p.trip_id, p.vehicle_id, stop_of(p)) for p in passages] == [
        ("T1", "V1", "S1"), ("T2", "V2", "S2")]
    assert passages[0] == TruePassage("T1", 20, pytest.approx(T0 + 15.0, abs=0.2), None, "V1")


def test_a_fix_exactly_at_a_stop_is_its_passage() -> None:
    passages = observed_passages([fix(0, 300), fix(30, 450)], line())
    assert [(stop_of(p), round(p.arrival - T0, 1)) for p in passages] == [("S1", 0.0)]


@pytest.mark.slow
def test_wmata_day() -> None:
    if not (WMATA / "gtfs.zip").exists():
        pytest.skip(f"real WMATA data not found at {WMATA} (shared data folder absent)")
    from transit.gtfs.feed import load_feed_file

    network = load_feed_file(WMATA / "gtfs.zip").network
    observed = read_gtfsrt_csv(WMATA / "vehicle_positions.csv.gz").items
    passages = observed_passages(observed, network)
    trips = {p.trip_id for p in passages}
    # Figures when written: 5,467 passages over 126 of the 132 trips.
    assert len(passages) > 5_000
    assert len(trips) >= 120
    by_run: dict[tuple[str, str | None], list[TruePassage]] = {}
    for p in passages:
        by_run.setdefault((p.trip_id, p.vehicle_id), []).append(p)
    for run in by_run.values():
        assert [p.stop_sequence for p in run] == sorted({p.stop_sequence for p in run})
        assert all(a.arrival <= b.arrival for a, b in zip(run, run[1:]))
