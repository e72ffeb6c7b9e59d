"""`transit optimize` end to end on a real database: a day's stored taps and
stop events become a stored draft that `transit drafts` lists and exports as a
GTFS zip that loads again; bad options are refused, naming what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.observed import schedule_zip
from tests.simulator.helpers import WEEKDAY
from transit.cli import EXIT_INVALID_INPUT
from transit.gtfs.feed import load_feed


@pytest.fixture
def transit(observed_transit):  # type: ignore[no-untyped-def]
    return observed_transit


def test_a_draft_from_an_observed_day(transit, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    assert transit("optimize", "--day", str(WEEKDAY), "--line", "L1", "--budget", "1") == 0
    out = capsys.readouterr().out
    assert "scenario weekday: 2 directions rebuilt, 0 refused" in out and "stored as draft 1" in out
    assert "how each direction was timed" in out and "the rebuilt day" in out

    assert transit("drafts") == 0
    assert "weekday" in capsys.readouterr().out
    zipped = tmp_path / "draft.zip"
    assert transit("drafts", "export", "1", "--out", str(zipped)) == 0
    draft = load_feed(zipped.read_bytes(), "draft.zip").network
    base = load_feed(schedule_zip(), "small.zip").network
    # L2 is as it was; L1 was rebuilt from its riders (a new set of trips, none of the old ids).
    assert {t for t in draft.trips if draft.trips[t].route_id == "L2"} == {
        t for t in base.trips if base.trips[t].route_id == "L2"}
    rebuilt = [t for t in draft.trips.values() if t.route_id == "L1"]
    assert rebuilt and not {t.trip_id for t in rebuilt} & set(base.trips)

    # The draft's day blocked again by the block engine, beside the live version's blocks (issue 12).
    stop = next(iter(base.stops.values()))
    depots = tmp_path / "depots.csv"
    depots.write_text(f"name,lat,lon,capacity\nD1,{stop.lat},{stop.lon},40\n", encoding="utf-8")
    assert transit("blocks", "--draft", "1", "--depots", str(depots), "--time-limit", "20") == 0
    assert "draft 1: new blocks" in capsys.readouterr().out
    assert transit("blocks", "--draft", "9") == EXIT_INVALID_INPUT
    assert "timetable draft 9 not found: see `transit drafts`" in capsys.readouterr().err


@pytest.mark.parametrize(("args", "says"), [
    (("--line", "NOPE"), "--line NOPE: no such line in the schedule"),
    (("--scenario", "monsoon"), "scenario 'monsoon': neither a file nor one of weekday"),
    (("--day", "2025-03-20"), "day 2025-03-20: no stop events stored for that service day"),
    (("--version", "9"), "schedule version 9 not found: see `transit versions`"),
    (("--hub", "NOWHERE"), "hub stop NOWHERE: no such stop in the schedule"),
    (("--hub", "L1-0-S06", "--hub-window", "-1"), "--hub-window -1: give 0 or more"),
    (("--hub", "L1-0-S06", "--short-turns"), "short turns with hubs: not run together"),
])
def test_bad_options_are_refused_with_what_is_wrong(transit, capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
                                                    args: tuple[str, ...], says: str) -> None:
    assert transit("optimize", "--budget", "0", *args) == EXIT_INVALID_INPUT
    assert says in capsys.readouterr().err


def test_transfers_timed_at_a_hub_are_reported(transit, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    # The two lines run 1 km apart: a 1.1 km walk makes one hub of L1's sixth stop and L2's stops near it.
    assert transit("optimize", "--day", str(WEEKDAY), "--budget", "0", "--hub", "L1-0-S06",
                   "--hub-walk", "1100", "--hub-budget", "2") == 0
    out = capsys.readouterr().out
    assert "transfers at hubs: optimizer estimate (the closed-loop simulator has no transfers)" in out
    assert "L1-0-S06" in out and "s of its 2 s budget)" in out and "hub bound by" in out
    assert transit("drafts", "show", "1") == 0  # the draft keeps the hub waits in its KPIs
    assert "transfers at hubs: optimizer estimate" in capsys.readouterr().out
