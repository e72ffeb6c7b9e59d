"""The generated demo city: stop count, lines, determinism, timetable and block invariants."""

import re

import pandas as pd
import pytest

from feeds.democity import build_demo_feed, stop_demand
from feeds.democity.timetable import MIN_LAYOVER_S
from feeds.schedules.depots import demo_city_depots
from feeds.schedules.line_depots import derived_line_depots
from transit.gtfs.feed import load_feed
from transit.gtfs.tables import write_tables

SITE_NAMES = {"照金纪念馆", "药王山景区", "玉华宫景区", "陈炉古镇"}


@pytest.fixture(scope="module")
def feed() -> dict[str, pd.DataFrame]:
    return build_demo_feed(seed=7)


def _seconds(clock: pd.Series) -> pd.Series:
    parts = clock.str.split(":", expand=True).astype(int)
    return parts[0] * 3600 + parts[1] * 60 + parts[2]


@pytest.fixture(scope="module")
def timed(feed) -> pd.DataFrame:
    st = feed["stop_times"].copy()
    st["seq"] = st["stop_sequence"].astype(int)
    st["arr"] = _seconds(st["arrival_time"])
    st["dep"] = _seconds(st["departure_time"])
    st["dist"] = st["shape_dist_traveled"].astype(float)
    return st.sort_values(["trip_id", "seq"]).reset_index(drop=True)


def test_exactly_526_stops_with_unique_chinese_names(feed):
    stops = feed["stops"]
    assert len(stops) == 526
    assert stops["stop_id"].is_unique and stops["stop_name"].is_unique
    assert all(re.search(r"[\u4e00-\u9fff]", name) for name in stops["stop_name"])


def test_about_40_routes_each_run_both_directions(feed):
    assert 38 <= len(feed["routes"]) <= 42
    directions = feed["trips"].groupby("route_id")["direction_id"].agg(set)
    assert set(directions.index) == set(feed["routes"]["route_id"])
    assert all(d == {"0", "1"} for d in directions)
    assert feed["routes"]["route_short_name"].is_unique


def test_same_seed_same_feed_other_seed_other_city(feed):
    again = build_demo_feed(seed=7)
    assert all(again[stem].equals(table) for stem, table in feed.items())
    other = build_demo_feed(seed=8)
    assert not other["stops"].equals(feed["stops"])
    assert len(other["stops"]) == 526


def test_every_stop_is_served(feed):
    assert set(feed["stops"]["stop_id"]) == set(feed["stop_times"]["stop_id"])


def test_night_lines_run_past_midnight(feed, timed):
    late = timed.loc[timed["dep"] >= 24 * 3600, "trip_id"]
    night_routes = set(feed["trips"].set_index("trip_id").loc[late.unique(), "route_id"])
    assert len(night_routes) >= 2


def test_times_non_decreasing_and_distance_increasing_within_trips(timed):
    same_trip = timed["trip_id"].eq(timed["trip_id"].shift())
    assert (timed["arr"] <= timed["dep"]).all()
    assert (timed["arr"] >= timed["dep"].shift())[same_trip].all()
    assert (timed["dist"] > timed["dist"].shift())[same_trip].all()
    assert (timed.loc[~same_trip, "dist"] == 0).all()


def test_shape_distances_increase(feed):
    shapes = feed["shapes"].assign(seq=lambda s: s["shape_pt_sequence"].astype(int), dist=lambda s: s["shape_dist_traveled"].astype(float))
    shapes = shapes.sort_values(["shape_id", "seq"])
    same = shapes["shape_id"].eq(shapes["shape_id"].shift())
    assert (shapes["dist"] > shapes["dist"].shift())[same].all()


def test_trunk_line_runs_every_10_minutes_or_better_at_peak(feed, timed):
    first = timed[timed["seq"] == 1].merge(feed["trips"], on="trip_id")
    peak = first[(first["route_id"] == "L01") & (first["service_id"] == "WKD") & (first["direction_id"] == "0")]
    peak = peak[(peak["dep"] >= 7 * 3600) & (peak["dep"] < 9 * 3600)].sort_values("dep")
    assert len(peak) >= 12
    assert peak["dep"].diff().dropna().max() <= 600


def test_blocks_chain_terminal_to_terminal_with_layover(feed, timed):
    ends = timed.groupby("trip_id").agg(start=("dep", "first"), end=("arr", "last"), origin=("stop_id", "first"), dest=("stop_id", "last"))
    trips = feed["trips"].join(ends, on="trip_id").sort_values(["block_id", "start"])
    assert (trips.groupby("block_id")[["route_id", "service_id"]].nunique() == 1).all().all()
    same = trips["block_id"].eq(trips["block_id"].shift())
    assert (trips["start"] - trips["end"].shift() >= MIN_LAYOVER_S)[same].all()
    assert (trips["origin"] == trips["dest"].shift())[same].all()
    weekday_blocks = trips.loc[trips["service_id"] == "WKD", "block_id"].nunique()
    assert 150 <= weekday_blocks <= 260


def test_tourist_lines_reach_the_four_sites(feed):
    routes = feed["routes"]
    tourist = routes.loc[routes["route_short_name"].str.startswith("旅游"), "route_id"]
    trips = feed["trips"][feed["trips"]["route_id"].isin(tourist)]
    served = feed["stop_times"][feed["stop_times"]["trip_id"].isin(trips["trip_id"])]["stop_id"]
    names = set(feed["stops"].set_index("stop_id").loc[served.unique(), "stop_name"])
    assert SITE_NAMES <= names
    assert {"TS2026", "TS2027"} <= set(trips["service_id"])


def test_calendar_range_is_fixed(feed):
    calendar = feed["calendar"]
    assert calendar["start_date"].min() == "20260101" and calendar["end_date"].max() == "20271231"
    info = feed["feed_info"].iloc[0]
    assert (info["feed_start_date"], info["feed_end_date"], info["feed_lang"]) == ("20260101", "20271231", "zh")
    national_day = feed["calendar_dates"][feed["calendar_dates"]["date"] == "20261001"]
    assert set(zip(national_day["service_id"], national_day["exception_type"])) == {("WKD", "2"), ("WKE", "1")}


def test_stop_demand_weights_landmarks_and_tourist_sites(feed):
    demand = stop_demand(feed)
    assert set(demand) == set(feed["stops"]["stop_id"])
    by_name = dict(zip(feed["stops"]["stop_name"], feed["stops"]["stop_id"]))
    median = sorted(everyday for everyday, _ in demand.values())[len(demand) // 2]
    assert demand[by_name["新区管委会"]][0] > 2 * median
    assert all(demand[by_name[site]][1] > 0 for site in SITE_NAMES)
    assert sum(1 for _, tourist in demand.values() if tourist > 0) == 8


def test_every_line_gets_a_depot_near_one_of_its_terminals(feed):
    """Without a line-depots file, the console's depot scopes reach every demo line."""
    network = load_feed(write_tables(feed), "demo.zip").network
    found = derived_line_depots(network, demo_city_depots())
    assert set(found.depots_of) == set(network.routes)
    assert {d for depots in found.depots_of.values() for d in depots} == {d.name for d in demo_city_depots()}
