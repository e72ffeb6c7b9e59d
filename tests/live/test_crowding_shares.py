"""The live state's alighting shares come from the latest built flow day in
the database, and are spread evenly (and said to be) while none is built."""

from __future__ import annotations

import asyncpg
import pytest

from feeds.flow.build import infer_day
from tests.flow.helpers import DAY, at, dwell_time, make_network, tap, trip_events
from transit.live.crowding import load_alighting_shares
from transit.store.flow import replace_flow_day
from transit.store.schedules import insert_version

NETWORK = make_network()
START = at(7.25)


async def test_shares_are_learned_from_the_built_day_else_even(clean_pool: asyncpg.Pool) -> None:
    even = await load_alighting_shares(clean_pool, NETWORK)
    assert not even.learned_from and not even.find("A0", 7, 0).learned

    b_start = START + 300
    events = trip_events(NETWORK, "A0-1", "bus-a", START) + trip_events(NETWORK, "B0-1", "bus-b", b_start)
    # One card rides A1 -> A4 and changes to line B; six single riders board at A1.
    taps = [tap("x1", "bus-a", dwell_time(START, 0), "changer"),
            tap("x2", "bus-b", dwell_time(b_start, 1), "changer")]
    taps += [tap(f"r{i}", "bus-a", dwell_time(START, 0), f"card-{i}") for i in range(6)]
    flow, od, transfers = infer_day(NETWORK, events, taps)
    version = await insert_version(clean_pool, source="tiny", sha256="0" * 64, feed_zip=b"zip", summary={},
                                   start=None, end=None, make_live=True)
    await replace_flow_day(clean_pool, flow, DAY, version, at(20), od=od, transfers=transfers)

    shares = await load_alighting_shares(clean_pool, NETWORK)
    found = shares.find("A0", 7, 0)
    # From A1 at 07:xx: the changer to A4, the six others spread evenly over A2..A6.
    assert shares.learned_from and found.learned
    assert found.by_stop == pytest.approx((0, 1.2 / 7, 1.2 / 7, 2.2 / 7, 1.2 / 7, 1.2 / 7))
