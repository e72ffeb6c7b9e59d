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

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "study-tourist-fleet.toml"


def test_the_example_study_reads_whole() -> None:
    study = parse_study(EXAMPLE.read_text(encoding="utf-8"), str(EXAMPLE))
    assert study.name == "tourist season, 10 more buses" and str(study.day) == "2026-11-25"
    assert study.run.fleet_change == 10 and study.run.weights.vehicle_hour == 250
    assert study.scenario is not None and study.scenario.stops["S0670"] == 3.0
    assert study.scenario.periods["midday"].max_headway_s == 900


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
