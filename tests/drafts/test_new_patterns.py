"""Draft trips on patterns the base feed has no trip of: short turns (a
stretch of a line's stops, on its shape; also through ``make_draft``) and a new line X9 (stops of three lines,
a shape drawn leg by leg). The zip passes our checks and gtfs-validator, and
re-imports with the stops, the shapes and the times written."""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import pytest

from feeds.democity import build_demo_feed
from feeds.drafts.make import BaseSchedule, DraftRequest, make_draft
from optimizer.timetable.draft import InvalidDraft, with_short_trips
from optimizer.timetable.short_turns import ShortTrip, short_turn_trips
from tests.drafts.helpers import gtfs_validator, rebuild_evenly
from optimizer.timetable.line_geometry import leg_lengths
from tests.schedules.smallcity import read_zip_table, small_city_zip
from transit.console.marey_sides import DirectionSides, draw, side_of, sides_as_mapping, sides_from
from transit.gtfs.draft_feed import draft_feed
from transit.gtfs.feed import load_feed
from transit.gtfs.problems import Level
from transit.gtfs.tables import read_tables, write_tables
from transit.gtfs.validate import check_feed
from transit.geo import distance_m
from transit.model.network import Network, Pattern, Route, Trip


@pytest.fixture(scope="module")
def demo() -> tuple[bytes, Network]:
    data = write_tables(build_demo_feed(7))
    return data, load_feed(data, "democity.zip").network


