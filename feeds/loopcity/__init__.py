"""A second simulated city, of another shape than the demo city: five lines on a
small street grid, one a true loop (its trips run round and back to the stop
they left), one out and back along a single street, three ordinary lines
sharing the loop's streets. Built to test tracking where a trip's start is its
end. Pipeline: lines (stops, shapes) -> timetable (trips, blocks) -> feed (GTFS).
"""

from feeds.loopcity.feed import build_loop_feed

__all__ = ["build_loop_feed"]
