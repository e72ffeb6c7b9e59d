"""Observed passages: closest approach of the track, interpolated between fixes."""

from __future__ import annotations

import pytest

from feeds.kaohsiung.case import KaohsiungCase
from feeds.kaohsiung.layout import Layout
from feeds.kaohsiung.runs import run_passages
from feeds.kaohsiung.source import KaohsiungWeek
from feeds.kaohsiung.truth import Track, closest_passages, join_track

# Along a meridian: 0.001 degree of latitude is about 111 m.
LAT0, LON0, DEG_M = 22.600, 120.300, 111.2


def _track(times: list[float], lats: list[float]) -> Track:
    return Track(tuple(times), tuple(lats), tuple([LON0] * len(lats)))


def test_a_stop_between_two_fixes_is_passed_at_the_interpolated_time() -> None:
    track = _track([0.0, 100.0], [LAT0, LAT0 + 0.002])
    result = closest_passages(track, [(LAT0 + 0.0005, LON0 + 0.0001)])  # 1/4 of the way, 10 m aside
    (passage,) = result.passages
    assert passage.arrival == pytest.approx(25.0, abs=0.1)
    assert passage.departure == passage.arrival
    assert passage.distance_m == pytest.approx(10.3, abs=0.5)


def test_a_stop_the_bus_never_came_near_is_counted_not_invented() -> None:
    track = _track([0.0, 60.0, 120.0], [LAT0, LAT0 + 0.001, LAT0 + 0.002])
    result = closest_passages(track, [(LAT0, LON0), (LAT0 + 0.001, LON0 + 0.002), (LAT0 + 0.002, LON0)])
    assert [p.index for p in result.passages] == [0, 2]
    assert result.missed == 1  # about 205 m east of the street


def test_a_bus_standing_at_a_stop_arrives_at_the_first_fix_and_leaves_at_the_last() -> None:
    lats = [LAT0 - 0.001, LAT0, LAT0 + 0.00002, LAT0, LAT0 + 0.001]
    result = closest_passages(_track([0.0, 30.0, 60.0, 90.0, 120.0], lats), [(LAT0, LON0)])
    (passage,) = result.passages
    assert passage.arrival == pytest.approx(30.0, abs=1.0)
    assert passage.departure == pytest.approx(90.0, abs=1.0)


def test_a_street_used_twice_keeps_each_stop_at_its_own_passage() -> None:
    # Out and back along the same street: the first stop on the way out, the second on the way back.
    lats = [LAT0, LAT0 + 0.002, LAT0 + 0.004, LAT0 + 0.002, LAT0]
    result = closest_passages(_track([0.0, 60.0, 120.0, 180.0, 240.0], lats),
                              [(LAT0 + 0.002, LON0), (LAT0 + 0.004, LON0), (LAT0 + 0.002, LON0)])
    assert [round(p.arrival) for p in result.passages] == [60, 120, 180]


def test_a_gap_in_the_fixes_says_nothing_of_the_stops_in_it() -> None:
    track = _track([0.0, 1000.0], [LAT0, LAT0 + 0.002])
    assert closest_passages(track, [(LAT0 + 0.001, LON0)]).missed == 1


def test_the_fix_before_a_run_is_joined_when_close_in_time() -> None:
    before, run = _track([0.0, 40.0], [LAT0, LAT0]), _track([70.0, 100.0], [LAT0 + 0.001, LAT0 + 0.002])
    assert join_track(before, run, None).times == (40.0, 70.0, 100.0)
    assert join_track(_track([-900.0], [LAT0]), run, None).times == run.times


def test_real_runs_pass_their_stops_in_order_and_in_time(slice_week: KaohsiungWeek,
                                                         slice_case: KaohsiungCase) -> None:
    layout: Layout = slice_case.layout
    runs = [r for r in slice_week.runs if (r.route_id, r.direction) in layout.patterns]
    passages = run_passages(runs, layout)
    full = [p for p in passages.values() if len(p.passages) >= 20]
    assert len(full) >= 20
    for result in full:
        indexes = [p.index for p in result.passages]
        times = [t for p in result.passages for t in (p.arrival, p.departure)]
        assert indexes == sorted(set(indexes))
        assert times == sorted(times)
        assert all(p.distance_m <= 60.0 for p in result.passages)
    # Stands are seen (a terminal, a busy stop), but most stops are passed at one instant.
    stands = [p.departure - p.arrival for r in full for p in r.passages]
    assert 0.0 < sum(1 for s in stands if s > 0) / len(stands) < 0.5
