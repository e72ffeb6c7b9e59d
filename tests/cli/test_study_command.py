"""`transit study FILE.toml`: a what-if read from TOML (every error names its
key), run like `transit optimize` and shown beside the live version; stored
only when asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds.timetables.study import parse_study
from optimizer.timetable.errors import InputError
from tests.simulator.helpers import WEEKDAY
from transit.cli import EXIT_INVALID_INPUT
from transit.gtfs.feed import load_feed

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "study-tourist-fleet.toml"


def test_the_example_study_reads_whole() -> None:
    study = parse_study(EXAMPLE.read_text(encoding="utf-8"), str(EXAMPLE))
    assert study.name == "tourist season, 10 more buses" and str(study.day) == "2026-11-25"
    assert study.run.fleet_change == 10 and study.run.weights.vehicle_hour == 250
    assert study.scenario is not None and study.scenario.stops["S0670"] == 3.0
    assert study.scenario.periods["midday"].max_headway_s == 900


def test_the_season_study_gives_the_added_buses_to_the_tourist_lines() -> None:
    path = EXAMPLE.with_name("study-tourist-season-lines.toml")
    study = parse_study(path.read_text(encoding="utf-8"), str(path))
    assert study.run.lines == ("T1", "T2", "T3", "T4") and study.run.fleet_change == 60
    assert study.run.weights.over_capacity_per_passenger == 300 and str(study.day) == "2026-07-15"
    assert study.scenario is not None and str(study.scenario.service_date) == "2026-07-15"
    assert study.scenario.lines == {"T1": 5.0, "T2": 5.0, "T3": 5.0, "T4": 5.0}


@pytest.mark.parametrize(("text", "key"), [
    ("colour = 'red'", "colour"),
    ("fleet = 'many'", "fleet"),
    ("fleet_change = true", "fleet_change"),
    ("lines = 'L1'", "lines"),
    ("method = 'guess'", "method"),
    ("day = 'soon'", "day"),
    ("[weights]\nspeed = 1", "weights.speed"),
    ("[weights]\nvehicle_hour = -5", "weights.vehicle_hour"),
    ("[scenario]\nname = 'x'", "day_type"),
    ("[[hubs]]\nstops = 'S1'", "hubs.stops"),
    ("[[hubs]]\nwalk_m = 100", "hubs.stop"),
    ("[[hubs]]\nstop = 'S1'\nwalk_m = -1", "hubs.walk_m"),
    ("hubs = 'S1'", "hubs"),
    ("hub_window_min = -1", "hub_window_min"),
    ("short_turns = 'yes'", "short_turns"),
])
def test_each_bad_key_is_named(text: str, key: str) -> None:
    with pytest.raises(InputError) as error:
        parse_study(text, "study.toml")
    assert error.value.key == key and "study.toml" in str(error.value)


def test_hubs_are_read_with_their_walks_and_the_hub_options() -> None:
    study = parse_study("hub_max_wait_min = 8\nhub_window_min = 2\n[[hubs]]\nstop = 'S1'\n"
                        "[[hubs]]\nstop = 'S2'\nwalk_m = 150\n", "study.toml")
    assert [(h.stop_id, h.walk_m) for h in study.run.hubs] == [("S1", None), ("S2", 150.0)]
    assert (study.run.hub_params.max_wait_s, study.run.hub_params.window_s) == (480, 120)


@pytest.fixture
def transit(observed_transit):  # type: ignore[no-untyped-def]
    return observed_transit


def test_a_fleet_cut_is_shown_beside_the_live_version(transit, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    study = tmp_path / "cut.toml"
    study.write_text(f'name = "two buses fewer"\nday = {WEEKDAY}\nfleet_change = -2\nbudget_s = 0\n'
                     '[scenario]\nday_type = "weekday"\n[scenario.periods.midday]\nmax_headway_min = 30\n',
                     encoding="utf-8")
    assert transit("study", str(study)) == 0
    out = capsys.readouterr().out
    assert "study 'two buses fewer'" in out and "not stored" in out and "the rebuilt day" in out
    assert transit("drafts") == 0 and "two buses fewer" not in capsys.readouterr().out
    assert transit("study", str(study), "--save") == 0 and "stored as draft 1" in capsys.readouterr().out
    assert transit("drafts") == 0 and "two buses fewer" in capsys.readouterr().out

    unknown = tmp_path / "unknown.toml"
    unknown.write_text('[scenario]\nday_type = "weekday"\n[scenario.stops]\nNOWHERE = 2.0\n', encoding="utf-8")
    assert transit("study", str(unknown)) == EXIT_INVALID_INPUT
    assert "NOWHERE" in capsys.readouterr().err
    assert transit("study", str(tmp_path / "missing.toml")) == EXIT_INVALID_INPUT
    assert "cannot read it" in capsys.readouterr().err


def test_short_turns_are_shown_and_saved_when_asked(transit, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    study = tmp_path / "short.toml"
    study.write_text(f'name = "short turns"\nday = {WEEKDAY}\nbudget_s = 0\nshort_turns = true\n', encoding="utf-8")
    assert parse_study(study.read_text(encoding="utf-8"), str(study)).run.short_turns
    assert transit("study", str(study)) == 0
    assert "not stored" in capsys.readouterr().out
    assert transit("study", str(study), "--save") == 0 and "stored as draft 1" in capsys.readouterr().out


LINES_STUDY = """
walk_m = 350
[[line_changes]]
route = "L05"
direction = 1
cut_after = "S0400"
remove_stops = ["S0133"]
add_stops = [{after = "S0120", stop = "S0777"}]
extend_to = ["S0500", "S0501"]
boardings_per_day = 40
[[new_lines]]
route = "N1"
stops = ["S0110", "S0200", "S0517"]
first = "06:00"
last = "21:30"
vehicles = 3
"""


def test_line_changes_and_new_lines_are_read() -> None:
    study = parse_study(LINES_STUDY, "study.toml")
    lines = study.run.line_study
    [change] = lines.changes
    assert (change.route_id, change.direction_id, change.cut_after, change.remove_stops) == (
        "L05", 1, "S0400", ("S0133",))
    assert change.add_stops[0].after == "S0120" and change.extend_to == ("S0500", "S0501")
    assert change.boardings_per_day == 40.0 and lines.walk_m == 350.0
    [line] = lines.new_lines
    assert line.return_stops == ("S0517", "S0200", "S0110")  # the stops reversed when not given
    assert (line.first_departure_s, line.last_departure_s, line.vehicles) == (6 * 3600, 21 * 3600 + 1800, 3)


@pytest.mark.parametrize(("text", "key"), [
    ("[[line_changes]]\nroute = 'L1'", "line_changes.direction"),
    ("[[line_changes]]\ndirection = 0", "line_changes.route"),
    ("[[line_changes]]\nroute = 'L1'\ndirection = 2", "line_changes.direction"),
    ("[[line_changes]]\nroute = 'L1'\ndirection = 0\nextend = ['S1']", "line_changes.extend"),
    ("[[line_changes]]\nroute = 'L1'\ndirection = 0\nadd_stops = ['S1']", "line_changes.add_stops"),
    ("[[new_lines]]\nroute = 'N1'\nstops = ['S1', 'S2']\nfirst = '25h'", "new_lines.first"),
    ("[[new_lines]]\nroute = 'N1'\nstops = ['S1', 'S2']\nvehicles = -1", "new_lines.vehicles"),
    ("walk_m = -5", "walk_m"),
    ("line_changes = 'L1'", "line_changes"),
])
def test_each_bad_line_study_key_is_named(text: str, key: str) -> None:
    with pytest.raises(InputError) as error:
        parse_study(text, "study.toml")
    assert error.value.key == key and "study.toml" in str(error.value)


def test_a_line_extended_and_a_new_line_are_shown_beside_the_live_version(  # type: ignore[no-untyped-def]
        transit, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    study = tmp_path / "lines.toml"
    study.write_text(f'name = "L1 to L2"\nday = {WEEKDAY}\nbudget_s = 0\n'
                     '[[line_changes]]\nroute = "L1"\ndirection = 0\nextend_to = ["L2-0-S12"]\n'
                     '[[new_lines]]\nroute = "N1"\nstops = ["L1-0-S03", "L2-0-S03", "L2-0-S06"]\n'
                     'boardings_per_day = 200\nvehicles = 2\n', encoding="utf-8")
    assert transit("study", str(study)) == 0
    out = capsys.readouterr().out
    assert "what the line changes did" in out and "L2-0-S12" in out and "N1" in out
    assert "0 -> 200" in out and "/ -" in out  # the new line's riders; no live side to compare it with
    assert "not stored" in out and "the rebuilt day" in out
    # Stored: its GTFS has the changed and new lines' patterns, and imports as a version.
    assert transit("study", str(study), "--save") == 0 and "stored as draft 1" in capsys.readouterr().out
    assert transit("drafts", "show", "1") == 0 and "N1" in capsys.readouterr().out
    exported = tmp_path / "draft.zip"
    assert transit("drafts", "export", "1", "--out", str(exported)) == 0
    network = load_feed(exported.read_bytes(), "draft.zip").network
    new_line = {network.patterns[t.pattern_id].stop_ids for t in network.trips.values() if t.route_id == "N1"}
    assert ("L1-0-S03", "L2-0-S03", "L2-0-S06") in new_line and network.routes["N1"].route_type == 3
    assert any(p.route_id == "L1" and p.stop_ids[-1] == "L2-0-S12" for p in network.patterns.values())
    capsys.readouterr()
    assert transit("import-gtfs", str(exported)) == 0

    bad = tmp_path / "bad.toml"
    bad.write_text('[[line_changes]]\nroute = "L1"\ndirection = 0\ncut_after = "L1-0-S01"\n', encoding="utf-8")
    assert transit("study", str(bad)) == EXIT_INVALID_INPUT
    assert "leaves 1 stop (L1-0-S01)" in capsys.readouterr().err
