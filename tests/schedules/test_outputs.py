"""The new blocks written out: GTFS block_ids for the day's trips (the other
days' trips keep theirs) and the TODS deadheads between them."""

from __future__ import annotations

from collections import defaultdict

import pytest

from feeds.schedules.blocking import ScheduleProblem, schedule_problem
from feeds.schedules.days import DayType, typical_day
from feeds.schedules.depots import DepotSite
from feeds.schedules.kpis import VehicleBlock, engine_blocks
from feeds.schedules.params import BlockingParams
from feeds.schedules.tods import DEADHEAD_TIMES_COLUMNS, DEADHEADS_COLUMNS, tods_tables
from optimizer.blocks import block_trips
from tests.gtfs.tinyfeed import zip_feed
from tests.optimizer.helpers import seconds
from tests.schedules.smallcity import SMALL_CITY, read_zip_table, small_city, small_city_zip
from transit.gtfs.blocks import BlockIdClash, with_blocks
from transit.model.service_days import format_gtfs_time

PARAMS = BlockingParams()


def _blocks() -> tuple[ScheduleProblem, list[VehicleBlock]]:
    network = small_city()
    problem = schedule_problem(network, typical_day(network, DayType.WEEKDAY).trips,
                               [DepotSite("D", 35.0, 109.001, 3)], PARAMS)
    return problem, engine_blocks(block_trips(problem.blocking_input, seconds()), "weekday")


def test_tods_deadheads_leave_the_depot_change_stands_and_go_back() -> None:
    problem, blocks = _blocks()
    tables = tods_tables(problem, blocks)
    columns, deadheads = tables["deadheads"]
    assert columns == DEADHEADS_COLUMNS
    # Out to a, SB -> SB2 between a and b, SB2 -> SB between c and d, back after d.
    assert [(row[0], row[4], row[5]) for row in deadheads] == [
        ("D-weekday-001-dh1", "a", ""), ("D-weekday-001-dh2", "b", "a"),
        ("D-weekday-001-dh3", "d", "c"), ("D-weekday-001-dh4", "", "d")]
    assert {(row[1], row[2]) for row in deadheads} == {("WK", "D-weekday-001")}
    columns, times = tables["deadhead_times"]
    assert columns == DEADHEAD_TIMES_COLUMNS
    # Depot D is 91 m from SA, stand SB2 100 m from SB.
    pulled_out = format_gtfs_time(8 * 3600 - PARAMS.drive_s(91.2))
    assert times[0][1:6] == (pulled_out, pulled_out, "depot:D", "", "0")
    assert times[1][1:6] == ("08:00:00", "08:00:00", "", "SA", "1")
    at_sb2 = format_gtfs_time(8 * 3600 + 600 + PARAMS.drive_s(100.0))
    assert times[2][1:6] == ("08:10:00", "08:10:00", "", "SB", "0")
    assert times[3][1:6] == (at_sb2, at_sb2, "", "SB2", "1")
    assert tables["ops_locations"][1] == [("depot:D", "", "D", "depot", "35.000000", "109.001000")]


def test_the_new_block_ids_replace_the_days_and_cover_each_trip_once() -> None:
    problem, blocks = _blocks()
    block_of = {trip: block.block_id for block in blocks for trip in block.trip_ids}
    data = with_blocks(small_city_zip(), "smallcity.zip", block_of, tods_tables(problem, blocks))
    trips = read_zip_table(data, "trips")
    assert sorted(row["trip_id"] for row in trips) == ["a", "b", "c", "d"]
    members = defaultdict(list)
    for row in trips:
        members[row["block_id"]].append(row["trip_id"])
    assert {block: sorted(ids) for block, ids in members.items()} == {
        block.block_id: sorted(block.trip_ids) for block in blocks}
    assert len(read_zip_table(data, "deadheads")) == 4
    assert read_zip_table(data, "stops") == read_zip_table(small_city_zip(), "stops")


def test_trips_of_other_days_keep_their_blocks_and_a_clash_is_refused() -> None:
    weekend = dict(SMALL_CITY)
    weekend["trips"] = SMALL_CITY["trips"] + "R1,WE,e,0,B9,中心站\n"
    weekend["stop_times"] = SMALL_CITY["stop_times"] + "e,10:00:00,10:00:00,SA,1\ne,10:10:00,10:10:00,SB,2\n"
    weekend["calendar"] = SMALL_CITY["calendar"] + "WE,0,0,0,0,0,1,1,20260101,20261231\n"
    data = with_blocks(zip_feed(weekend), "weekend.zip", {t: "X-1" for t in "abcd"}, {})
    assert {row["trip_id"]: row["block_id"] for row in read_zip_table(data, "trips")}["e"] == "B9"
    with pytest.raises(BlockIdClash, match="B9 already belong to trips of other days"):
        with_blocks(zip_feed(weekend), "weekend.zip", {t: "B9" for t in "abcd"}, {})
