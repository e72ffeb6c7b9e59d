"""The timetable engine's inputs (issue 13): load profiles from flows and given
demand, running times from stop events, periods, scenarios and their files,
and every line direction of the demo city from a simulated weekday."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from optimizer.timetable.bins import TimeBins
from optimizer.timetable.errors import InputError
from optimizer.timetable.inputs import list_direction_inputs
from optimizer.timetable.model import LoadProfile
from optimizer.timetable.policy import InputParams, fit_periods, WEEKDAY_PERIODS
from optimizer.timetable.profiles import Censoring, check_span, given_profile, observed_profile
from optimizer.timetable.running import estimate_running, observed_times, scheduled_times
from optimizer.timetable.scenario_file import parse_scenario
from optimizer.timetable.scenarios import (
    Scenario, apply_scenario, check_scenario, origin_destination, tourist_season, weekday,
)
from tests.flow.helpers import DAY, at, make_network, trip_events
from transit.flow.loads import TripFlow
from transit.model.network import Pattern
from transit.model.service_days import DayType

NETWORK = make_network()  # line B: B1..B4, 400 m apart; trips at 07:00, 08:00, 17:00
B0 = NETWORK.patterns["B0"]
BINS = TimeBins.covering(7 * 3600, 17 * 3600, 3600)  # 07:00-18:00, 11 bins
EXAMPLE = Path(__file__).resolve().parents[2] / "docs/examples/scenario-tourist-season.toml"


def flow(trip_id: str, leave: float, boardings: list[float], alightings: list[float]) -> TripFlow:
    on, off = np.array(boardings, float), np.array(alightings, float)
    times = np.array([leave + 120 * i for i in range(4)])
    load = np.cumsum(on - off)[:-1]
    return TripFlow((DAY, trip_id), on, off, load, load, times, times)


def test_a_profile_sums_the_trips_leaving_in_each_bin() -> None:
    flows = [flow("B0-1", at(7 + 10 / 60), [5, 3, 1, 0], [0, 2, 3, 4]),
             flow("B0-2", at(7 + 40 / 60), [2, 0, 4, 0], [0, 1, 1, 4]),
             flow("B0-3", at(17 + 5 / 60), [1, 1, 0, 0], [0, 0, 1, 1]),
             flow("B0-1", at(6.5), [9, 0, 0, 0], [0, 0, 0, 9])]  # before the first departure
    found = observed_profile(B0, flows, BINS, "Asia/Shanghai")
    zero_loads, zero_stops = (0.0, 0.0, 0.0), (0.0, 0.0, 0.0, 0.0)
    assert found.profile == LoadProfile(
        "B0", ("B1", "B2", "B3", "B4"), (0.4, 0.4, 0.4), 7 * 3600, 3600,
        ((7, 7, 8),) + (zero_loads,) * 9 + ((1, 2, 1),),
        ((7, 3, 5, 0),) + (zero_stops,) * 9 + ((1, 1, 0, 0),))
    assert (found.trips, found.outside) == (3, 1)
    halved = observed_profile(B0, flows, BINS, "Asia/Shanghai", days=2).profile
    assert halved.loads[0] == (3.5, 3.5, 4.0)


def test_bins_where_buses_ran_full_are_scaled_up_as_a_lower_bound() -> None:
    # A 10-seat bus: at 07:00 both trips fill up (10 on board), at 08:00 one of two does not.
    flows = [flow("B0-1", at(7.1), [10, 0, 0, 0], [0, 0, 0, 10]), flow("B0-2", at(7.6), [6, 4, 0, 0], [0, 0, 5, 5]),
             flow("B0-3", at(8.1), [10, 0, 0, 0], [0, 5, 5, 0]), flow("B0-4", at(8.6), [3, 0, 0, 0], [0, 3, 0, 0])]
    censoring = Censoring(full_load=9.5, factor=1.5)
    found = observed_profile(B0, flows, BINS, "Asia/Shanghai", censoring=censoring)
    assert found.censored == (0, 1)  # 08:00: one of two full is half of them: censored too
    assert found.profile.loads[0] == (24.0, 30.0, 22.5) and found.profile.boardings[0][:2] == (24.0, 6.0)
    stricter = observed_profile(B0, flows, BINS, "Asia/Shanghai", censoring=Censoring(9.5, 1.5, full_share=0.75))
    assert stricter.censored == (0,) and stricter.profile.loads[1] == (13.0, 5.0, 0.0)
    plain = observed_profile(B0, flows, BINS, "Asia/Shanghai")
    assert plain.censored == () and plain.profile.loads[0] == (16.0, 20.0, 15.0)


def test_the_queue_a_full_bus_left_is_added_to_its_bin() -> None:
    # A 10-seat bus, everyone to B4. 07:30 leaves B1 full; 08:00 takes 8 there where
    # the usual 30 min brings 4 (08:30, 09:00): 4 were left by 07:30, riders of 07:00-08:00.
    flows = [flow("B0-1", at(7.0), [4, 0, 0, 0], [0, 0, 0, 4]), flow("B0-2", at(7.5), [10, 0, 0, 0], [0, 0, 0, 10]),
             flow("B0-3", at(8.0), [8, 0, 0, 0], [0, 0, 0, 8]), flow("B0-4", at(8.5), [4, 0, 0, 0], [0, 0, 0, 4]),
             flow("B0-5", at(9.0), [4, 0, 0, 0], [0, 0, 0, 4])]
    found = observed_profile(B0, flows, BINS, "Asia/Shanghai", censoring=Censoring(9.5, 1.0, left_behind=True))
    assert found.queued == pytest.approx(4.0)
    assert found.profile.loads[0] == (18.0, 18.0, 18.0)  # 14 boarded + 4 left
    assert found.profile.loads[1] == (12.0, 12.0, 12.0)  # the 4 it took came earlier: not less than boarded
    both = observed_profile(B0, flows, BINS, "Asia/Shanghai", censoring=Censoring(9.5, 1.5, left_behind=True))
    assert both.censored == (0,) and both.profile.loads[0] == (21.0, 21.0, 21.0)  # the larger of 18/14 and 1.5
    off = observed_profile(B0, flows, BINS, "Asia/Shanghai", censoring=Censoring(9.5, 1.0))
    assert off.queued == 0.0 and off.profile.loads[0] == (14.0, 14.0, 14.0)


def test_given_demand_rides_the_mean_length() -> None:
    bins = TimeBins(7 * 3600, 3600, 1)
    profile = given_profile("new", ("a", "b", "c", "d"), (1.0, 1.0, 2.0), bins,
                            [[10, 0, 5, 0]], mean_ride_km=1.5)
    # From a: 1.5 km, half off at b (1 km), half at c (2 km); from c: at d, the next stop.
    assert profile.loads == ((10.0, 5.0, 5.0),)
    assert profile.boardings == ((10.0, 0.0, 5.0, 0.0),)
    with pytest.raises(InputError, match="last stop"):
        given_profile("new", ("a", "b"), (1.0,), bins, [[1, 1]], 1.0)
    with pytest.raises(InputError, match="shape"):
        given_profile("new", ("a", "b"), (1.0,), bins, [[1, 0], [1, 0]], 1.0)


def test_demand_outside_the_service_span_is_refused() -> None:
    bins = TimeBins.covering(5 * 3600, 8 * 3600, 3600)
    early = given_profile("new", ("a", "b"), (1.0,), bins, [[3, 0], [4, 0], [0, 0], [0, 0]], 1.0)
    with pytest.raises(InputError, match="05:00-06:00, outside the service span 06:00-08:00"):
        check_span(early, 6 * 3600, 8 * 3600, "line N direction 0")
    check_span(replace(early, boardings=((0, 0),) + early.boardings[1:],
                       loads=((0,),) + early.loads[1:]), 6 * 3600, 8 * 3600, "line N")
    with pytest.raises(InputError, match="not the service span"):
        check_span(early, 6 * 3600, 9 * 3600, "line N direction 0")


def test_running_times_are_medians_with_the_schedule_where_nothing_was_seen() -> None:
    events = []
    for n, (minute, run) in enumerate(((5, 100.0), (25, 120.0), (45, 200.0))):
        events += trip_events(NETWORK, f"B0-{n + 1}", "bus", at(7 + minute / 60), run_s=run)
    observed = observed_times(B0, events, "Asia/Shanghai")
    scheduled = [scheduled_times(NETWORK.trips[t]) for t in ("B0-1", "B0-2", "B0-3")]
    found = estimate_running(B0, observed, scheduled, BINS)
    assert found.running.arrivals[0] == (0, 120, 260, 400)  # the 120 s trip: every stop's median
    assert found.running.departures[0] == (0, 140, 280, 400)
    assert found.observed_bins == (0,) and found.scheduled_bins == tuple(range(1, 11))
    assert found.running.arrivals[1] == (0, 120, 240, 360)  # the 08:00 trip as scheduled
    assert found.running.trip_time_s(17 * 3600) == 360
    strict = estimate_running(B0, observed, scheduled, BINS, min_trips=4)
    assert strict.scheduled_bins == tuple(range(11))


def test_a_missed_stop_is_interpolated_and_a_trip_without_its_start_is_not_observed() -> None:
    missed = trip_events(NETWORK, "B0-1", "bus", at(7.1), run_s=120.0, skip=[2])
    (trip,) = observed_times(B0, missed, "Asia/Shanghai")
    assert trip.arrivals == (0, 120, 260, 400) and trip.departures[2] == 260
    assert trip.depart_s == pytest.approx(7.1 * 3600)
    assert observed_times(B0, trip_events(NETWORK, "B0-1", "bus", at(7.1), skip=[0]),
                          "Asia/Shanghai") == []


def four_stop_profile(boardings: list[float], loads: list[float]) -> LoadProfile:
    return LoadProfile("B0", B0.stop_ids, (0.4, 0.4, 0.4), 7 * 3600, 3600,
                       (tuple(loads),), (tuple(boardings),))


def test_a_tourist_stop_grows_only_the_segments_its_riders_ride() -> None:
    # B1's riders all leave at B2; B2's riders: 2 of 6 to B3 (the site), 4 on to B4.
    profile = four_stop_profile([10, 6, 4, 0], [10, 6, 8])
    od = origin_destination(np.array(profile.boardings[0]), np.array(profile.loads[0]))
    assert od[0, 1] == 10 and od[1, 2] == 2 and od[1, 3] == 4 and od[2, 3] == 4
    season = apply_scenario(profile, tourist_season({"B3"}, stop_multiplier=2.0), "B")
    assert season.loads == ((10.0, 8.0, 12.0),)  # B1-B2 untouched; B2-B3 +2 to the site, B3-B4 +4 from it
    assert season.boardings == ((10.0, 8.0, 8.0, 0.0),)
    assert apply_scenario(profile, weekday(), "B") == profile


def test_line_and_every_rider_multipliers_scale_the_whole_profile() -> None:
    profile = four_stop_profile([10, 6, 4, 0], [10, 6, 8])
    busy = Scenario("busy", DayType.WEEKDAY, demand=0.5, lines={"B": 3.0})
    assert apply_scenario(profile, busy, "B").loads == ((15.0, 9.0, 12.0),)
    assert apply_scenario(profile, busy, "A").loads == ((5.0, 3.0, 4.0),)


def test_the_example_scenario_file_parses_and_names_demo_stops() -> None:
    scenario = parse_scenario(EXAMPLE.read_text(encoding="utf-8"), str(EXAMPLE))
    assert scenario.day_type is DayType.WEEKDAY and scenario.stops["S0670"] == 3.0
    assert scenario.periods["midday"].max_headway_s == 900
    with pytest.raises(InputError, match=r"stops\.S0670, stops\.S0680.*no such stop") as error:
        check_scenario(scenario, NETWORK.stops, NETWORK.routes, "tourist.toml")
    assert error.value.key == "stops.S0670"


@pytest.mark.parametrize(("text", "key", "says"), [
    ('day_type = "weekday"\nfleet = 3', "fleet", "unknown key fleet"),
    ('day_type = "monday"', "day_type", "give one of weekday, saturday, sunday"),
    ('name = "x"', "day_type", "day_type is missing"),
    ('day_type = "sunday"\n[stops]\nS1 = -2', "stops.S1", "multiplier of 0 or more"),
    ('day_type = "sunday"\n[lines]\nT1 = "double"', "lines.T1", "multiplier"),
    ('day_type = "sunday"\n[periods.lunch]\nmax_headway_min = 10', "periods.lunch", "am_peak"),
    ('day_type = "sunday"\n[periods.midday]\nheadway = 10', "periods.midday.headway",
     "periods.midday.max_headway_min"),
    ('day_type = "sunday"\n[periods.midday]\nmin_headway_min = 0', "periods.midday.min_headway_min",
     "above 0"),
    ('day_type = "sunday"\ndate = "soon"', "date", "2026-07-15"),
    ('day_type = "sunday"\nstops = 3', "stops", "must be a table"),
])
def test_scenario_file_errors_name_the_key(text: str, key: str, says: str) -> None:
    with pytest.raises(InputError, match=says) as error:
        parse_scenario(text, "bad.toml")
    assert error.value.key == key and str(error.value).startswith("bad.toml: ")


def test_a_scenario_file_that_is_not_toml_says_where() -> None:
    with pytest.raises(InputError, match=r"bad\.toml: not valid TOML: .*line 2"):
        parse_scenario('day_type = "weekday"\n[stops\n', "bad.toml")


def test_periods_fit_the_span_and_widen_to_the_live_gaps() -> None:
    fitted = fit_periods(WEEKDAY_PERIODS, 6 * 3600 + 300, 20 * 3600)
    assert [(p.name, p.start_s, p.end_s) for p in fitted] == [
        ("early", 21900, 25200), ("am_peak", 25200, 32400), ("midday", 32400, 61200),
        ("pm_peak", 61200, 68400), ("evening", 68400, 72001)]
    # Line B runs 07:00, 08:00, 17:00: the 9 h gap spans the AM peak and midday.
    inputs, notes = list_direction_inputs(NETWORK, NETWORK.trips.values(), [], [], weekday())
    b0 = next(i for i in inputs if (i.route_id, i.direction_id) == ("B", 0))
    assert [(p.name, p.max_headway_s) for p in b0.periods] == [
        ("am_peak", 32400), ("midday", 32400), ("pm_peak", 1200)]
    assert "line B direction 0: midday max headway 20 min widened to the live timetable's 540 min" in notes
    strict, _ = list_direction_inputs(NETWORK, NETWORK.trips.values(), [], [], weekday(),
                                      InputParams(keep_live_headways=False))
    assert strict[2].periods[0].max_headway_s == 1200


def test_every_direction_gets_an_input_and_empty_bins_are_noted() -> None:
    flows = [flow("B0-1", at(7 + 10 / 60), [5, 3, 1, 0], [0, 2, 3, 4])]
    events = trip_events(NETWORK, "B0-1", "bus", at(7 + 10 / 60), run_s=120.0)
    inputs, notes = list_direction_inputs(NETWORK, NETWORK.trips.values(), flows, events, weekday())
    assert [(i.route_id, i.direction_id) for i in inputs] == [("A", 0), ("A", 1), ("B", 0), ("B", 1)]
    b0 = inputs[2]
    assert b0.profile.loads[0] == (5.0, 6.0, 4.0) and b0.running.arrivals[0][-1] == 400
    assert (b0.first_departure_s, b0.last_departure_s) == (7 * 3600, 17 * 3600)
    assert (b0.vehicle_capacity, b0.layover_s) == (80.0, 300)
    assert "line B direction 0: no demand data in 08:00-18:00 (kept at zero)" in notes
    assert "line B direction 0: running times from the schedule in 08:00-18:00 (no observed trip)" in notes
    with pytest.raises(InputError, match="no such line"):
        list_direction_inputs(NETWORK, NETWORK.trips.values(), flows, events,
                              Scenario("x", DayType.WEEKDAY, lines={"Z9": 2.0}))


def test_a_line_with_one_stop_is_refused() -> None:
    lonely = Pattern("B9", "B", 0, "B0", ("B1",), (0.0,))
    trips = {"B9-1": replace(NETWORK.trips["B0-1"], trip_id="B9-1", pattern_id="B9",
                             arrivals=(7 * 3600,), departures=(7 * 3600,))}
    network = replace(NETWORK, patterns={"B9": lonely}, trips=trips)
    with pytest.raises(InputError, match="line B direction 0: pattern B9 has 1 stop .*two stops or more"):
        list_direction_inputs(network, trips.values(), [], [], weekday())


def test_bad_params_and_a_first_departure_after_the_last_are_refused() -> None:
    with pytest.raises(InputError, match="first departure .07:00. is after the last .06:00."):
        TimeBins.covering(7 * 3600, 6 * 3600, 3600)
    with pytest.raises(InputError, match="desired_load 90 is over the vehicle capacity 80"):
        InputParams(weekday_periods=tuple(replace(p, desired_load=90.0) for p in WEEKDAY_PERIODS))
