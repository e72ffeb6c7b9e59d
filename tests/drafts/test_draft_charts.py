"""What a draft keeps for its page's Marey charts (``NewDraft.charts``, one
row per line direction) draws the same chart, after a trip through the
store's JSON form, as the networks built from the draft's GTFS zip and the
compared version's (what the page built before, and still builds for a
draft stored without these rows)."""

from __future__ import annotations

import time

import orjson
import pytest

from feeds.democity import build_demo_feed
from feeds.drafts.make import BaseSchedule, DraftRequest, NewDraft, make_draft
from feeds.schedules.days import DayType, typical_day
from tests.drafts.helpers import rebuild_evenly
from tests.drafts.stored import small_city_draft
from tests.schedules.smallcity import small_city_zip
from transit.console.marey_sides import (BadSides, DirectionSides, direction_trips, draw, side_of, sides_as_mapping,
                                         sides_from)
from transit.console.review import line_directions
from transit.gtfs.feed import load_feed
from transit.gtfs.tables import write_tables
from transit.model.network import Network

WINDOWS = (None, (7 * 3600, 9 * 3600))


def _from_networks(draft: NewDraft, live: Network, key: tuple[str, int]) -> DirectionSides:
    """The sides as a draft page takes them from built networks."""
    built = load_feed(draft.feed_zip, "draft.zip").network
    services = frozenset(draft.params["service_ids"])
    return DirectionSides(side_of(live, direction_trips(live.trips.values(), services, key)),
                          side_of(built, direction_trips(built.trips.values(), services, key)))


def _assert_same_charts(draft: NewDraft, live: Network) -> None:
    keys = line_directions(draft.params, draft.diff)
    assert keys and set(draft.charts) == set(keys)
    for key in keys:
        stored = sides_from(orjson.loads(orjson.dumps(sides_as_mapping(draft.charts[key]))))
        built = _from_networks(draft, live, key)
        assert stored.new.trips and stored.old.trips
        for window in WINDOWS:
            chart = draw(stored, window)
            assert chart is not None and chart.lines
            assert chart == draw(built, window), (key, window)


def test_the_small_citys_draft_charts_as_from_its_networks() -> None:
    draft = small_city_draft(1)
    _assert_same_charts(draft, load_feed(small_city_zip(), "smallcity.zip").network)


@pytest.fixture(scope="module")
def demo() -> BaseSchedule:
    data = write_tables(build_demo_feed(7))
    return BaseSchedule(1, "democity.zip", data, load_feed(data, "democity.zip").network)


def test_a_demo_city_draft_charts_as_from_its_networks(demo: BaseSchedule) -> None:
    services = typical_day(demo.network, DayType.WEEKDAY).service_ids
    rebuilt = tuple(rebuild_evenly(demo.network, services, "L05", direction, 600) for direction in (0, 1))
    request = DraftRequest(services, rebuilt, scenario="weekday", block_time_limit_s=2.0)
    draft = make_draft(demo, demo, request, time.monotonic)
    _assert_same_charts(draft, demo.network)


def test_sides_that_do_not_read_back_say_so() -> None:
    draft = small_city_draft(1)
    stored = sides_as_mapping(next(iter(draft.charts.values())))
    stored["new"]["patterns"] = []
    with pytest.raises(BadSides, match="patterns not stored"):
        sides_from(stored)
    with pytest.raises(BadSides, match="do not read back"):
        sides_from({"old": {}})
    network = load_feed(draft.feed_zip, "d.zip").network
    assert draw(DirectionSides(side_of(network, ()), side_of(network, ()))) is None
