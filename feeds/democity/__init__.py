"""A deterministic Tongchuan-like demo city, generated as a GTFS feed.

Pipeline: geography (street network) -> lines (routing, stops) -> names -> timetable
(trips, blocks) and calendars -> feed (GTFS tables, zip). `stop_demand` gives the
passenger simulator its origin-destination weights.
"""

from feeds.democity.demand import stop_demand
from feeds.democity.feed import build_demo_feed, write_demo_feed

__all__ = ["build_demo_feed", "stop_demand", "write_demo_feed"]
