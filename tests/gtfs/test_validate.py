"""What a broken feed gets: InvalidFeed naming file, line and field; never a half-built network."""

from __future__ import annotations

import pytest

from tests.gtfs.tinyfeed import TINY_FEED, replace_line, with_changes, zip_feed
from transit.gtfs.feed import load_feed
from transit.gtfs.problems import InvalidFeed


def errors_of(data: bytes) -> list[tuple[str, int | None, str | None]]:
    with pytest.raises(InvalidFeed) as caught:
        load_feed(data, "feed.zip")
    return [(p.file, p.line, p.field) for p in caught.value.errors]


def test_the_tiny_feed_loads() -> None:
    loaded = load_feed(zip_feed(TINY_FEED), "feed.zip")
    assert loaded.summary()["trips"] == 3
    assert loaded.warnings == ()


def test_not_a_zip_is_named() -> None:
    assert errors_of(b"this is not a zip") == [("feed.zip", None, None)]


def test_missing_required_file() -> None:
    assert ("stop_times.txt", None, None) in errors_of(with_changes(stop_times=None))


def test_missing_both_calendars() -> None:
    assert ("calendar.txt", None, None) in errors_of(with_changes(calendar=None, calendar_dates=None))


def test_missing_required_column_names_the_column() -> None:
    stops = "stop_id,stop_name,stop_lat\nS1,a,35.0\n"
    problems = errors_of(with_changes(stops=stops))
    assert ("stops.txt", 1, "stop_lon") in problems


def test_stop_without_coordinates_names_its_line() -> None:
    stops = replace_line("stops", "S2,红旗街十字,35.0720,109.0760", "S2,红旗街十字,,109.0760")
    assert errors_of(with_changes(stops=stops)) == [("stops.txt", 3, "stop_lat")]


def test_times_going_backwards() -> None:
    times = replace_line("stop_times", "T2,08:09:00,08:09:00,S3,3", "T2,08:03:00,08:03:00,S3,3")
    assert errors_of(with_changes(stop_times=times)) == [("stop_times.txt", 7, "arrival_time")]


def test_departure_before_arrival() -> None:
    times = replace_line("stop_times", "T2,08:04:00,08:04:20", "T2,08:04:00,08:03:20")
    assert ("stop_times.txt", 6, "departure_time") in errors_of(with_changes(stop_times=times))


def test_malformed_time() -> None:
    times = replace_line("stop_times", "T2,08:04:00", "T2,8h04")
    assert ("stop_times.txt", 6, "arrival_time") in errors_of(with_changes(stop_times=times))


def test_unknown_stop_and_route_references() -> None:
    times = replace_line("stop_times", "T2,08:04:00,08:04:20,S2", "T2,08:04:00,08:04:20,S9")
    trips = replace_line("trips", "R1,WK,T2", "R7,WK,T2")
    problems = errors_of(with_changes(stop_times=times, trips=trips))
    assert ("stop_times.txt", 6, "stop_id") in problems
    assert ("trips.txt", 3, "route_id") in problems


def test_every_problem_is_collected_not_just_the_first() -> None:
    stops = replace_line("stops", "S3,七一路口,35.0750,109.0800", "S3,七一路口,95,109.0800")
    times = replace_line("stop_times", "N1,24:50:00,24:50:00", "N1,24:30:00,24:30:00")
    problems = errors_of(with_changes(stops=stops, stop_times=times))
    assert ("stops.txt", 4, "stop_lat") in problems
    assert ("stop_times.txt", 10, "arrival_time") in problems


def test_error_message_is_readable() -> None:
    stops = replace_line("stops", "S2,红旗街十字,35.0720,109.0760", "S2,红旗街十字,,109.0760")
    with pytest.raises(InvalidFeed, match=r"stops.txt:3 stop_lat='' \(S2\)"):
        load_feed(with_changes(stops=stops), "feed.zip")
