"""Origin-destination matrices: chained journeys, the rest expanded as the
loads expand them, so rows sum to the boardings and a line's pairs straddling
a segment carry its load; zones group stops."""

from __future__ import annotations

import numpy as np
import pytest

from tests.flow.helpers import DAY, at, make_network
from transit.flow.boarding import Boarding
from transit.flow.chaining import Alighting
from transit.flow.loads import trip_flows
from transit.flow.od import stop_od, whole_day
from transit.flow.zones import UnzonedStops, grid_zones, zone_od

NETWORK = make_network()
START = at(7.25)


def boarding(tap_id: str, trip_id: str, stop_index: int, time: float = START) -> Boarding:
    pattern = NETWORK.patterns[NETWORK.trips[trip_id].pattern_id]
    return Boarding(tap_id, tap_id, "bus", DAY, trip_id, pattern.pattern_id, stop_index,
                    stop_index + 1, pattern.stop_ids[stop_index], time, 1.0)


def alighting(b: Boarding, stop_index: int) -> Alighting:
    stop_id = NETWORK.patterns[b.pattern_id].stop_ids[stop_index]
    return Alighting(b.tap_id, stop_index, stop_index + 1, stop_id, None, 0.0, False)


def test_a_matrix_by_hand() -> None:
    chained = [boarding(f"c{i}", "A0-1", 0) for i in range(5)]  # five A1 -> A4
    alightings = {b.tap_id: alighting(b, 3) for b in chained}
    later = boarding("late", "A0-2", 1, at(8.3))
    alightings["late"] = alighting(later, 5)  # A2 -> A6 in the 08:00 hour
    # u1 boarded with the five at A1: goes to A4 like them. u2 boarded at A3,
    # where nobody was chained: where the pattern's chained riders got off that hour, A4.
    boardings = chained + [later, boarding("u1", "A0-1", 0), boarding("u2", "A0-1", 2)]
    od = stop_od(NETWORK, boardings, alightings)
    assert [(r.route_id, r.hour, r.origin_stop_id, r.destination_stop_id, r.riders, r.chained)
            for r in od] == [("A", 7, "A1", "A4", 6.0, 5.0), ("A", 7, "A3", "A4", 1.0, 0.0),
                             ("A", 8, "A2", "A6", 1.0, 1.0)]
    (busiest, *rest) = whole_day((r.origin_stop_id, r.destination_stop_id, r.hour, r.riders, r.chained)
                                 for r in od)
    assert (busiest.origin, busiest.destination, busiest.riders, busiest.riders_by_hour) == (
        "A1", "A4", 6.0, {7: 6.0})
    assert len(rest) == 2


def _random_day(seed: int) -> tuple[list[Boarding], dict[str, Alighting]]:
    """Riders on both lines, both directions, two hours; two in three chained."""
    rng = np.random.default_rng(seed)
    boardings, alightings = [], {}
    trips = [t for t in NETWORK.trips.values() if t.trip_id.endswith(("-1", "-2"))]
    for n in range(400):
        trip = trips[rng.integers(len(trips))]
        size = len(NETWORK.patterns[trip.pattern_id].stop_ids)
        board = int(rng.integers(size - 1))
        b = boarding(f"t{n}", trip.trip_id, board, at(trip.departures[0] / 3600 + 0.1))
        boardings.append(b)
        if rng.random() < 2 / 3:
            alightings[b.tap_id] = alighting(b, int(rng.integers(board + 1, size)))
    return boardings, alightings


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rows_sum_to_boardings_and_straddling_pairs_to_loads(seed: int) -> None:
    boardings, alightings = _random_day(seed)
    od = stop_od(NETWORK, boardings, alightings)
    for stop_id in NETWORK.stops:
        placed = sum(b.stop_id == stop_id for b in boardings)
        assert sum(r.riders for r in od if r.origin_stop_id == stop_id) == pytest.approx(placed, abs=1e-3)
    assert sum(r.chained for r in od) == len(alightings)
    flows = trip_flows(NETWORK, boardings, alightings, {})
    for pattern in NETWORK.patterns.values():
        index = {s: i for i, s in enumerate(pattern.stop_ids)}
        load = sum(f.load for f in flows if NETWORK.trips[f.key[1]].pattern_id == pattern.pattern_id)
        for k in range(len(pattern.stop_ids) - 1):
            across = sum(r.riders for r in od if r.route_id == pattern.route_id
                         and index[r.origin_stop_id] <= k < index[r.destination_stop_id])
            assert across == pytest.approx(load[k], abs=1e-3), (pattern.pattern_id, k)


def test_grid_zones_and_zone_matrix() -> None:
    zones = grid_zones(NETWORK, cell_km=0.9)
    # A1..A6 every 400 m east: three columns. Rows count from B1, the southernmost
    # stop, 250 m south of line A: B4 is 1,200 m north of it.
    assert [zones[f"A{i}"] for i in range(1, 7)] == ["r0c0", "r0c0", "r0c0", "r0c1", "r0c1", "r0c2"]
    assert zones["A4"] == zones["B1"] == zones["B3"] == "r0c1" and zones["B4"] == "r1c1"
    boardings, alightings = _random_day(4)
    od = stop_od(NETWORK, boardings, alightings)
    by_zone = zone_od(od, zones)
    assert sum(z.riders for z in by_zone) == pytest.approx(len(boardings), abs=1e-3)
    inside = sum(r.riders for r in od if r.hour == 8 and zones[r.origin_stop_id] == "r0c0"
                 and zones[r.destination_stop_id] == "r0c1")
    (cell,) = [z for z in by_zone if (z.hour, z.origin_zone, z.destination_zone) == (8, "r0c0", "r0c1")]
    assert cell.riders == pytest.approx(inside, abs=1e-3) and inside > 0
    with pytest.raises(UnzonedStops, match="have no zone: A1"):
        zone_od(od, {s: z for s, z in zones.items() if s != "A1"})
    with pytest.raises(ValueError, match="above 0"):
        grid_zones(NETWORK, 0)
