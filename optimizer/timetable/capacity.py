"""Trips the engine expects over capacity, and the vehicles that would carry
every bin's riders within it: the explanation when the fleet cannot.

The estimate is the departure model's own (``costs.gap_cost``): the trip that
ends a gap carries the riders crossing its bin's peak-load segment during the
gap. A line's vehicles serve both directions, one trip each way per cycle, so
a bin whose peak-load point sees ``r`` riders a second needs
``ceil(r * cycle / capacity)`` vehicles for no trip of it to run over.
Units: seconds, passengers, vehicles.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from optimizer.timetable.model import Binding, DirectionInput
from optimizer.timetable.spans import cut_spans, span_at


def over_capacity_trips(direction: DirectionInput, departures_s: Sequence[int]) -> int:
    """Trips of ``departures_s`` whose estimated peak load passes the vehicle capacity."""
    spans = cut_spans(direction)
    return sum(span_at(spans, a).peak_rate * (b - a) > direction.vehicle_capacity
               for a, b in zip(departures_s, departures_s[1:]))


def capacity_vehicles(directions: Sequence[DirectionInput], cycle_s: int) -> int:
    """Vehicles one line (``directions``, one or both) needs for no bin's trips
    to run over capacity, on a cycle of ``cycle_s``."""
    busiest = max((max(row, default=0.0) / d.profile.bin_s / d.vehicle_capacity
                   for d in directions for row in d.profile.loads), default=0.0)
    return math.ceil(busiest * cycle_s - 1e-9)


def capacity_bindings(timed: Sequence[tuple[DirectionInput, Sequence[int]]], cycles: Mapping[str, int],
                      vehicles: Mapping[str, int]) -> tuple[Binding, ...]:
    """One ``capacity`` binding per line with trips expected over capacity:
    how many, and how many more vehicles than ``vehicles[line]`` (the fleet
    window it was timed under) would carry every bin within capacity (amount:
    vehicles more; 0 when it had them and the objective's weights, the trips
    allowed or the meshing of its directions kept trips over, or when the line
    has no fleet limit)."""
    by_line: dict[str, list[tuple[DirectionInput, Sequence[int]]]] = {}
    for direction, departures in timed:
        by_line.setdefault(direction.route_id, []).append((direction, departures))
    found = []
    for route_id, pairs in sorted(by_line.items()):
        over = sum(over_capacity_trips(d, departures) for d, departures in pairs)
        if not over:
            continue
        cycle = cycles[route_id]
        needed = capacity_vehicles([d for d, _ in pairs], cycle)
        capacity = pairs[0][0].vehicle_capacity
        has = vehicles.get(route_id)
        more = 0 if has is None else max(0, needed - has)
        why = (f"no fleet limit; {needed} vehicles would carry its busiest hour: the departure model's "
               f"other terms won (its bindings say which)" if has is None else f"{more} more vehicle(s) needed: {needed} carry its busiest hour within capacity "
               f"({capacity:g} a bus, a {cycle / 60:.0f} min cycle), it was timed with {has}" if more else
               f"its {has} vehicles would carry its busiest hour ({needed} needed): the departure "
               f"model's other terms or limits won (its bindings say which)")
        found.append(Binding("capacity", f"line {route_id}: {over} trip(s) expected over capacity; {why}",
                             float(more), "vehicles"))
    return tuple(found)
