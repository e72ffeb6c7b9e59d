"""The live view's pure parts: the recent departures book, where a bus sits
on its line's ladder, whether a line's data is fresh, and the map's
projection of the network's own shapes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.console.live_helpers import DAY, EIGHT, NETWORK, at, bus, departures, left, run, trip_id
from transit.console.basemap import Projection, shape_paths
from transit.console.headways import ScheduledHeadways, list_headways, summarize
from transit.console.ladder import list_rails, place, position_along
from transit.console.line_status import LineState, ScheduledService, list_line_freshness
from transit.records import StopEvent
from transit.tracking.departures import DepartureBook

A, B = trip_id(EIGHT), trip_id(EIGHT + 600)
BACK = trip_id(EIGHT + 1200, 1)  # direction 1, 08:20


def test_the_book_keeps_departures_in_time_order_and_a_repeat_replaces() -> None:
    recent = departures([left("b", B, 3), left("a", A, 3), left("a", A, 3, 30)])
    at_stop = recent.list_at("L1", 0, "L1-0-S04")
    assert [(d.vehicle_id, d.time) for d in at_stop] == [("a", at(EIGHT + 180 + 30)), ("b", at(EIGHT + 780))]
    assert at_stop[0].scheduled == at(EIGHT + 180) and at_stop[0].stop_index == 3
    assert recent.list_at("L1", 1, "L1-0-S04") == ()


def test_the_book_forgets_what_is_an_hour_older_than_the_newest_and_skips_arrivals_only() -> None:
    book = DepartureBook(NETWORK)
    book.add([left("a", A, 0)])
    first = book.publish()
    assert book.publish() is first  # unchanged: the same object
    late = trip_id(EIGHT + 3600 + 600)
    book.add([left("z", late, 0)])
    assert [d.vehicle_id for d in book.publish().list_at("L1", 0, "L1-0-S01")] == ["z"]
    last = StopEvent(DAY, A, 12, "L1-0-S12", "a", at(EIGHT + 660), None)  # stays on layover
    book.add([last])
    assert book.publish().list_at("L1", 0, "L1-0-S12") == ()


def test_headways_are_summarised_per_line_and_direction() -> None:
    now = at(EIGHT + 960)
    recent = departures(run("a", A, 6, 120) + run("b", B, 6))
    headways = list_headways(NETWORK, ScheduledHeadways(NETWORK), [bus("a", A, 6, now), bus("b", B, 6, now)],
                             recent, now)
    (measured,) = headways
    assert (measured.vehicle_id, measured.ahead_id, measured.actual_s, measured.scheduled_s) == ("b", "a", 480, 600)
    assert measured.ratio == pytest.approx(0.8)
    summary = summarize(headways)[("L1", 0)]
    assert (summary.buses, summary.actual_s, summary.scheduled_s) == (1, 480, 600)


def test_a_rail_per_direction_and_buses_placed_by_distance_along() -> None:
    rails = list_rails(NETWORK, "L1")
    assert [(r.direction_id, r.pattern_id, len(r.stop_ids)) for r in rails] == [(0, "L1-0", 12), (1, "L1-1", 12)]
    pattern = NETWORK.patterns["L1-0"]
    assert position_along(pattern, -5) == 0.0 and position_along(pattern, 10_000) == 11.0
    assert position_along(pattern, 1000) == pytest.approx(2.5)
    now = at(EIGHT)
    assert place(NETWORK, rails[0], bus("a", A, 3, now, along=1000)) == pytest.approx(2.5)
    assert place(NETWORK, rails[1], bus("a", A, 3, now, along=1000)) is None  # the other direction's rail
    assert place(NETWORK, rails[1], bus("r", BACK, 3, now, along=1000)) == pytest.approx(2.5)
    assert place(NETWORK, rails[0], replace(bus("a", A, 3, now), trip=None)) is None


def test_a_line_is_live_stale_or_idle() -> None:
    service = ScheduledService(NETWORK)
    now = at(EIGHT + 300)
    assert service.running("L1", now) > 0 and service.running("L1", at(23 * 3600)) == 0
    live = list_line_freshness(NETWORK, service, [bus("a", A, 5, now - 20), bus("b", B, 1, now - 900)], now)
    assert live["L1"].state is LineState.LIVE and live["L1"].live_buses == 1 and live["L1"].heard_at == now - 20
    stale = list_line_freshness(NETWORK, service, [bus("b", B, 1, now - 301)], now)["L1"]
    assert stale.state is LineState.STALE and stale.heard_at == now - 301 and stale.scheduled_trips > 0
    assert list_line_freshness(NETWORK, service, [], now)["L1"].heard_at is None
    night = at(23 * 3600)
    assert list_line_freshness(NETWORK, service, [], night)["L1"].state is LineState.IDLE


def test_the_map_fits_every_shape_on_the_page() -> None:
    projection = Projection.of(NETWORK)
    paths = shape_paths(NETWORK, projection)
    assert [route for route, _ in paths] == ["L1", "L1"]
    for _, d in paths:
        points = [tuple(map(float, p.split(","))) for p in d[1:].split("L")]
        assert all(0 <= x <= projection.width and 0 <= y <= projection.height for x, y in points)
        assert len(points) >= 2
    west = min(NETWORK.stops.values(), key=lambda s: s.lon)
    east = max(NETWORK.stops.values(), key=lambda s: s.lon)
    assert projection.xy(west.lat, west.lon)[0] < projection.xy(east.lat, east.lon)[0]
