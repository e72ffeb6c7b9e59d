"""The OD matrix, transfers and journeys of a built day, stored with the rest
of the day in one transaction and read back; a rebuild replaces them.

The day: on the tiny network of the flow tests, riders of line A, and one card
changing at A4 to line B at B2 (150 m) about a minute after its bus got there."""

from __future__ import annotations

import asyncpg
import pytest

from feeds.flow.build import infer_day
from tests.flow.helpers import DAY, at, dwell_time, make_network, tap, trip_events
from transit.store.flow import get_flow_day, list_stop_od, list_transfer_flows, replace_flow_day
from transit.store.schedules import insert_version

NETWORK = make_network()
START = at(7.25)


def _day() -> tuple[list, list]:
    b_start = START + 300  # B0-1 reaches B2 after A0-1 has reached A4
    events = (trip_events(NETWORK, "A0-1", "bus-a", START)
              + trip_events(NETWORK, "B0-1", "bus-b", b_start))
    taps = [tap("x1", "bus-a", dwell_time(START, 0), "changer"),
            tap("x2", "bus-b", dwell_time(b_start, 1), "changer")]
    # Nine riders of line A with one tap each: single trips, spread as their peers alight.
    taps += [tap(f"r{i}", "bus-a", dwell_time(START, i % 3), f"card-{i}") for i in range(9)]
    return events, taps


async def test_od_and_transfers_round_trip_and_a_rebuild_replaces_them(clean_pool: asyncpg.Pool) -> None:
    version = await insert_version(clean_pool, source="tiny", sha256="0" * 64, feed_zip=b"zip", summary={},
                                   start=None, end=None, make_live=True)
    flow, od, transfers = infer_day(NETWORK, *_day())
    assert flow.chains.alightings["x1"].stop_id == "A4"
    (change,) = transfers.flows
    assert (change.from_route_id, change.to_route_id, change.from_stop_id, change.to_stop_id) == (
        "A", "B", "A4", "B2")
    assert 0 < change.median_wait_s < 120

    for built_at in (at(20), at(21)):  # built twice: the second replaces the first
        await replace_flow_day(clean_pool, flow, DAY, version, built_at, od=od, transfers=transfers)
    stored = await list_stop_od(clean_pool, DAY)
    assert stored == sorted(od, key=lambda r: (r.route_id, r.hour, r.origin_stop_id, r.destination_stop_id))
    assert sum(r.riders for r in stored) == pytest.approx(flow.counts.placed)
    assert await list_stop_od(clean_pool, DAY, "B") == [r for r in stored if r.route_id == "B"]
    assert await list_transfer_flows(clean_pool, DAY) == [change]
    day = await get_flow_day(clean_pool, DAY)
    assert day.journeys == {"legs": 11, "journeys": 10, "transfers": 1, "legs_per_journey": 1.1,
                            "by_legs": {"1": 9, "2": 1}}
    assert await clean_pool.fetchval("SELECT count(*) FROM flow_transfers") == 1