def _main_pattern(network: Network, route_id: str, direction_id: int) -> tuple[Pattern, Trip]:
    trips = sorted((t for t in network.trips.values() if (t.route_id, t.direction_id) == (route_id, direction_id)),
                   key=lambda t: t.trip_id)
    trip = trips[len(trips) // 2]
    return network.patterns[trip.pattern_id], trip


def _study(network: Network) -> tuple[Network, list[Trip]]:
    """L05's stops 3 to 9 as a short turn, and X9 through stops of L05, L02 and L10."""
    l05, template = _main_pattern(network, "L05", 0)
    short = Pattern("L05-short~draft", "L05", 0, l05.shape_id, l05.stop_ids[2:9], l05.stop_dists[2:9])
    origin = template.departures[2]
    short_trip = Trip("L05-0-WKD-S1", "L05", "WKD", short.pattern_id, 0, None, "",
                      template.arrivals[2:9], template.departures[2:9])
    stops = (l05.stop_ids[0], _main_pattern(network, "L02", 0)[0].stop_ids[4],
             _main_pattern(network, "L10", 0)[0].stop_ids[6])
    new = Pattern("X9-0~study", "X9", 0, "", stops, (0.0, 1.0, 2.0))
    line = [Trip(f"X9-0-WKD-{h:02d}00", "X9", "WKD", new.pattern_id, 0, None, "",
                 (h * 3600, h * 3600 + 600, h * 3600 + 1200), (h * 3600, h * 3600 + 630, h * 3600 + 1200))
            for h in (7, 8)]
    assert origin > 0
    study = replace(network, patterns={**network.patterns, short.pattern_id: short, new.pattern_id: new},
                    routes={**network.routes, "X9": Route("X9", "X9", "hospital - new district", 3)})
    return study, [short_trip, *line]


@pytest.fixture(scope="module")
def drafted(demo: tuple[bytes, Network]) -> tuple[bytes, Network, list[Trip]]:
    data, network = demo
    study, trips = _study(network)
    blocks = {t.trip_id: "X9-draft-WKD-F001" for t in trips if t.route_id == "X9"}
    return draft_feed(data, "democity.zip", study, (), trips, blocks), study, trips


def test_new_patterns_reimport_with_their_stops_times_and_shapes(
        demo: tuple[bytes, Network], drafted: tuple[bytes, Network, list[Trip]]) -> None:
    (_, base), (zipped, study, trips) = demo, drafted
    tables, problems = read_tables(zipped, "draft.zip")
    assert [p for p in problems + check_feed(tables) if p.level is Level.ERROR] == []
    network = load_feed(zipped, "draft.zip").network
    assert len(network.trips) == len(base.trips) + len(trips)
    for trip in trips:
        stored = network.trips[trip.trip_id]
        pattern = network.patterns[stored.pattern_id]
        assert pattern.stop_ids == study.patterns[trip.pattern_id].stop_ids
        assert (stored.arrivals, stored.departures, stored.service_id) == (trip.arrivals, trip.departures, "WKD")
        assert stored.headsign == network.stops[pattern.stop_ids[-1]].name
    # The short turn runs on its line's shape; both X9 trips make one pattern on a drawn shape.
    short = network.trips["L05-0-WKD-S1"]
    assert network.patterns[short.pattern_id].shape_id == study.patterns["L05-short~draft"].shape_id
    n1 = {network.trips[t.trip_id].pattern_id for t in trips if t.route_id == "X9"}
    assert len(n1) == 1
    pattern = network.patterns[n1.pop()]
    assert pattern.shape_id == "X9-0-draft-1" and network.routes["X9"].long_name == "hospital - new district"
    assert network.trips["X9-0-WKD-0700"].block_id == "X9-draft-WKD-F001"
    assert set(tables["stop_times"].loc[tables["stop_times"]["trip_id"] == "X9-0-WKD-0700", "timepoint"]) == {"1"}
    # The drawn shape runs through the stops, as long as the legs the study measured.
    legs = leg_lengths(base, pattern.stop_ids, None)
    assert pattern.stop_dists[-1] / 1000.0 == pytest.approx(sum(leg.km for leg in legs), rel=0.05)
    shape = network.shapes[pattern.shape_id]
    for stop_id in pattern.stop_ids:
        stop = network.stops[stop_id]
        assert min(distance_m(stop.lat, stop.lon, la, lo) for la, lo in zip(shape.lats, shape.lons)) < 1.0


def test_a_feed_without_shapes_gets_new_lines_without_shapes() -> None:
    data = small_city_zip()
    network = load_feed(data, "smallcity.zip").network
    new = Pattern("N1-0~study", "N1", 0, "", ("SA", "SC"), (0.0, 4000.0))
    study = replace(network, patterns={**network.patterns, new.pattern_id: new},
                    routes={**network.routes, "N1": Route("N1", "N1", "", 3)})
    trip = Trip("N1-0-WK-0700", "N1", "WK", new.pattern_id, 0, None, "", (25200, 26400), (25200, 26400))
    zipped = draft_feed(data, "smallcity.zip", study, (), [trip], {trip.trip_id: "N1-draft-WK-F001"})
    row = next(r for r in read_zip_table(zipped, "trips") if r["trip_id"] == trip.trip_id)
    assert (row["shape_id"], row["trip_headsign"], row["direction_id"]) == ("", "北站", "0")
    route = next(r for r in read_zip_table(zipped, "routes") if r["route_id"] == "N1")
    assert (route["agency_id"], route["route_type"]) == ("TC", "3")
    assert load_feed(zipped, "draft.zip").network.trips[trip.trip_id].arrivals == (25200, 26400)


def test_a_trip_on_a_pattern_the_network_lacks_is_refused(demo: tuple[bytes, Network]) -> None:
    data, network = demo
    trip = Trip("X-0-WKD-0700", "L05", "WKD", "nowhere", 0, None, "", (1, 2), (1, 2))
    with pytest.raises(ValueError, match="pattern nowhere is not in the network"):
        draft_feed(data, "democity.zip", network, (), [trip], {})


@pytest.mark.slow
def test_new_patterns_have_no_gtfs_validator_errors(drafted: tuple[bytes, Network, list[Trip]],
                                                    tmp_path: Path) -> None:
    validator = gtfs_validator()
    if validator is None:
        pytest.skip("gtfs-validator not installed (pip install gtfs-validator, the 'test' extra)")
    feed = tmp_path / "draft.zip"
    feed.write_bytes(drafted[0])
    run = subprocess.run([validator, "-i", str(feed), "--stdout"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300, check=True)
    errors = {n["code"]: n.get("totalNotices") for n in json.loads(run.stdout)["notices"] if n["severity"] == "ERROR"}
    assert not errors


def test_marey_sides_of_new_patterns_draw_and_read_back(demo: tuple[bytes, Network]) -> None:
    _, base = demo
    study, trips = _study(base)
    l05 = [t for t in base.trips.values() if (t.route_id, t.direction_id) == ("L05", 0) and t.service_id == "WKD"]
    short = [t for t in trips if t.route_id == "L05"]
    for old, new in ((l05, l05 + short), ([], [t for t in trips if t.route_id == "X9"])):  # no live side for X9
        sides = DirectionSides(side_of(base, old), side_of(study, new))
        chart = draw(sides_from(sides_as_mapping(sides)))
        assert chart is not None and draw(sides) == chart


def test_a_draft_with_short_turns_stores_them_on_a_pattern_of_their_own(demo: tuple[bytes, Network]) -> None:
    data, network = demo
    services = frozenset({"WKD"})
    rebuilt = rebuild_evenly(network, services, "L05", 0, 20 * 60)
    running = rebuilt.direction.running
    b = running.bin_at(8 * 3600)
    zero = running.departures[b][3]
    shorts = [ShortTrip(at, at - zero, tuple(max(t - zero, 0) for t in running.arrivals[b][3:8]),
                        tuple(t - zero for t in running.departures[b][3:8]), 3) for at in (8 * 3600, 8 * 3600 + 1200)]
    patterns, trips = short_turn_trips(network, rebuilt.direction, shorts, "WKD")
    line = network.patterns[rebuilt.direction.profile.pattern_id]
    [pattern] = patterns
    assert pattern.stop_ids == line.stop_ids[3:8] and pattern.shape_id == line.shape_id
    assert [t.trip_id for t in trips] == ["L05-0-WKD-0800-short", "L05-0-WKD-0820-short"]
    study = replace(network, patterns={**network.patterns, pattern.pattern_id: pattern})
    base = BaseSchedule(1, "democity.zip", data, study)
    live = BaseSchedule(1, "democity.zip", data, network)
    plain = make_draft(base, live, DraftRequest(services, (rebuilt,), scenario="weekday"), time.monotonic)
    draft = make_draft(base, live, DraftRequest(services, (rebuilt,), scenario="weekday", short_trips=trips),
                       time.monotonic)
    # KPIs and diff count the full trips; the GTFS, the blocks and the chart hold the short ones too.
    assert draft.kpis["draft"]["total"]["trips"] == plain.kpis["draft"]["total"]["trips"]
    assert draft.diff["counts"] == plain.diff["counts"]
    assert {t.trip_id for t in trips} <= set(draft.day.added) and {t.trip_id for t in trips} <= set(
        draft.blocks.block_of)
    assert len(draft.charts[("L05", 0)].new.trips) == len(plain.charts[("L05", 0)].new.trips) + 2
    reimported = load_feed(draft.feed_zip, "draft.zip").network
    for trip in trips:
        stored = reimported.trips[trip.trip_id]
        assert reimported.patterns[stored.pattern_id].stop_ids == line.stop_ids[3:8]
        assert reimported.patterns[stored.pattern_id].shape_id == line.shape_id
        assert (stored.arrivals, stored.block_id) == (trip.arrivals, draft.blocks.block_of[trip.trip_id])
    with pytest.raises(InvalidDraft, match="not rebuilt"):
        with_short_trips(plain.day, [replace(trips[0], route_id="L02", trip_id="x")])
