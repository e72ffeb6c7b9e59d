"""The loop city's feed: seeded, loadable, and of the shape it promises."""

from __future__ import annotations

from collections import Counter

from feeds.loopcity import build_loop_feed
from transit.gtfs.feed import load_feed
from transit.gtfs.tables import write_tables


def test_the_feed_loads_and_its_loop_and_out_and_back_end_where_they_start() -> None:
    tables = build_loop_feed(7)
    network = load_feed(write_tables(tables), "loopcity.zip").network
    assert len(network.routes) == 5
    ends = {p.route_id: (p.stop_ids[0], p.stop_ids[-1]) for p in network.patterns.values()}
    assert ends["R1"][0] == ends["R1"][1] and ends["R2"][0] == ends["R2"][1]
    assert all(a != b for route, (a, b) in ends.items() if route not in ("R1", "R2"))
    # Loop blocks run the loop trip after trip.
    loop_blocks = Counter(t.block_id for t in network.trips.values() if t.route_id == "R1")
    assert min(loop_blocks.values()) >= 5
    assert build_loop_feed(7)["trips"].equals(tables["trips"])  # seeded
