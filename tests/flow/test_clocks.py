"""Reader clock offsets from how taps cluster around dwells."""

from __future__ import annotations

import numpy as np
import pytest

from tests.flow.helpers import at, make_network, trip_events
from transit.flow.clocks import estimate_clock
from transit.flow.dwells import Timeline, list_dwells

NETWORK = make_network()


def busy_timeline() -> Timeline:
    """Six trips of bus-1 through the morning, with uneven dwells and runs."""
    rng = np.random.default_rng(3)
    events = []
    for n, trip_id in enumerate(("A0-1", "A1-1", "A0-2", "A1-2", "A0-3", "A1-3")):
        events += trip_events(NETWORK, trip_id, "bus-1", at(6) + 1500 * n,
                              dwell_s=rng.uniform(10, 40, 6).tolist(),
                              run_s=rng.uniform(70, 140, 6).tolist())
    return list_dwells(NETWORK, events).timelines["bus-1"]


def taps_in(timeline: Timeline, per_dwell: int = 3, seed: int = 1) -> np.ndarray:
    """True tap times spread through every dwell but the first stops' long windows."""
    rng = np.random.default_rng(seed)
    times = [rng.uniform(d.start, d.end, per_dwell) for d in timeline.dwells if d.stop_index > 0]
    return np.concatenate(times)


@pytest.mark.parametrize("offset", [0.0, 95.0, -240.0, 3600.0, -3600.0])
def test_an_offset_is_found_to_within_a_few_seconds(offset: float) -> None:
    timeline = busy_timeline()
    clock = estimate_clock("bus-1", taps_in(timeline) + offset, timeline)
    assert clock.estimated
    assert clock.offset_s == pytest.approx(offset, abs=5.0)
    assert clock.inside_after > 0.95


def test_a_right_clock_is_left_alone_and_few_taps_are_not_estimated() -> None:
    timeline = busy_timeline()
    right = estimate_clock("bus-1", taps_in(timeline) + 1.0, timeline)
    assert right.offset_s == 0.0 and right.inside_before > 0.9
    few = estimate_clock("bus-1", taps_in(timeline)[:5] + 600, timeline)
    assert (few.estimated, few.offset_s, few.taps) == (False, 0.0, 5)
