"""The live state keeps the recent departures its tracker detects, and the
console's headways measured from them come out near the timetable's on a
simulated morning that runs to time (a bus every 10 minutes each way)."""

from __future__ import annotations

import statistics

from feeds.simulator.day import simulate_day
from tests.clock import Clock
from tests.console.live_helpers import DAY, NETWORK, ORIGIN
from transit.console.headways import ScheduledHeadways, list_headways
from transit.live.tracking import LiveTracking
from transit.tracking.tracker import Tracker


def test_a_simulated_morning_gives_departures_and_headways_near_the_timetable() -> None:
    day = simulate_day(NETWORK, DAY, seed=3)
    start, end = ORIGIN + 7 * 3600, ORIGIN + 8 * 3600
    clock = Clock(start)
    live = LiveTracking(Tracker(NETWORK), clock)
    reports = [r for r in day.reports if start <= r.received_at < end]
    for minute in range(60):
        clock.now = start + 60 * (minute + 1)
        live.apply([r for r in reports if clock.now - 60 <= r.received_at < clock.now])
    snapshot = live.snapshot
    first_stop = snapshot.departures.list_at("L1", 0, "L1-0-S01")
    assert len(first_stop) >= 5 and all(a.time < b.time for a, b in zip(first_stop, first_stop[1:]))
    assert all(d.stop_index == 0 and abs(d.time - d.scheduled) < 600 for d in first_stop)
    headways = list_headways(NETWORK, ScheduledHeadways(NETWORK), snapshot.list_live(end, 300),
                             snapshot.departures, end)
    assert len(headways) >= 2 and {h.scheduled_s for h in headways} == {600.0}
    assert 420 < statistics.median(h.actual_s for h in headways) < 780
