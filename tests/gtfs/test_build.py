"""The network built from a feed: patterns, distances, times past midnight, service days."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.gtfs.tinyfeed import TINY_FEED, zip_feed
from transit.gtfs.feed import load_feed
from transit.model.network import Network
from transit.model.service_days import format_gtfs_time, list_trips_on, parse_gtfs_time, to_unix


@pytest.fixture(scope="module")
def network() -> Network:
    return load_feed(zip_feed(TINY_FEED), "tiny.zip").network


def test_trips_share_one_pattern_with_stops_along_the_shape(network: Network) -> None:
    patterns = {t.pattern_id for t in network.trips.values()}
    assert len(patterns) == 1
    pattern = network.patterns[patterns.pop()]
    assert pattern.stop_ids == ("S1", "S2", "S3")
    shape = network.shapes[pattern.shape_id]
    assert pattern.stop_dists[0] == 0.0
    assert pattern.stop_dists[-1] == pytest.approx(shape.length)
    assert 0 < pattern.stop_dists[1] < pattern.stop_dists[2]


def test_blank_times_are_interpolated_by_distance(network: Network) -> None:
    trip = network.trips["T1"]
    pattern = network.patterns[trip.pattern_id]
    share = pattern.stop_dists[1] / pattern.stop_dists[2]
    expected = 7 * 3600 + share * 600
    assert trip.arrivals[1] == pytest.approx(expected, abs=1)
    assert trip.departures[1] == trip.arrivals[1]


def test_times_past_midnight_stay_on_their_service_day(network: Network) -> None:
    night = network.trips["N1"]
    assert night.start == parse_gtfs_time("24:40:00") == 88800
    instant = datetime.fromtimestamp(to_unix(date(2026, 3, 2), night.start, network.timezone),
                                     ZoneInfo("Asia/Shanghai"))
    assert instant == datetime(2026, 3, 3, 0, 40, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert format_gtfs_time(night.start) == "24:40:00"


def test_calendar_exceptions(network: Network) -> None:
    thursday, saturday_added = date(2026, 10, 1), date(2026, 10, 3)
    assert list_trips_on(network, thursday) == []
    assert [t.trip_id for t in list_trips_on(network, saturday_added)] == ["T1", "T2", "N1"]
    assert list_trips_on(network, date(2026, 10, 4)) == []  # an ordinary Sunday


def test_blocks_are_ordered_by_departure(network: Network) -> None:
    assert network.trips_by_block == {"B1": ("T1", "T2"), "B2": ("N1",)}


@pytest.mark.parametrize("text", ["7:00", "07:60:00", "ab:00:00", ""])
def test_parse_gtfs_time_rejects_malformed(text: str) -> None:
    with pytest.raises(ValueError):
        parse_gtfs_time(text)
