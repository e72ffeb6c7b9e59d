"""Short turns built: full trips at the outside's need, short trips on the hinted stretch."""

from __future__ import annotations

from itertools import pairwise

import pytest
from rich.console import Console

from feeds.timetables.summary import short_turns_table
from optimizer.timetable.frequencies import frequency_plan
from optimizer.timetable.model import Construction, DirectionInput, LoadProfile, Method, Period, RunningTimes
from optimizer.timetable.rebuild import Rebuilt, RebuildParams, rebuild_lines, short_turn_day
from optimizer.timetable.short_turns import (ShortTurn, plan_short_turns, short_departures, short_turn_report,
                                             split_estimate, stable_stretch, vehicle_hours)
from transit.model.network import Network, Pattern, Route, Stop

H = 3600
SEGMENT_S = 180  # each 1 km segment takes 3 min: a full trip 24 min, the stretch (3 segments) 9 min
# The doc's example (docs/optimizer.md, "Short-turn hint"): eight 1 km segments, the
# peak on segments 2-4. Method 4 per bin: level of service 220/50 = 4.4/h on the
# stretch; outside (20, 30, 40, 20, 10 over 5 km) every method is under the policy's 2/h.
PEAKED = (20.0, 30.0, 200.0, 240.0, 220.0, 40.0, 20.0, 10.0)
FLAT = (150.0,) * 8
PERIODS = (Period("am", 7 * H, 9 * H, 1800, 180, 50.0), Period("midday", 9 * H, 11 * H, 1800, 180, 50.0))


def _direction(peak_rows: tuple[float, ...], quiet_rows: tuple[float, ...] = (10.0,) * 8) -> DirectionInput:
    stops = tuple(f"S{i}" for i in range(9))
    loads = (peak_rows, peak_rows, quiet_rows, quiet_rows)
    boardings = tuple(tuple(row[0] if s == 0 else max(row[s] - row[s - 1], 0.0) if s < 8 else 0.0
                            for s in range(9)) for row in loads)
    profile = LoadProfile("P1", stops, (1.0,) * 8, 7 * H, H, loads, boardings)
    offsets = tuple(SEGMENT_S * i for i in range(9))
    running = RunningTimes(7 * H, H, (offsets,) * 4, (offsets,) * 4)
    return DirectionInput("R1", 0, profile, running, PERIODS, 7 * H, 11 * H - 600, 80.0, 300)


def _rebuild(direction: DirectionInput, short_turns: bool,
             construction: Construction = Construction.EVEN_HEADWAY) -> Rebuilt:
    return rebuild_lines([direction], None, RebuildParams(construction=construction, budget_s=0,
                                                          short_turns=short_turns))


def test_stable_stretch_needs_most_of_the_periods_bins() -> None:
    assert stable_stretch([(2, 4), (2, 4), None]) == (2, 4)
    assert stable_stretch([(2, 4), None]) is None  # half is not most
    assert stable_stretch([(2, 4), (1, 4), (2, 4)]) == (2, 4)
    assert stable_stretch([None, None]) is None


def test_a_concentrated_peak_gets_short_turns_on_the_hinted_stretch() -> None:
    direction = _direction(PEAKED)
    plan = frequency_plan(direction, Method.LOAD_PROFILE_CAPPED)
    assert plan.bins[0].short_turn == (2, 4)
    (turn,) = plan_short_turns(direction, plan)
    assert (turn.period, turn.first_segment, turn.last_segment) == ("am", 2, 4)
    assert (turn.first_stop, turn.last_stop) == ("S2", "S5")
    assert turn.stretch == pytest.approx((4.4, 4.4))  # the stretch keeps its need
    assert turn.full == pytest.approx((2.0, 2.0))  # the outside at the policy's 2/h, not below
    assert turn.short() == pytest.approx((2.4, 2.4))
    assert "segments 2-4" in turn.reason and "2 of 2 bin(s)" in turn.reason


def test_a_flat_profile_gets_none() -> None:
    direction = _direction(FLAT)
    assert plan_short_turns(direction, frequency_plan(direction, Method.LOAD_PROFILE_CAPPED)) == ()
    assert _rebuild(direction, True).short_turns == {}


@pytest.mark.parametrize("construction", [Construction.EVEN_HEADWAY, Construction.CP_SAT])
def test_the_rebuild_builds_them_and_saves_vehicle_hours(construction: Construction) -> None:
    direction = _direction(PEAKED)
    key = ("R1", 0)
    without = _rebuild(direction, False, construction)
    built = _rebuild(direction, True, construction)
    service = built.short_turns[key]
    full = built.directions[0].timetable.departures_s
    base = without.directions[0].timetable.departures_s
    am_full = [d for d in full if d < 9 * H]
    # Outside the stretch: the policy headway holds, and the full trips are fewer than before.
    assert all(b - a <= 1800 for a, b in pairwise(full))
    assert len(am_full) < len([d for d in base if d < 9 * H])
    # On the stretch: full and short trips together meet its need (4.4/h over two hours).
    assert len(am_full) + len(service.trips) >= 4.4 * 2
    assert all(t.trip_time_s == 3 * SEGMENT_S for t in service.trips)
    # Vehicle hours fall: a short trip costs only its stretch's time.
    assert vehicle_hours(direction, full, service.trips) < vehicle_hours(direction, base)
    # The choice and why are in the plan.
    plan = built.plans[key]
    assert plan.parameters["short_turns"] == 1.0 and plan.parameters["short_turn_first_segment[am]"] == 2.0
    assert [b.constraint for b in plan.bindings] == ["short_turn"]


