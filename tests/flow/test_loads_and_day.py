"""Expansion to every boarding, loads per segment, and the whole day's inference."""

from __future__ import annotations

import numpy as np
import pytest

from tests.flow.helpers import DAY, at, dwell_time, make_network, tap, trip_events
from transit.flow.boarding import Boarding, Unplaced
from transit.flow.chaining import Alighting, ChainFailure
from transit.flow.day import infer_flow
from transit.flow.dwells import list_dwells
from transit.flow.loads import AlightingPatterns, segment_loads, stop_flows, trip_flows

NETWORK = make_network()
START = at(7.25)  # 07:15, clear of the hour's edge
TRIPS = list_dwells(NETWORK, trip_events(NETWORK, "A0-1", "bus-a", START)).trips


def boarding(tap_id: str, stop_index: int) -> Boarding:
    stop_id = NETWORK.patterns["A0"].stop_ids[stop_index]
    return Boarding(tap_id, tap_id, "bus-a", DAY, "A0-1", "A0", stop_index, stop_index + 1,
                    stop_id, dwell_time(START, stop_index), 1.0)


def alighting(tap_id: str, stop_index: int) -> Alighting:
    return Alighting(tap_id, stop_index, stop_index + 1, f"A{stop_index + 1}", None, 0.0, False)


def test_chained_riders_make_the_loads_and_the_rest_follow_their_peers() -> None:
    chained = {f"c{i}": alighting(f"c{i}", 3) for i in range(5)}  # five A1 -> A4
    boardings = [boarding(t, 0) for t in chained] + [boarding("u1", 0), boarding("u2", 2)]
    (flow,) = trip_flows(NETWORK, boardings, chained, TRIPS)
    # u1 boarded with the five at A1: alights at A4 like them. u2 boarded at A3,
    # where nobody was chained: by the pattern's chained riders in the hour, at A4.
    assert flow.boardings.tolist() == [6, 0, 1, 0, 0, 0]
    assert flow.alightings.tolist() == pytest.approx([0, 0, 0, 7, 0, 0])
    assert flow.load.tolist() == pytest.approx([6, 6, 7, 0, 0])
    assert flow.chained_load.tolist() == pytest.approx([5, 5, 5, 0, 0])
    loads = segment_loads(NETWORK, [flow])
    assert [(s.from_stop_id, s.to_stop_id, s.load) for s in loads][:3] == [
        ("A1", "A2", 6.0), ("A2", "A3", 6.0), ("A3", "A4", 7.0)]
    assert loads[0].departure == START
    flows = stop_flows(NETWORK, [flow], 3600)
    assert sum(f.boardings for f in flows) == sum(f.alightings for f in flows) == 7
    assert {f.bin_start for f in flows} == {7 * 3600}


def test_with_no_chained_peers_riders_spread_evenly_downstream() -> None:
    patterns = AlightingPatterns(NETWORK, [], min_chained=5)
    assert patterns.spread(("A0", 7, 1)).tolist() == pytest.approx([0, 0, 0.25, 0.25, 0.25, 0.25])
    patterns = AlightingPatterns(NETWORK, [(("A0", 7, 0), 5)] * 3, min_chained=3)
    # Nobody chained from stop 1: where the pattern's chained riders alighted in the hour, after it.
    assert patterns.spread(("A0", 7, 1)).tolist() == pytest.approx([0, 0, 0, 0, 0, 1])


def test_a_day_with_an_hour_off_reader_duplicates_and_strays() -> None:
    events = trip_events(NETWORK, "A0-1", "bus-a", START) + trip_events(
        NETWORK, "B0-1", "bus-b", at(8))
    taps = [tap("t1", "bus-a", dwell_time(START, 0) - 3600),  # bus-a's reader: an hour behind
            tap("t2", "bus-b", dwell_time(at(8), 1)),
            tap("t2", "bus-b", dwell_time(at(8), 1)),  # the same transaction twice
            tap("t3", "bus-x", START, account="card-2"),  # a vehicle that ran no trip
            tap("t4", "bus-b", at(12), account="card-3")]  # hours after bus-b's trip
    taps += [tap(f"f{i}", "bus-a", dwell_time(START, 1 + i % 4) - 3600 + i % 7, f"card-{i + 9}")
             for i in range(40)]
    flow = infer_flow(NETWORK, events, taps)
    assert flow.clocks["bus-a"].offset_s == pytest.approx(-3600, abs=5)
    assert flow.counts.taps == 44 and flow.counts.duplicates == 1
    assert flow.unplaced == {"t3": Unplaced.UNKNOWN_VEHICLE, "t4": Unplaced.OUTSIDE_TRIPS}
    first = next(b for b in flow.boardings if b.tap_id == "t1")
    assert (first.stop_id, first.trip_id) == ("A1", "A0-1")
    assert flow.chains.alightings["t1"].stop_id == "A4"
    assert flow.chains.failures["t2"] is ChainFailure.TOO_FAR  # B3, B4: far from A1
    assert flow.counts.unchained[ChainFailure.SINGLE_TRIP] == 40
    total = sum(flow.counts.unplaced.values()) + flow.counts.chained + sum(
        flow.counts.unchained.values())
    assert total == flow.counts.taps
    assert np.isclose(sum(s.boardings for s in flow.stops), flow.counts.placed)
