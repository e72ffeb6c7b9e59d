"""Line studies that change geometry (issue 13): a line extended, shortened,
with stops added or removed, a new line; applied to the engine's inputs.

The network is the flow tests' (tests/flow/helpers.py): line A east along one
street, A1..A6 400 m apart; line B north across it, B1..B4, B2 150 m north
and B1 250 m south of A4. Every trip runs 100 s between stops and dwells 20 s.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from optimizer.timetable.bins import TimeBins
from optimizer.timetable.draft import draft_day
from optimizer.timetable.errors import InputError
from optimizer.timetable.line_changes import InsertedStop, LineChange, LineStudy, NewLine
from optimizer.timetable.line_study import apply_line_study
from optimizer.timetable.model import Construction, DirectionInput, RunningTimes
from optimizer.timetable.policy import InputParams, fit_periods
from optimizer.timetable.profiles import given_profile, segment_km
from optimizer.timetable.rebuild import RebuildParams, rebuild_lines
from optimizer.timetable.scenarios import weekday
from tests.flow.helpers import make_network
from transit.geo import distance_m
from transit.model.network import Network, Pattern, Stop

FIRST, LAST = 7 * 3600, 18 * 3600 + 1800
BINS = TimeBins.covering(FIRST, LAST, 3600)
RUN_S, DWELL_S = 100, 20


def direction(pattern: Pattern, boardings: list[float], ride_km: float = 0.8) -> DirectionInput:
    """``boardings[i]`` riders an hour board at stop ``i``, each riding ``ride_km``."""
    n = len(pattern.stop_ids)
    profile = given_profile(pattern.pattern_id, pattern.stop_ids, segment_km(pattern), BINS,
                            [boardings] * BINS.count, ride_km)
    arrivals = tuple(0 if i == 0 else i * RUN_S + (i - 1) * DWELL_S for i in range(n))
    departures = tuple(0 if i == 0 else a + (DWELL_S if i < n - 1 else 0) for i, a in enumerate(arrivals))
    running = RunningTimes(BINS.start_s, BINS.bin_s, (arrivals,) * BINS.count, (departures,) * BINS.count)
    periods = fit_periods(InputParams().policies(weekday().day_type), FIRST, LAST)
    return DirectionInput(pattern.route_id, pattern.direction_id, profile, running, periods, FIRST, LAST, 80.0, 300)


def day_inputs(network: Network, a0: list[float] | None = None) -> list[DirectionInput]:
    a0 = a0 or [10.0, 10.0, 10.0, 10.0, 10.0, 0.0]
    return [direction(network.patterns["A0"], a0), direction(network.patterns["A1"], [5.0] * 5 + [0.0]),
            direction(network.patterns["B0"], [4.0, 4.0, 4.0, 0.0]),
            direction(network.patterns["B1"], [4.0, 4.0, 4.0, 0.0])]


def study(*changes: LineChange, new_lines: tuple[NewLine, ...] = (), walk_m: float = 400.0) -> LineStudy:
    return LineStudy(tuple(changes), new_lines, walk_m)


def applied(network: Network, line_study: LineStudy, inputs: list[DirectionInput] | None = None):  # type: ignore[no-untyped-def]
    return apply_line_study(network, inputs or day_inputs(network), line_study, weekday())


def changed_input(result, route: str, direction_id: int) -> DirectionInput:  # type: ignore[no-untyped-def]
    return next(d for d in result.inputs if (d.route_id, d.direction_id) == (route, direction_id))


def test_extending_a_line_adds_its_km_and_running_time() -> None:
    network = make_network()
    result = applied(network, study(LineChange("A", 0, extend_to=("B4",))))
    a6, b4 = network.stops["A6"], network.stops["B4"]
    leg_km = distance_m(a6.lat, a6.lon, b4.lat, b4.lon) / 1000.0  # no shape runs A6 -> B4: a straight leg
    [report] = result.reports
    assert report.km_after - report.km_before == pytest.approx(leg_km)
    assert (report.stops_before, report.stops_after, report.added, report.straight_legs) == (6, 7, ("B4",), 1)
    # the new leg runs at the line's moving speed there (0.4 km in 100 s); A6 now dwells like its neighbours
    extra = leg_km / (0.4 / RUN_S) + DWELL_S
    assert (report.trip_min_after - report.trip_min_before) * 60 == pytest.approx(extra, abs=1)
    extended = changed_input(result, "A", 0)
    assert extended.profile.stop_ids[-1] == "B4" and extended.profile.pattern_id == "A0~study"
    assert result.network.patterns["A0~study"].stop_dists[-1] == pytest.approx(2000 + leg_km * 1000)
    # B4 has 4 taps an hour (line B's two directions serve it): a third for A0, alighting there
    # (as many would board, but nobody boards at a line's last stop)
    assert report.gained == pytest.approx(4.0 / 3 * BINS.count)
    assert report.riders_after == pytest.approx(report.riders_before + report.gained)


def test_removing_a_stop_moves_its_riders_to_the_neighbour_within_the_walk() -> None:
    network = make_network()
    only_a3 = [0.0, 0.0, 10.0, 0.0, 0.0, 0.0]
    inputs = day_inputs(network, only_a3)
    result = applied(network, study(LineChange("A", 0, remove_stops=("A3",)), walk_m=450.0), inputs)
    [report] = result.reports
    riders = 10.0 * BINS.count
    assert (report.removed, report.riders_before) == (("A3",), pytest.approx(riders))
    assert (report.moved, report.lost, report.riders_after) == (pytest.approx(riders), 0.0, pytest.approx(riders))
    assert report.km_after == pytest.approx(report.km_before)  # A2 -> A4 along the line's own street
    assert (report.trip_min_before - report.trip_min_after) * 60 == pytest.approx(DWELL_S)
    profile = changed_input(result, "A", 0).profile
    assert profile.stop_ids == ("A1", "A2", "A4", "A5", "A6")
    neighbour = sum(row[1] + row[2] for row in profile.boardings)  # A2 or A4, both 400 m away
    assert neighbour == pytest.approx(riders)

    far = applied(network, study(LineChange("A", 0, remove_stops=("A3",)), walk_m=300.0), inputs)
    assert (far.reports[0].lost, far.reports[0].riders_after) == (pytest.approx(riders), pytest.approx(0.0))


def test_a_line_cut_short_keeps_the_running_time_to_its_new_end() -> None:
    network = make_network()
    result = applied(network, study(LineChange("A", 0, cut_after="A4", cut_before="A2")))
    [report] = result.reports
    assert (report.stops_after, report.removed) == (3, ("A1", "A5", "A6"))
    assert report.km_after == pytest.approx(0.8)
    running = changed_input(result, "A", 0).running
    assert running.arrivals[0] == (0, RUN_S, 2 * RUN_S + DWELL_S)  # A2 -> A4 as the buses ran it
    assert report.lost > 0  # riders to A6, 800 m from the new end


def test_an_inserted_stop_runs_at_its_neighbours_speed() -> None:
    network = make_network()
    result = applied(network, study(LineChange("A", 0, add_stops=(InsertedStop("A4", "B2"),))))
    stops = changed_input(result, "A", 0).profile.stop_ids
    assert stops == ("A1", "A2", "A3", "A4", "B2", "A5", "A6")
    assert result.reports[0].straight_legs == 2 and result.reports[0].added == ("B2",)


def test_a_new_line_follows_the_streets_it_shares_and_gets_trips() -> None:
    network = make_network()
    line = NewLine("N1", ("A2", "A3", "A4", "B3"), ("B3", "A4", "A3", "A2"), 7 * 3600, 19 * 3600,
                   boardings_per_day=300.0, speed_kmh=18.0, vehicles=2)
    result = applied(network, study(new_lines=(line,)))
    outbound = changed_input(result, "N1", 0)
    assert outbound.profile.segment_km[:2] == (0.4, 0.4)  # along line A's shape
    assert sum(map(sum, outbound.profile.boardings)) == pytest.approx(300.0)
    assert outbound.running.arrivals[0][1] == round(0.4 / 18 * 3600)
    assert result.vehicles == {"N1": 2} and "N1" in result.network.routes
    rebuilt = rebuild_lines(list(result.inputs), None, RebuildParams(construction=Construction.EVEN_HEADWAY))
    new = [r for r in rebuilt.directions if r.key[0] == "N1"]
    assert len(new) == 2 and all(len(r.timetable.departures_s) >= 20 for r in new)  # every 30 min at least
    day = draft_day(result.network, frozenset({"WK"}), new)
    trips = [t for t in day.trips if t.route_id == "N1"]
    assert {t.pattern_id for t in trips} == {"N1-0~study", "N1-1~study"} and len(trips) == len(day.added)


def test_a_new_line_without_a_figure_takes_a_share_of_the_taps_at_its_stops() -> None:
    network = make_network()
    line = NewLine("N1", ("A2", "A3"), ("A3", "A2"), 7 * 3600, 18 * 3600)
    result = applied(network, study(new_lines=(line,)))
    boardings = np.asarray(changed_input(result, "N1", 0).profile.boardings)
    # A2 is served by A0 (10 an hour) and A1 (5): a third of 15 for one more line direction
    assert boardings[0, 0] == pytest.approx(5.0) and not boardings[:, 1].any()


def test_a_stop_no_line_serves_takes_the_given_figure_or_none_with_a_note() -> None:
    network = make_network()
    a6 = network.stops["A6"]
    network = replace(network, stops={**network.stops, "Z1": Stop("Z1", "Z1", a6.lat, a6.lon + 0.005)})
    silent = applied(network, study(LineChange("A", 1, prepend=("Z1",))))
    assert silent.reports[0].gained == 0.0
    assert silent.notes == ("line A direction 1: no line serves Z1 today: no taps to estimate its riders from "
                            "(none counted; give boardings_per_day)",)
    given = applied(network, study(LineChange("A", 1, prepend=("Z1",), boardings_per_day=120.0)))
    boardings = np.asarray(changed_input(given, "A", 1).profile.boardings)
    assert boardings[:, 0].sum() == pytest.approx(120.0) and given.notes == ()
    assert given.reports[0].gained == pytest.approx(120.0)  # nobody alights at a line's first stop


@pytest.mark.parametrize(("line_study", "says"), [
    (study(LineChange("Z9", 0, extend_to=("A1",))), "route 'Z9': no such line"),
    (study(LineChange("A", 0, extend_to=("NOWHERE",))), "stop 'NOWHERE': no such stop"),
    (study(LineChange("A", 0, cut_after="A1")), "leaves 1 stop (A1)"),
    (study(LineChange("A", 0, cut_after="B1")), "cut_after = 'B1': not a stop of the line"),
    (study(LineChange("A", 0, extend_to=("A3",))), "extend_to = 'A3': the line already serves it"),
    (study(LineChange("A", 0, remove_stops=("A3",)), LineChange("A", 0, cut_after="A5")), "changed twice"),
    (study(new_lines=(NewLine("N1", ("A2",), ("A2",)),)), "stops has 1 stop (A2)"),
    (study(new_lines=(NewLine("B", ("A2", "A3"), ("A3", "A2")),)), "'B' is already a line"),
])
def test_bad_line_studies_are_refused_naming_the_problem(line_study: LineStudy, says: str) -> None:
    with pytest.raises(InputError, match=says.replace("(", r"\(").replace(")", r"\)")):
        applied(make_network(), line_study)
