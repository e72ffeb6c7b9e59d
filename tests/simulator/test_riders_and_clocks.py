"""Riders' days (accounts chained into journeys) and POS reader clocks: both off
by default, leaving seeded days as they were; on, they change only the taps."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from feeds.simulator import SimulationParams, simulate_day
from feeds.simulator.files import write_day
from tests.simulator.helpers import WEEKDAY
from transit.flow.walk import stop_plane

CHAINED = SimulationParams(chained_riders=True, reader_clock_sigma_s=5.0,
                           reader_clock_off_share=0.5)


@pytest.fixture(scope="module")
def chained(network):  # type: ignore[no-untyped-def]
    return simulate_day(network, WEEKDAY, seed=7, params=CHAINED)


def test_off_by_default_nothing_changes(day, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert day.reader_offsets == {}
    journeys = {j.tap_id: j for j in day.journeys}
    assert all(t.timestamp == journeys[t.tap_id].boarded_at for t in day.taps)
    assert not (write_day(day, tmp_path) / "truth_reader_clocks.csv").exists()


def test_riders_and_clocks_change_only_the_taps(day, chained) -> None:  # type: ignore[no-untyped-def]
    assert chained.reports == day.reports and chained.passages == day.passages
    assert [t.tap_id for t in chained.taps] == [t.tap_id for t in day.taps]


def test_readers_stamp_their_own_clock(chained, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    offsets = chained.reader_offsets
    assert {t.vehicle_id for t in chained.taps} <= set(offsets)
    assert sum(abs(o) >= 60 for o in offsets.values()) >= len(offsets) // 4
    assert all(abs(o) <= 3600 for o in offsets.values())
    journeys = {j.tap_id: j for j in chained.journeys}
    for tap in chained.taps:
        assert tap.timestamp - journeys[tap.tap_id].boarded_at == pytest.approx(
            offsets[tap.vehicle_id], abs=0.002)
    written = (write_day(chained, tmp_path) / "truth_reader_clocks.csv").read_text()
    assert written.startswith("vehicle_id,offset_s\n")


def test_a_rider_rides_one_bus_at_a_time_and_goes_on_near_where_they_got_off(
        network, chained) -> None:  # type: ignore[no-untyped-def]
    plane = stop_plane(network)
    days = defaultdict(list)
    for journey in chained.journeys:
        days[journey.account].append(journey)
    near = links = 0
    for rides in days.values():
        rides.sort(key=lambda j: j.boarded_at)
        assert len({j.medium for j in rides}) == 1
        for before, after in zip(rides, rides[1:]):
            assert after.boarded_at >= before.alighted_at
            links += 1
            near += plane.distance_m(before.alight_stop_id, after.board_stop_id) <= CHAINED.chain_walk_m
    assert links > len(chained.journeys) / 3
    assert near / links >= 1 - CHAINED.chain_elsewhere_share - 0.05
