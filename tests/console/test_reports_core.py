"""The reports' figures, pure, on the hand-made line L1 (a trip every 10
minutes): adherence bands and cells, headway regularity (cv_h, the ±50%
shares, the level), accuracy per line and horizon, boardings and loads."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from tests.console.live_helpers import DAY, EIGHT, NETWORK, left, run, trip_id
from tests.console.reference_reports import day_events
from transit.console.adherence import adherence_cells, count_delays, line_adherence, list_delays
from transit.console.line_accuracy import ALL_LINES, line_accuracy
from transit.console.regularity import level_of, line_regularity, list_observed_headways
from transit.console.ridership import DirectionLoad, LineHour, line_ridership
from transit.flow.peaks import PeakLoadPoint
from transit.console.timetable_calls import TimetableCalls
from transit.prediction.accuracy import MethodAccuracy
from transit.records import StopEvent

A, B, C = trip_id(EIGHT), trip_id(EIGHT + 600), trip_id(EIGHT + 1200)
CALLS = TimetableCalls.of(NETWORK)


def test_the_bands_run_from_one_minute_early_to_five_minutes_late() -> None:
    count = count_delays([-61.0, -60.0, 0.0, 300.0, 301.0, 900.0])
    assert (count.calls, count.early, count.on_time, count.late) == (6, 1, 3, 2)
    assert count.median_s == 150.0 and count.p90_s == 900.0 and count.on_time_share == 0.5


def test_each_call_is_its_departure_against_the_timetable_in_its_hour() -> None:
    last = NETWORK.patterns[NETWORK.trips[A].pattern_id]
    arrived = StopEvent(DAY, A, len(last.stop_ids), last.stop_ids[-1], "a",
                        left("a", A, 0).departure - NETWORK.trips[A].departures[0] + NETWORK.trips[A].arrivals[-1] + 45,
                        None)
    events = [*run("a", A, 3, late_s=120.0), arrived, StopEvent(DAY, "no-such-trip", 1, "S", "x", None, 1.0)]
    delays = list_delays(CALLS, day_events(events))
    assert delays.unmatched == 1 and delays.calls == 4
    assert delays.by_cell == {
        **{("L1", 0, last.stop_ids[i], 8): [120.0] for i in range(3)},
        ("L1", 0, last.stop_ids[-1], 8): [45.0],  # at the last stop: the arrival against the scheduled arrival
    }


def test_cells_are_per_stop_and_hour_and_lines_sum_their_calls() -> None:
    events = run("a", A, 2, late_s=400.0) + run("b", B, 2, late_s=-90.0) + run("c", trip_id(EIGHT + 3600), 1)
    delays = list_delays(CALLS, day_events(events))
    cells = adherence_cells(delays)
    first_stop = [c for c in cells if c.stop_id == cells[0].stop_id]
    assert [(c.hour, c.count.calls, c.count.early, c.count.late) for c in first_stop] == [(8, 2, 1, 1), (9, 1, 0, 0)]
    line = line_adherence(delays)["L1"]
    assert (line.calls, line.early, line.on_time, line.late) == (5, 2, 1, 2)


def test_regularity_compares_each_actual_headway_with_the_timetables() -> None:
    # B leaves every stop 4 min late (840 s after A: within), C 200 s early (160 s after B: bunched).
    events = run("a", A, 5) + run("b", B, 5, late_s=240.0) + run("c", C, 5, late_s=-200.0)
    observed = list_observed_headways(CALLS, day_events(events))
    assert list(observed) == [("L1", 0)] and len(observed["L1", 0]) == 10  # the first bus at each stop: nobody ahead
    assert sorted(set(observed["L1", 0])) == [(160.0, 600.0), (840.0, 600.0)]
    (row,) = line_regularity(observed)
    assert (row.route_id, row.direction_id, row.headways) == ("L1", 0, 10)
    assert math.isclose(row.cv_h, 340.0 / 600.0) and row.level == "E"
    assert (row.within, row.bunched, row.gapped) == (0.5, 0.5, 0.0)
    assert row.mean_actual_s == 500.0 and row.mean_scheduled_s == 600.0


def test_a_bus_overtaken_is_measured_in_the_order_the_buses_left() -> None:
    events = run("a", A, 2) + run("b", B, 2, late_s=700.0) + run("c", C, 2)  # b leaves after c
    observed = list_observed_headways(CALLS, day_events(events))
    assert sorted(actual for actual, _ in observed["L1", 0]) == [100.0, 100.0, 1200.0, 1200.0]
    (row,) = line_regularity(observed)
    assert row.gapped == 0.5 and row.bunched == 0.5


def test_events_of_another_service_day_are_measured_on_their_own_timetable() -> None:
    other = [StopEvent(DAY + timedelta(days=1), e.trip_id, e.stop_sequence, e.stop_id, e.vehicle_id,
                       e.arrival + 86_400 if e.arrival else None, e.departure + 86_400 if e.departure else None)
             for e in run("a", A, 2, late_s=60.0)]
    assert list(list_delays(CALLS, day_events(other)).by_cell.values()) == [[60.0], [60.0]]


@pytest.mark.parametrize(("cv_h", "level"), [(0.0, "A"), (0.21, "A"), (0.22, "B"), (0.39, "C"), (0.52, "D"),
                                             (0.74, "E"), (0.75, "F"), (3.0, "F")])
def test_levels_of_service_follow_the_manual(cv_h: float, level: str) -> None:
    assert level_of(cv_h) == level


def _scored(route: str, direction: int, horizon: str, method: str, n: int, mae: float) -> MethodAccuracy:
    return MethodAccuracy(route, direction, horizon, method, n, mae, mae / 2, 0.8)


def test_accuracy_pools_a_lines_directions_and_the_lines_asked_for() -> None:
    rows = [_scored("L1", 0, "0-3 min", "published", 30, 20.0), _scored("L1", 1, "0-3 min", "published", 10, 60.0),
            _scored("L1", 0, "0-3 min", "schedule", 40, 200.0), _scored("L1", 0, "3-6 min", "published", 5, 50.0),
            _scored("L1", 0, "0-3 min", "model", 40, 1.0), _scored("L9", 0, "0-3 min", "published", 100, 10.0)]
    found = line_accuracy(rows, frozenset({"L1"}))
    assert [(r.route_id, r.horizon, r.scored) for r in found] == [
        ("L1", "0-3 min", 40), ("L1", "3-6 min", 5), (ALL_LINES, "0-3 min", 40), (ALL_LINES, "3-6 min", 5)]
    assert found[0].mae_s == 30.0 and found[0].bias_s == 15.0 and found[0].timetable_mae_s == 200.0
    assert found[1].timetable_mae_s is None
    everything = line_accuracy(rows, frozenset({"L1", "L9"}))
    pooled = next(r for r in everything if r.route_id == ALL_LINES and r.horizon == "0-3 min")
    assert pooled.scored == 140 and math.isclose(pooled.mae_s, (30 * 20 + 10 * 60 + 100 * 10) / 140)


def test_ridership_sums_hours_and_weights_each_directions_trip_peaks() -> None:
    hours = [LineHour("L1", 7, 100.0, 20.0), LineHour("L1", 7, 10.0, 5.0), LineHour("L1", 8, 50.0, 80.0),
             LineHour("L9", 8, 999.0, 999.0)]
    loads = [DirectionLoad("L1", 0, 30, 70.0, 40.0), DirectionLoad("L1", 1, 10, 50.0, 20.0)]
    peaks = [PeakLoadPoint("L1", 1, 8, "S3", "S4", 90.0), PeakLoadPoint("L1", 0, 7, "S1", "S2", 120.0)]
    (row,) = line_ridership(hours, loads, peaks, frozenset({"L1"}))
    assert (row.boardings, row.alightings, row.by_hour) == (160.0, 105.0, ((7, 110.0), (8, 50.0)))
    assert (row.trips, row.max_load, row.mean_trip_peak) == (40, 70.0, 35.0)
    assert [p.direction_id for p in row.peaks] == [0, 1] and row.boardings_per_trip == 4.0
