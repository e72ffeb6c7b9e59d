"""GPS reports: on the shape, at the vehicle's interval, faults counted."""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np

from feeds.simulator import SimulationParams, simulate_day
from tests.simulator.helpers import WEEKDAY
from transit.model.geometry import segment_projections


def offset_from_network(network, lat: float, lon: float) -> float:
    best = np.inf
    for shape in network.shapes.values():
        _, offsets = segment_projections(lat, lon, np.asarray(shape.lats),
                                         np.asarray(shape.lons), np.asarray(shape.dists))
        best = min(best, float(offsets.min()))
    return best


def test_reports_lie_on_the_shapes_except_counted_jumps(network, day):
    sample = day.reports[::5]
    far = sum(offset_from_network(network, r.lat, r.lon) > 150 for r in sample)
    assert day.stats.jumps > 0
    assert far <= day.stats.jumps


def test_jumps_land_hundreds_of_metres_to_km_away(network):
    params = SimulationParams(jump_probability=0.05)
    jumpy = simulate_day(network, WEEKDAY, seed=2, params=params)
    offsets = [offset_from_network(network, r.lat, r.lon) for r in jumpy.reports[:2000]]
    far = [o for o in offsets if o > 150]
    assert len(far) > 20
    assert max(far) <= 5000


def test_reports_follow_the_vehicle_interval_except_dropouts(day):
    fixes: dict[str, set[float]] = defaultdict(set)
    for r in day.reports:
        fixes[r.vehicle_id].add(r.timestamp)
    long_gaps = 0
    for times in fixes.values():
        gaps = np.diff(sorted(times))
        interval = gaps.min()
        assert 10 <= interval <= 30
        assert np.all(gaps % interval == 0)
        long_gaps += int((gaps > interval).sum())
    assert 0 < long_gaps <= day.stats.dropouts


def test_reports_are_received_in_order_and_carry_motion(day):
    received = [r.received_at for r in day.reports]
    assert received == sorted(received)
    assert all(r.received_at >= r.timestamp for r in day.reports)
    assert all(0 <= r.bearing < 360 and 0 <= r.speed_mps < 30 for r in day.reports)
    assert any(r.speed_mps == 0 for r in day.reports)  # standing at terminals and stops
    assert all(r.source == "sim" for r in day.reports)


def test_duplicates_and_late_reports_are_present_and_counted(network):
    params = SimulationParams(duplicate_probability=0.02, backlogs_per_hour=1.0)
    faulty = simulate_day(network, WEEKDAY, seed=4, params=params)
    copies = Counter((r.vehicle_id, r.timestamp) for r in faulty.reports)
    assert sum(n - 1 for n in copies.values()) == faulty.stats.duplicates > 0
    firsts: dict[tuple[str, float], float] = {}
    for r in faulty.reports:
        firsts.setdefault((r.vehicle_id, r.timestamp), r.received_at - r.timestamp)
    late = sum(delay > 2.0 for delay in firsts.values())
    assert faulty.stats.late > 0
    assert 0.8 * faulty.stats.late <= late <= faulty.stats.late
    assert max(firsts.values()) > 60
    assert faulty.stats.reports == len(faulty.reports)


def test_changing_gps_faults_does_not_change_how_buses_ran(network, day):
    params = SimulationParams(noise_probability=0.2, duplicate_probability=0.1)
    other = simulate_day(network, WEEKDAY, seed=7, params=params)
    assert other.passages == day.passages
    assert other.journeys == day.journeys
    assert other.reports != day.reports
