"""Ceder's four frequency methods: a worked example checked by hand, their properties, short turns, bad input."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.timetable.frequencies import (BinPolicy, bin_frequencies, daily_peak_load_point, frequency_plan,
                                             short_turn_hint)
from optimizer.timetable.model import DirectionInput, Infeasible, LoadProfile, Method, Period, RunningTimes

H = 3600
M1, M2, M3, M4 = Method.MAX_LOAD_DAILY, Method.MAX_LOAD_HOURLY, Method.LOAD_PROFILE, Method.LOAD_PROFILE_CAPPED

# The worked example (hand-built: the book's published table was not reachable).
# Stops A..F, segments A-B 2.0, B-C 1.5, C-D 1.0, D-E 0.5, E-F 1.0 km: L = 6.0 km.
# c = 80; beta = 0.2, so beta * L = 1.2 km may carry more than d0.
# early 06-07: d0 = 50, policy headway 30 min -> F_m = 2/h
# peak  07-09: d0 = 60, policy headway 15 min -> F_m = 4/h
# base  09-11: d0 = 50, policy headway 20 min -> F_m = 3/h
EXAMPLE_KM = (2.0, 1.5, 1.0, 0.5, 1.0)
EXAMPLE_LOADS = (
    (40.0, 60.0, 110.0, 70.0, 15.0),  # 06:00
    (285.0, 420.0, 480.0, 360.0, 120.0),  # 07:00
    (240.0, 250.0, 270.0, 390.0, 210.0),  # 08:00
    (150.0, 150.0, 150.0, 210.0, 150.0),  # 09:00
    (50.0, 70.0, 90.0, 80.0, 40.0),  # 10:00
)
EXAMPLE_PERIODS = (Period("early", 6 * H, 7 * H, 1800, 300, 50.0), Period("peak", 7 * H, 9 * H, 900, 120, 60.0),
                   Period("base", 9 * H, 11 * H, 1200, 300, 50.0))


def direction(loads=EXAMPLE_LOADS, segment_km=EXAMPLE_KM, periods=EXAMPLE_PERIODS, start_s=6 * H, bin_s=H,
              capacity=80.0, stops=None) -> DirectionInput:
    stop_ids = stops or tuple("ABCDEFGHIJKLMNOP"[:len(segment_km) + 1])
    profile = LoadProfile("P1", stop_ids, tuple(segment_km), start_s, bin_s, tuple(tuple(r) for r in loads),
                          tuple((0.0,) * len(stop_ids) for _ in loads))
    offsets = tuple(60 * i for i in range(len(stop_ids)))
    running = RunningTimes(start_s, bin_s, (offsets,), (offsets,))
    return DirectionInput("R1", 0, profile, running, tuple(periods), periods[0].start_s, periods[-1].end_s - 1,
                          capacity, 300)


def test_worked_example_by_hand() -> None:
    # Daily totals per segment: A-B 765, B-C 950, C-D 1100, D-E 1110, E-F 535 -> the daily
    # peak-load point is D-E (segment 3) with 1110 passengers.
    # Method 1 uses each bin's D-E load: 70, 360, 390, 210, 80.
    #   06: max(70/50 = 1.4, 2) = 2    07: max(360/60, 4) = 6.0   08: 390/60 = 6.5
    #   09: 210/50 = 4.2               10: max(80/50 = 1.6, 3) = 3
    # Method 2 uses each bin's own peak P_m: 110 (C-D), 480 (C-D), 390 (D-E), 210 (D-E), 90 (C-D).
    #   06: 110/50 = 2.2   07: 480/60 = 8.0   08: 390/60 = 6.5   09: 210/50 = 4.2   10: max(1.8, 3) = 3
    # Method 3: A = sum P_i l_i, F = max(A / (d0 L), F_m)
    #   06: 80+90+110+35+15 = 330,       330/300 = 1.1   -> 2 (floor)
    #   07: 570+630+480+180+120 = 1980,  1980/360 = 5.5
    #   08: 480+375+270+195+210 = 1530,  1530/360 = 4.25
    #   09: 300+225+150+105+150 = 930,   930/300 = 3.1
    #   10: 100+105+90+40+40 = 375,      375/300 = 1.25  -> 3 (floor)
    # Method 4 = max(A/(d0 L), P_m/c, F_m, Fb); Fb: walk loads down; the least load whose
    # heavier segments total <= 1.2 km, over d0.
    #   06: 110 (1.0 km) may be over, 110+70 = 1.5 km may not -> Fb = 70/50 = 1.4;
    #       max(1.1, 110/80 = 1.375, 2, 1.4) = 2 (floor binds)
    #   07: 480 (1.0 km) over, 480+420 = 2.5 km not -> Fb = 420/60 = 7.0;
    #       max(5.5, 480/80 = 6.0, 4, 7.0) = 7.0 (level of service binds)
    #   08: 390 (0.5 km) over, 390+270 = 1.5 km not -> Fb = 270/60 = 4.5;
    #       max(4.25, 390/80 = 4.875, 4, 4.5) = 4.875 (capacity binds)
    #   09: 210 (0.5 km) over, the rest is 150 -> Fb = 150/50 = 3.0;
    #       max(3.1, 210/80 = 2.625, 3, 3.0) = 3.1 (the profile's area binds)
    #   10: 90 (1.0 km) over, 90+80 = 1.5 km not -> Fb = 80/50 = 1.6; max(1.25, 1.125, 3, 1.6) = 3
    plan = frequency_plan(direction(), M4)
    expected = {M1: (2.0, 6.0, 6.5, 4.2, 3.0), M2: (2.2, 8.0, 6.5, 4.2, 3.0),
                M3: (2.0, 5.5, 4.25, 3.1, 3.0), M4: (2.0, 7.0, 4.875, 3.1, 3.0)}
    for method, figures in expected.items():
        assert tuple(b.by_method[method] for b in plan.bins) == pytest.approx(figures), method
    assert (plan.daily_peak_segment, plan.daily_peak_load) == (3, 1110.0)
    assert [(b.peak_segment, b.peak_load) for b in plan.bins] == [(2, 110), (2, 480), (3, 390), (3, 210), (2, 90)]
    assert [b.bin_start_s for b in plan.bins] == [6 * H, 7 * H, 8 * H, 9 * H, 10 * H]
    assert plan.chosen() == pytest.approx(expected[M4])
    assert plan.headways_s() == pytest.approx((1800, 3600 / 7, 3600 / 4.875, 3600 / 3.1, 1200))
    assert plan.bindings == () and all(b.short_turn is None for b in plan.bins)


def test_the_plan_records_its_parameters() -> None:
    plan = frequency_plan(direction(), M3, overload_share=0.1)
    assert plan.method is M3
    assert plan.parameters["capacity"] == 80 and plan.parameters["route_km"] == pytest.approx(6.0)
    assert plan.parameters["bin_s"] == H and plan.parameters["overload_share"] == 0.1
    assert plan.parameters["desired_load[peak]"] == 60 and plan.parameters["min_frequency[peak]"] == 4
    assert plan.parameters["max_headway_s[early]"] == 1800


def test_a_stricter_level_of_service_raises_method_4_only() -> None:
    # beta = 0: no segment may be over d0, so method 4 sizes the 07:00 bin on C-D: 480/60 = 8.
    strict, usual = frequency_plan(direction(), M4, overload_share=0.0), frequency_plan(direction(), M4)
    assert (strict.bins[1].by_method[M4], usual.bins[1].by_method[M4]) == pytest.approx((8.0, 7.0))
    assert [b.by_method[M3] for b in strict.bins] == [b.by_method[M3] for b in usual.bins]


def test_method_1_falls_when_more_load_moves_the_daily_peak_point() -> None:
    # 20 more on C-D at 10:00 makes C-D the day's peak point (1120 > 1110): method 1 then
    # sizes 08:00 on C-D's 270 instead of D-E's 390, 270/60 = 4.5 instead of 6.5.
    loads = list(EXAMPLE_LOADS)
    loads[4] = (50.0, 70.0, 110.0, 80.0, 40.0)
    before, after = frequency_plan(direction(), M1), frequency_plan(direction(loads=loads), M1)
    assert (after.daily_peak_segment, after.daily_peak_load) == (2, 1120.0)
    assert (before.bins[2].by_method[M1], after.bins[2].by_method[M1]) == pytest.approx((6.5, 4.5))
    assert after.bins[2].by_method[M2] == before.bins[2].by_method[M2]


def test_no_load_runs_the_policy_frequency() -> None:
    zero = tuple((0.0,) * 5 for _ in EXAMPLE_LOADS)
    plan = frequency_plan(direction(loads=zero), M2)
    for b, floor in zip(plan.bins, (2, 4, 4, 3, 3)):
        assert b.by_method == dict.fromkeys(Method, floor)


def test_half_hour_bins_give_hourly_rates() -> None:
    # The same demand counted in half-hour bins (each carrying half an hour's passengers)
    # asks for the same vehicles per hour.
    halves = [tuple(p / 2 for p in row) for row in EXAMPLE_LOADS for _ in range(2)]
    hourly, half_hourly = frequency_plan(direction(), M4), frequency_plan(direction(loads=halves, bin_s=1800), M4)
    for method in Method:
        by_hour = [b.by_method[method] for b in hourly.bins]
        assert [b.by_method[method] for b in half_hourly.bins] == pytest.approx([f for f in by_hour for _ in "ab"])


# Properties, over random profiles on 1-6 segments and 1-4 bins of one period.
_segments = st.integers(1, 6)


@st.composite
def _profiles(draw) -> tuple[list[list[float]], list[float]]:
    n, bins = draw(_segments), draw(st.integers(1, 4))
    km = draw(st.lists(st.floats(0.1, 5.0), min_size=n, max_size=n))
    loads = draw(st.lists(st.lists(st.floats(0, 2000), min_size=n, max_size=n), min_size=bins, max_size=bins))
    return loads, km


_POLICY = BinPolicy(desired_load=50, capacity=80, min_frequency=3)


@settings(max_examples=150, deadline=None)
@given(_profiles())
def test_method_2_never_below_method_1_and_method_4_never_below_method_3(profile) -> None:
    loads, km = profile
    daily, _ = daily_peak_load_point(loads)
    for row in loads:
        f = bin_frequencies(row, km, daily, _POLICY)
        assert f[M2] >= f[M1] >= _POLICY.min_frequency
        assert f[M4] >= f[M3] >= _POLICY.min_frequency


@settings(max_examples=150, deadline=None)
@given(_profiles(), st.data())
def test_more_load_never_lowers_a_frequency(profile, data) -> None:
    loads, km = profile
    b, i = data.draw(st.integers(0, len(loads) - 1)), data.draw(st.integers(0, len(km) - 1))
    more = [list(row) for row in loads]
    more[b][i] += data.draw(st.floats(0.5, 500))
    daily, daily_more = daily_peak_load_point(loads)[0], daily_peak_load_point(more)[0]
    for row, row_more in zip(loads, more):
        f, g = bin_frequencies(row, km, daily, _POLICY), bin_frequencies(row_more, km, daily_more, _POLICY)
        assert all(g[m] >= f[m] - 1e-9 for m in (M2, M3, M4))
        if daily_more == daily:  # method 1 is monotone only while the daily peak point stays
            assert g[M1] >= f[M1] - 1e-9


# Short turns: eight 1 km segments, d0 = 50, policy 2/h.
_TURN_POLICY = BinPolicy(desired_load=50, capacity=80, min_frequency=2)
_TURN_KM = (1.0,) * 8


def test_a_profile_heavy_in_the_middle_hints_a_short_turn() -> None:
    # Peak 240 on segment 3: half of it is 120, exceeded on segments 2-4 only; 5 of 8 km lie
    # outside (>= 20 %), and half the peak's need, 240/50/2 = 2.4/h, still meets the 2/h policy.
    loads = (20, 30, 200, 240, 220, 40, 20, 10)
    assert short_turn_hint(loads, _TURN_KM, _TURN_POLICY) == (2, 4)


def test_a_flat_profile_hints_no_short_turn() -> None:
    assert short_turn_hint((200,) * 8, _TURN_KM, _TURN_POLICY) is None


def test_no_short_turn_when_the_heavy_stretch_is_most_of_the_route() -> None:
    # Over 120 on segments 0-6: only 1 km of 8 (12.5 %) would be left out.
    assert short_turn_hint((130, 200, 240, 220, 200, 150, 125, 10), _TURN_KM, _TURN_POLICY) is None


def test_no_short_turn_when_half_the_service_would_break_the_policy() -> None:
    # Peak 180: 180/50 = 3.6/h, half of it 1.8/h is under the 2/h policy beyond the turn.
    assert short_turn_hint((20, 30, 150, 180, 160, 40, 20, 10), _TURN_KM, _TURN_POLICY) is None


def test_the_plan_carries_the_short_turn_hint_per_bin() -> None:
    period = (Period("day", 6 * H, 8 * H, 1800, 300, 50.0),)
    loads = ((20, 30, 200, 240, 220, 40, 20, 10), (200,) * 8)
    plan = frequency_plan(direction(loads=loads, segment_km=_TURN_KM, periods=period), M3)
    assert [b.short_turn for b in plan.bins] == [(2, 4), None]


# Bad input: a Binding names the constraint and says what to change.
def _bindings(error: pytest.ExceptionInfo[Infeasible]) -> dict[str, str]:
    return {b.constraint: b.message for b in error.value.bindings}


def test_a_pattern_with_one_stop_is_refused() -> None:
    with pytest.raises(Infeasible) as error:
        frequency_plan(direction(loads=((),), segment_km=(), stops=("S1",)), M3)
    assert list(_bindings(error)) == ["one_stop"]
    assert "pattern P1 has 1 stop (S1)" in str(error.value) and "at least two stops" in str(error.value)


def test_negative_loads_are_refused() -> None:
    loads = list(EXAMPLE_LOADS)
    loads[1] = (285.0, -3.0, 480.0, 360.0, -1.0)
    with pytest.raises(Infeasible) as error:
        frequency_plan(direction(loads=loads), M3)
    (binding,) = error.value.bindings
    assert (binding.constraint, binding.amount) == ("load_profile", -3.0)
    assert "2 negative load(s), the lowest -3 passengers on segment 1 (B -> C) in the 07:00 bin" in binding.message


def test_a_bin_cut_by_a_period_boundary_takes_the_period_covering_most_of_it() -> None:
    # Periods fitted to a first departure at 06:15: the 06:00 bin is mostly "early".
    periods = (Period("early", 6 * H + 900, 7 * H + 1200, 1800, 300, 50.0),
               Period("rest", 7 * H + 1200, 11 * H, 900, 120, 60.0))
    plan = frequency_plan(direction(periods=periods), M3)
    assert [b.bin_start_s for b in plan.bins] == [h * H for h in range(6, 11)]
    floors = [min(b.by_method.values()) for b in plan.bins]
    # 06:00 (45 min early) and 07:00 (20 min early, 40 rest) -> early, rest: 2/h and 4/h floors.
    assert floors[0] >= 2.0 and plan.bins[0].by_method[M3] >= 2.0
    assert [round(f, 6) >= 4.0 for f in floors[1:]] == [True] * 4


def test_passengers_outside_every_period_are_refused() -> None:
    periods = (Period("peak", 7 * H, 11 * H, 900, 120, 60.0),)
    with pytest.raises(Infeasible) as error:
        frequency_plan(direction(periods=periods), M3)
    assert "carries passengers in 1 bin(s) outside every period (07:00-11:00), at 06:00" in str(error.value)


def test_gapped_periods_and_zero_capacity_are_reported_together() -> None:
    periods = (EXAMPLE_PERIODS[0], replace(EXAMPLE_PERIODS[2], start_s=8 * H))
    with pytest.raises(Infeasible) as error:
        frequency_plan(direction(periods=periods, capacity=0.0), M3)
    found = _bindings(error)
    assert set(found) == {"periods", "capacity"}
    assert "leave a gap between 07:00 and 08:00" in found["periods"]


def test_a_half_counted_bin_is_refused() -> None:
    loads = list(EXAMPLE_LOADS)
    loads[2] = (240.0, math.nan, 270.0, 390.0, 210.0)
    with pytest.raises(Infeasible) as error:
        frequency_plan(direction(loads=loads), M3)
    assert "bin(s) 08:00 have loads on some segments and none (NaN) on others" in str(error.value)


def test_a_period_with_no_demand_runs_the_policy_headway_and_says_so() -> None:
    # The profile stops at 11:00; an evening period 11:00-13:00 has no bins at all.
    periods = EXAMPLE_PERIODS + (Period("noon", 11 * H, 13 * H, 1800, 300, 50.0),)
    plan = frequency_plan(direction(periods=periods), M4)
    assert [b.by_method for b in plan.bins[5:]] == [dict.fromkeys(Method, 2.0)] * 2
    assert [b.peak_segment for b in plan.bins[5:]] == [None, None]
    (binding,) = plan.bindings
    assert (binding.constraint, binding.period, binding.amount) == ("no_demand", "noon", 2)
    assert "period noon (11:00-13:00) has no demand data: its 2 bin(s) run the policy headway of 30 min" \
        in binding.message
    assert plan.chosen()[:5] == pytest.approx((2.0, 7.0, 4.875, 3.1, 3.0))


def test_an_unobserved_bin_inside_a_period_is_named() -> None:
    loads = list(EXAMPLE_LOADS)
    loads[2] = (math.nan,) * 5
    plan = frequency_plan(direction(loads=loads), M2)
    assert plan.bins[2].by_method[M2] == 4.0 and plan.bins[1].by_method[M2] == pytest.approx(8.0)
    (binding,) = plan.bindings
    assert binding.period == "peak" and "no demand data in 1 of its 2 bins (08:00)" in binding.message
