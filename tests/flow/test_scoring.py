"""The shared scoring helpers (``transit.flow.scoring``): true riders per
segment from journeys, the peak hour, the errors at the peak-load points."""

from __future__ import annotations

import pytest

from tests.flow.helpers import at
from transit.flow.scoring import PeakLoad, TrueJourney, peak_errors, peak_hour, true_segments


def _journey(tap_id: str, trip_id: str, board: int, alight: int, hour: float = 7.5) -> TrueJourney:
    return TrueJourney(tap_id, trip_id, f"S{board}", board, alight, at(hour))


def test_true_segments_count_riders_on_board_from_boarding_to_alighting() -> None:
    journeys = [_journey("t1", "A0-1", 0, 2), _journey("t2", "A0-1", 1, 4),
                _journey("t3", "A0-2", 3, 4)]
    segments = true_segments(journeys, lambda trip, k: 1000.0 * k + (0.5 if trip == "A0-2" else 0))
    assert [(s.trip_id, s.segment, s.load, s.departure) for s in segments] == [
        ("A0-1", 0, 1, 0.0), ("A0-1", 1, 2, 1000.0), ("A0-1", 2, 1, 2000.0),
        ("A0-1", 3, 1, 3000.0), ("A0-2", 3, 1, 3000.5)]


def test_peak_hour_is_the_local_clock_hour_with_most_boardings() -> None:
    boarded = [at(7.1), at(7.9), at(8.0), at(8.5), at(8.99), at(17.2), at(17.3), at(17.4)]
    assert peak_hour(boarded, "Asia/Shanghai") == (at(8), at(9))


def test_peak_hour_ties_go_to_the_earliest_and_none_is_an_error() -> None:
    assert peak_hour([at(17.5), at(7.5)], "Asia/Shanghai") == (at(7), at(8))
    with pytest.raises(ValueError, match="no boarding"):
        peak_hour([], "Asia/Shanghai")


def _peak(true_riders: int, estimated: float) -> PeakLoad:
    return PeakLoad("A0", "A", 0, 2, "A3", true_riders, estimated)


def test_peak_errors_count_points_within_the_tolerance() -> None:
    errors = peak_errors([_peak(100, 105.0), _peak(100, 90.0), _peak(200, 150.0), _peak(50, 50.0)])
    assert errors is not None
    assert (errors.points, errors.within, errors.tolerance) == (4, 3, 0.10)
    assert errors.median == pytest.approx(0.075)
    assert errors.max == pytest.approx(0.25)
    assert peak_errors([]) is None
