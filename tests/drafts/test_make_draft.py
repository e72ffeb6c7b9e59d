"""Drafts end to end without a database: the demo city's weekday with one line
rebuilt, written as GTFS, passes our checks and re-imports with the trips
written; blocks come from the engine, or from FIFO chaining when it fails."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from feeds.democity import build_demo_feed
from feeds.drafts.make import BaseSchedule, DraftRequest, NewDraft, headline, make_draft
from feeds.schedules.days import DayType, typical_day
from feeds.schedules.depots import DepotSite, demo_city_depots
from optimizer.timetable.draft import BlockSource
from tests.drafts.helpers import gtfs_validator, rebuild_evenly
from tests.schedules.smallcity import read_zip_table, small_city_zip
from transit.gtfs.feed import load_feed
from transit.gtfs.problems import Level
from transit.gtfs.tables import read_tables, write_tables
from transit.gtfs.validate import check_feed

LINE = "L05"


@pytest.fixture(scope="module")
def demo() -> BaseSchedule:
    data = write_tables(build_demo_feed(7))
    return BaseSchedule(1, "democity.zip", data, load_feed(data, "democity.zip").network)


@pytest.fixture(scope="module")
def demo_draft(demo: BaseSchedule) -> NewDraft:
    services = typical_day(demo.network, DayType.WEEKDAY).service_ids
    request = DraftRequest(services, (rebuild_evenly(demo.network, services, LINE, 0, 8 * 60),),
                           scenario="weekday", params={"method": "even_headway"}, depots=demo_city_depots(),
                           block_time_limit_s=30.0, created_by="tester")
    return make_draft(demo, demo, request, time.monotonic)


def test_the_demo_weekday_with_a_line_rebuilt_passes_our_checks_and_reimports(
        demo: BaseSchedule, demo_draft: NewDraft) -> None:
    day = demo_draft.day
    assert day.service_ids == frozenset({"WKD"}) and len(day.added) > len(day.removed) > 0
    tables, problems = read_tables(demo_draft.feed_zip, "draft.zip")
    errors = [p for p in problems + check_feed(tables) if p.level is Level.ERROR]
    assert errors == []
    network = load_feed(demo_draft.feed_zip, "draft.zip").network
    assert len(network.trips) == len(demo.network.trips) - len(day.removed) + len(day.added)
    assert not {t.trip_id for t in day.removed} & set(network.trips)
    for trip in (t for t in day.trips if t.trip_id in set(day.added)):
        stored = network.trips[trip.trip_id]
        assert (stored.arrivals, stored.departures, stored.service_id) == (trip.arrivals, trip.departures, "WKD")
        assert network.patterns[stored.pattern_id].stop_ids == demo.network.patterns[trip.pattern_id].stop_ids
    # The rebuilt line's weekday trips, both directions, run in the engine's blocks; others keep theirs.
    assert demo_draft.blocks.source is BlockSource.ENGINE
    line_trips = [t for t in network.trips.values() if t.route_id == LINE and t.service_id == "WKD"]
    assert {t.block_id for t in line_trips} == set(demo_draft.blocks.block_of.values())
    kept = next(t for t in demo.network.trips.values() if t.route_id != LINE and t.service_id == "WKD")
    assert network.trips[kept.trip_id].block_id == kept.block_id


def test_the_kpis_and_diff_compare_the_same_day(demo_draft: NewDraft) -> None:
    day, kpis, diff = demo_draft.day, demo_draft.kpis, demo_draft.diff
    (draft_row,), (live_row,) = kpis["draft"]["directions"], kpis["live"]["directions"]
    assert draft_row["supply"]["trips"] == len([t for t in day.added if t.startswith(f"{LINE}-0-")])
    assert live_row["supply"]["trips"] == len(day.removed)
    assert kpis["draft"]["total"]["trips"] - kpis["live"]["total"]["trips"] == len(day.added) - len(day.removed)
    assert headline(kpis)["trips"]["delta"] == len(day.added) - len(day.removed)
    counts = diff["counts"]
    assert counts["added"] - counts["removed"] == len(day.added) - len(day.removed)
    assert {(d["route_id"], d["direction_id"]) for d in diff["directions"]} == {(LINE, 0)}
    assert demo_draft.params["blocks"]["source"] == "engine" and demo_draft.params["method"] == "even_headway"
    json.dumps([kpis, diff, demo_draft.params, demo_draft.notes])  # all of it storable as jsonb


@pytest.mark.slow
def test_the_demo_draft_has_no_gtfs_validator_errors(demo_draft: NewDraft, tmp_path: Path) -> None:
    validator = gtfs_validator()
    if validator is None:
        pytest.skip("gtfs-validator not installed (pip install gtfs-validator, the 'test' extra)")
    feed = tmp_path / "draft.zip"
    feed.write_bytes(demo_draft.feed_zip)
    run = subprocess.run([validator, "-i", str(feed), "--stdout"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300, check=True)
    errors = {n["code"]: n.get("totalNotices") for n in json.loads(run.stdout)["notices"] if n["severity"] == "ERROR"}
    assert not errors


@pytest.mark.parametrize(("depots", "why"), [
    ((), "no depots given"),
    ((DepotSite("D", 35.0, 109.001, 0),), "the engine found no blocking"),
])
def test_without_an_engine_blocking_the_draft_is_chained_fifo_and_says_so(
        depots: tuple[DepotSite, ...], why: str) -> None:
    data = small_city_zip()
    base = BaseSchedule(3, "smallcity.zip", data, load_feed(data, "smallcity.zip").network)
    request = DraftRequest(frozenset({"WK"}), (rebuild_evenly(base.network, frozenset({"WK"}), "R1", 0, 600),),
                           scenario="weekday", depots=depots)
    draft = make_draft(base, base, request, time.monotonic)
    assert draft.blocks.source is BlockSource.FIFO and why in draft.blocks.note
    assert draft.notes[0]["source"] == "blocks:fifo" and why in draft.notes[0]["message"]
    blocks = {row["trip_id"]: row["block_id"] for row in read_zip_table(draft.feed_zip, "trips")}
    # R1's new 08:00 trip and d (09:00 back) share a bus; line 2 keeps its block.
    assert blocks["R1-0-WK-0800"] == blocks["d"] == "R1-draft-WK-F001"
    assert blocks["b"] == blocks["c"] == "B2"