def test_short_trips_fall_between_full_ones_at_the_stretchs_first_stop() -> None:
    direction = _direction(PEAKED)
    built = _rebuild(direction, True)
    full_at_stretch = sorted(d + 2 * SEGMENT_S for d in built.directions[0].timetable.departures_s)
    shorts = built.short_turns[("R1", 0)].trips
    assert shorts
    for trip in shorts:
        before = max(t for t in full_at_stretch if t < trip.depart_s)
        after = min(t for t in full_at_stretch if t > trip.depart_s)
        # evenly between them: within a grid step of an equal split
        share = (trip.depart_s - before) / (after - before)
        assert min(abs(share - k / n) for n in (2, 3, 4) for k in range(1, n)) * (after - before) <= 30
        assert trip.origin_s == trip.depart_s - 2 * SEGMENT_S and trip.first_stop == 2


def test_short_departures_split_a_gap_evenly() -> None:
    direction = _direction(PEAKED)
    turn = ShortTurn("am", 2, 4, "S2", "S5", (7 * H, 8 * H), (2.0, 2.0), (6.0, 6.0), "")
    shorts = short_departures(direction, [7 * H, 7 * H + 1800], [turn])
    # 30 min at 6/h on the stretch is 3 trips: the full one closing the gap and two short ones
    assert [t.depart_s - 7 * H - 2 * SEGMENT_S for t in shorts] == [600, 1200]
    # 4.4/h over four 30-min gaps is 8.8 trips: 9, of which 4 full ones, in gaps of 3, 2, 2, 2
    turn = ShortTurn("am", 2, 4, "S2", "S5", (7 * H, 8 * H), (2.0, 2.0), (4.4, 4.4), "")
    shorts = short_departures(direction, [7 * H + k * 1800 for k in range(5)], [turn])
    assert [(t.depart_s - 7 * H - 2 * SEGMENT_S) // 60 for t in shorts] == [10, 20, 45, 75, 105]


def test_the_estimate_splits_waits_on_the_stretch_and_outside() -> None:
    direction = _direction(PEAKED)
    built = _rebuild(direction, True)
    without = _rebuild(direction, False)
    full = built.directions[0].timetable.departures_s
    shorts = built.short_turns[("R1", 0)].trips
    with_turns = split_estimate(direction, full, shorts, 2, 4)
    baseline = split_estimate(direction, without.directions[0].timetable.departures_s, (), 2, 4)
    assert with_turns.vehicle_hours < baseline.vehicle_hours
    # the stretch keeps about its wait; the outside waits longer (fewer full trips)
    assert with_turns.stretch.expected_wait_s == pytest.approx(baseline.stretch.expected_wait_s, rel=0.25)
    assert with_turns.outside.expected_wait_s > baseline.outside.expected_wait_s


def test_the_report_sets_them_beside_the_live_trips() -> None:
    direction = _direction(PEAKED)
    built = _rebuild(direction, True)
    service = built.short_turns[("R1", 0)]
    full = built.directions[0].timetable.departures_s
    live = list(range(7 * H, 11 * H - 600, 900))  # every 15 min, all full
    report = short_turn_report(direction, service, full, live)
    assert report.periods == ("am",) and (report.first_stop, report.last_stop) == ("S2", "S5")
    assert (report.full_trips, report.short_trips) == (len(full), len(service.trips))
    assert report.live.vehicle_hours == pytest.approx(len(live) * 8 * SEGMENT_S / H)
    assert report.draft.vehicle_hours < report.live.vehicle_hours
    assert "segments 2-4" in report.reasons[0]


def test_the_summary_shows_them_live_against_draft() -> None:
    direction = _direction(PEAKED)
    built = _rebuild(direction, True)
    report = short_turn_report(direction, built.short_turns[("R1", 0)], built.directions[0].timetable.departures_s,
                               list(range(7 * H, 11 * H - 600, 900)))
    console = Console(width=200, record=True)
    console.print(short_turns_table([report]))
    text = console.export_text()
    assert "S2-S5" in text and f"{report.full_trips} + {report.short_trips}" in text
    assert f"{report.live.vehicle_hours:.1f} -> {report.draft.vehicle_hours:.1f}" in text


def test_the_short_trips_become_draft_trips_on_a_pattern_of_the_stretch() -> None:
    direction = _direction(PEAKED)
    built = _rebuild(direction, True)
    stops = {f"S{i}": Stop(f"S{i}", f"stop {i}", 35.0 + i * 0.009, 109.0) for i in range(9)}
    line = Pattern("P1", "R1", 0, "SH1", tuple(stops), tuple(1000.0 * i for i in range(9)), tuple(range(1, 10)))
    network = Network("tc", "Asia/Shanghai", stops, {"R1": Route("R1", "1", "", 3)}, {}, {"P1": line}, {}, {})
    with_stretch, trips = short_turn_day(network, built, "WK")
    shorts = built.short_turns[("R1", 0)].trips
    assert len(trips) == len(shorts) > 0
    [pattern] = set(with_stretch.patterns) - {"P1"}
    stretch = with_stretch.patterns[pattern]
    assert (pattern, stretch.stop_ids, stretch.stop_dists, stretch.stop_sequences, stretch.shape_id) == (
        "P1~short-2-5", ("S2", "S3", "S4", "S5"), (2000.0, 3000.0, 4000.0, 5000.0), (3, 4, 5, 6), "SH1")
    for trip, short in zip(trips, shorts):
        assert (trip.pattern_id, trip.start, trip.end, trip.headsign) == (
            pattern, short.depart_s, short.depart_s + 3 * SEGMENT_S, "stop 5")
        assert trip.trip_id.endswith("-short") and trip.service_id == "WK"
    assert short_turn_day(network, _rebuild(direction, False), "WK") == (network, ())
