"""Stop passages from fixes: interpolation, standing, passing, gaps, stray fixes."""

from __future__ import annotations

import pytest

from transit.tracking.passages import Fix, Passage, StopDetector

STOPS = (0.0, 400.0, 800.0, 1200.0)
ZONE = 25.0


def feed_all(fixes: list[Fix]) -> list[Passage]:
    detector = StopDetector(STOPS, ZONE)
    return [p for f in fixes for p in detector.feed(f)]


def test_arrival_forward_and_departure_backward_from_speeds() -> None:
    # 100 m before stop 1 at 10 m/s: arrives at t=10; dwells 20 s; 50 m past it at 10 m/s at t=35.
    passages = feed_all([Fix(-10, 200.0, 10.0), Fix(0, 300.0, 10.0), Fix(35, 450.0, 10.0)])
    stop1 = next(p for p in passages if p.index == 1)
    assert stop1.arrival == pytest.approx(10.0)
    assert stop1.departure == pytest.approx(30.0)


def test_a_bus_standing_at_a_stop_keeps_its_first_arrival() -> None:
    passages = feed_all([
        Fix(0, 300.0, 10.0), Fix(15, 398.0, 0.0), Fix(30, 402.0, 0.0), Fix(45, 399.0, 0.0),
        Fix(60, 500.0, 10.0),
    ])
    stop1 = next(p for p in passages if p.index == 1)
    assert stop1.arrival == pytest.approx(10.0)
    assert stop1.departure == pytest.approx(50.0)


def test_passing_without_stopping_gives_arrival_equal_departure() -> None:
    passages = feed_all([Fix(0, 300.0, 10.0), Fix(20, 500.0, 10.0)])
    stop1 = next(p for p in passages if p.index == 1)
    assert stop1.arrival == pytest.approx(stop1.departure) == pytest.approx(10.0)


def test_seen_only_before_and_after_several_stops() -> None:
    passages = feed_all([Fix(0, 300.0, 10.0), Fix(100, 1100.0, 10.0)])
    assert [p.index for p in passages] == [1, 2]
    assert passages[0].arrival == pytest.approx(10.0)
    assert passages[1].departure == pytest.approx(70.0)
    assert passages[0].departure <= passages[1].arrival  # type: ignore[operator]


def test_first_stop_gives_departure_only_and_last_stop_arrival_only() -> None:
    passages = feed_all([
        Fix(0, 2.0, 0.0), Fix(20, 3.0, 0.0), Fix(40, 100.0, 10.0), Fix(160, 1300.0, 10.0),
    ])
    assert passages[0] == Passage(0, None, pytest.approx(30.0))
    assert passages[-1].index == 3 and passages[-1].departure is None


def test_a_stray_fix_of_a_standing_bus_is_not_a_departure() -> None:
    detector = StopDetector(STOPS, ZONE)
    detector.feed(Fix(0, 2.0, 0.0))
    assert detector.feed(Fix(20, 55.0, 0.0)) == []  # 55 m off, standing: GPS, not a departure
    assert detector.feed(Fix(40, 1.0, 0.0)) == []
    passages = detector.feed(Fix(60, 120.0, 10.0))
    assert passages == [Passage(0, None, pytest.approx(48.0))]


def test_a_bus_on_layover_strays_farther_before_it_has_left_its_first_stop() -> None:
    # Standing through a layover at the first stop, a fix 100 m off is still
    # GPS (mid-route, as far off a standing bus has left the stop, see above).
    detector = StopDetector(STOPS, ZONE)
    detector.feed(Fix(0, 2.0, 0.0))
    assert detector.feed(Fix(20, 100.0, 0.0)) == []
    assert detector.feed(Fix(40, 1.0, 0.0)) == []
    assert detector.feed(Fix(60, 120.0, 10.0)) == [Passage(0, None, pytest.approx(48.0))]
    midway = StopDetector(STOPS, ZONE)
    midway.feed(Fix(0, 380.0, 8.0))
    midway.feed(Fix(10, 401.0, 0.0))
    assert [p.index for p in midway.feed(Fix(30, 500.0, 0.0))] == [1]


def test_stops_behind_the_first_sight_are_not_invented() -> None:
    passages = feed_all([Fix(0, 650.0, 10.0), Fix(30, 950.0, 10.0)])
    assert [p.index for p in passages] == [2]
