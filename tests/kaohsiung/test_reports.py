"""Runs -> reports: units, instants, service days, one report per fix."""

from __future__ import annotations

import json
from pathlib import Path
from datetime import date, datetime, timedelta, timezone

import pytest

from feeds.kaohsiung.case import RECEIVE_DELAY_S, reports_by_day, service_date_of
from feeds.kaohsiung.source import KaohsiungDataError, KaohsiungWeek, parse_runs

TAIPEI = timezone(timedelta(hours=8))


def _document(times: list[str], speeds: list[float], direction: int = 0) -> list[dict]:
    return [{
        "PlateNumb": "123-AB", "SubRouteUID": "KHH11", "Direction": direction, "RunUUID": "r1",
        "quality": "+", "GPSTime": times,
        "BusPosition": [[22.6 + 0.001 * i, 120.3] for i in range(len(times))],
        "Speed": speeds, "Azimuth": [90.0] * len(times),
    }]


def test_speed_in_km_h_becomes_m_s_and_times_keep_their_offset() -> None:
    times = ["2018-11-11T06:15:00+08:00", "2018-11-11T06:15:36+08:00"]
    runs = parse_runs(_document(times, [0.0, 36.0]), "11", 0, "KHH11-0.json")
    reports = reports_by_day(runs, {"r1": date(2018, 11, 11)})[date(2018, 11, 11)]
    assert [r.speed_mps for r in reports] == [0.0, pytest.approx(10.0)]
    assert reports[1].timestamp == datetime(2018, 11, 10, 22, 15, 36, tzinfo=timezone.utc).timestamp()
    assert reports[1].received_at == reports[1].timestamp + RECEIVE_DELAY_S
    assert (reports[1].vehicle_id, reports[1].bearing, reports[1].lat) == ("123-AB", 90.0, pytest.approx(22.601))


def test_fixes_come_out_in_time_order_and_a_repeated_fix_once() -> None:
    runs = parse_runs(_document(["2018-11-11T06:16:00+08:00", "2018-11-11T06:15:00+08:00",
                                 "2018-11-11T06:16:00+08:00"], [1.0, 2.0, 3.0]), "11", 0, "KHH11-0.json")
    assert runs[0].times == tuple(sorted(runs[0].times)) and len(runs[0].times) == 2
    assert runs[0].speeds_kmh == (2.0, 1.0)


def test_a_run_after_midnight_belongs_to_the_day_before() -> None:
    late = datetime(2018, 11, 11, 0, 40, tzinfo=TAIPEI).timestamp()
    early = datetime(2018, 11, 11, 5, 20, tzinfo=TAIPEI).timestamp()
    assert service_date_of(late) == date(2018, 11, 10)
    assert service_date_of(early) == date(2018, 11, 11)


def test_a_fix_without_offset_or_a_direction_in_the_wrong_file_is_named() -> None:
    with pytest.raises(KaohsiungDataError, match=r"KHH11-0.json: run 0: GPSTime without an offset"):
        parse_runs(_document(["2018-11-11T06:15:00"], [0.0]), "11", 0, "KHH11-0.json")
    with pytest.raises(KaohsiungDataError, match="Direction 1 in the file of direction 0"):
        parse_runs(_document(["2018-11-11T06:15:00+08:00"], [0.0], direction=1), "11", 0, "KHH11-0.json")


def test_real_reports_are_in_the_city_with_sane_speeds(slice_week: KaohsiungWeek) -> None:
    days = {r.run_id: service_date_of(r.times[0]) for r in slice_week.runs}
    reports = [r for day in reports_by_day(slice_week.runs, days).values() for r in day]
    assert sum(len(r.times) for r in slice_week.runs) >= len(reports) > 1000
    assert all(22.4 < r.lat < 22.9 and 120.1 < r.lon < 120.5 for r in reports)
    assert max(r.speed_mps for r in reports) < 30.0  # km/h read as m/s would reach 60+
    assert len({(r.vehicle_id, r.timestamp) for r in reports}) == len(reports)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    from feeds.kaohsiung.source import read_week

    (tmp_path / "routes").mkdir()
    with pytest.raises(KaohsiungDataError, match="route_11.json: cannot be read"):
        read_week(tmp_path)
    (tmp_path / "routes" / "route_11.json").write_text(json.dumps({"en": [], "zh": [1]}))
    with pytest.raises(KaohsiungDataError, match="'en' and 'zh' lists of the same length"):
        read_week(tmp_path)
