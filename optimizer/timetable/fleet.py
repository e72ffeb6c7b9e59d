"""Vehicles a line's timetable needs, by Ceder's deficit functions.

At a terminal, the deficit at ``t`` is the departures from it up to ``t`` less
the vehicles that arrived there and finished their layover by ``t``; its
maximum is the vehicles that terminal must hold at the start of the day.
Without deadheads between terminals the line needs the sum of the terminals'
maxima, and no fewer (Ceder's deficit function theorem). The departure model's
fleet window (no more than ``N`` departures in any cycle) is necessary for ``N``
vehicles but not sufficient when the two directions' departures do not mesh:
this is the check that is.

``share_fleet`` shares an operator's vehicles among the lines being rebuilt, by
what their frequencies ask for, so a busy line (or a tourist line in season)
can take vehicles a quiet one does not need.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from optimizer.timetable.model import DirectionInput


def line_vehicles(directions: Sequence[tuple[DirectionInput, Sequence[int]]]) -> int:
    """Fewest vehicles that run these directions' departures with no deadhead: each
    trip leaves its first stop and ends at its last, and may be followed by any
    trip leaving that stop at least ``layover_s`` after it arrived."""
    events: dict[str, list[tuple[int, int]]] = {}
    for direction, departures in directions:
        stops = direction.profile.stop_ids
        origin, destination = stops[0], stops[-1]
        for t in departures:
            events.setdefault(origin, []).append((t, 1))
            ready = t + direction.running.trip_time_s(t) + direction.layover_s
            events.setdefault(destination, []).append((ready, -1))
    vehicles = 0
    for steps in events.values():
        deficit = peak = 0
        for _, step in sorted(steps):  # a vehicle ready at t takes a departure at t
            deficit += step
            peak = max(peak, deficit)
        vehicles += peak
    return vehicles


def share_fleet(wanted: Mapping[str, float], least: Mapping[str, int], total: int) -> dict[str, int]:
    """``total`` vehicles shared among lines: each first gets its ``least`` (what its
    policy headways need), then one vehicle at a time goes to the line whose
    ``wanted`` (what its frequencies need) is least covered, as in the D'Hondt
    method of seat allocation. Deterministic: ties go to the first line by id.
    When the lines' ``least`` already exceed ``total``, each gets its least (the
    departure model then says which policy headway the fleet cannot keep)."""
    shares = {route: max(least.get(route, 1), 1) for route in sorted(wanted)}
    for _ in range(total - sum(shares.values())):
        route = max(shares, key=lambda r: wanted[r] / (shares[r] + 1))  # first of equals: sorted order
        shares[route] += 1
    return shares


def fleet_wants(inputs: Sequence[DirectionInput], frequencies: Mapping[tuple[str, int], Sequence[float]],
                cycles: Mapping[str, int]) -> tuple[dict[str, float], dict[str, int]]:
    """Per line, the vehicles its busiest bin's frequency needs (a bus per
    headway around the cycle), and the vehicles its tightest policy headway needs."""
    wanted: dict[str, float] = {}
    least: dict[str, int] = {}
    for d in inputs:
        cycle = cycles[d.route_id]
        busiest = max(frequencies[(d.route_id, d.direction_id)], default=0.0)
        wanted[d.route_id] = max(wanted.get(d.route_id, 0.0), busiest * cycle / 3600)
        policy = max(math.ceil(cycle / p.max_headway_s) for p in d.periods)
        least[d.route_id] = max(least.get(d.route_id, 1), policy)
    return wanted, least
