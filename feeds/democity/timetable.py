"""Trips of the demo city: departures by headway, running times by speed, vehicle blocks.

Units: times are seconds after the start of the service day (may pass 24:00 = 86 400),
distances metres, speeds km/h, headways minutes.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass

from feeds.democity.calendars import TOURIST_SEASONS, WEEKDAY, WEEKEND
from feeds.democity.lines import Line, LineKind, Pattern

H = 3600
DWELL_S = 20
MIN_LAYOVER_S = 300

# (until, headway) steps of the weekday and weekend timetables by line kind.
_WEEKDAY_HEADWAYS = {
    LineKind.TRUNK: ((7 * H, 15), (9 * H, 10), (17 * H, 15), (19 * H, 10), (30 * H, 20)),
    LineKind.URBAN: ((7 * H, 20), (9 * H, 15), (17 * H, 20), (19 * H, 15), (30 * H, 30)),
}
_WEEKEND_HEADWAYS = {
    LineKind.TRUNK: ((8 * H, 20), (19 * H, 15), (30 * H, 25)),
    LineKind.URBAN: ((8 * H, 25), (19 * H, 20), (30 * H, 30)),
}
# Night lines and the base timetable of tourist lines are the same every day; the
# tourist seasons add trips in between the base ones.
_NIGHT = (21 * H, int(25.5 * H), 30)
_TOURIST_BASE = (7 * H + 1800, 17 * H + 1800, 120)
_TOURIST_EXTRA = (8 * H + 1800, 16 * H + 1800, 120)


@dataclass(frozen=True)
class Trip:
    trip_id: str
    line_id: str
    service_id: str
    direction: int
    block_id: str
    times: tuple[tuple[int, int], ...]  # (arrival, departure) at each stop of the pattern


def _urban_speed(t: int, peak_traffic: bool) -> float:
    if peak_traffic and (7 * H <= t < 9 * H or 17 * H <= t < 19 * H):
        return 14.0
    if 7 * H <= t < 20 * H:
        return 17.0
    return 20.0 if t < 22 * H else 24.0


def _intercity_speed(t: int, peak_traffic: bool) -> float:
    return 32.0 if _urban_speed(t, peak_traffic) == 14.0 else 38.0


def run_times(pattern: Pattern, depart: int, peak_traffic: bool) -> tuple[tuple[int, int], ...]:
    """Arrival and departure at each stop for a trip leaving at `depart`, in whole seconds.

    Speeds follow the time of departure for the whole trip; traffic does not change
    much within one run and this keeps every trip of a period alike.
    """
    urban_mps = _urban_speed(depart, peak_traffic) / 3.6
    intercity_mps = _intercity_speed(depart, peak_traffic) / 3.6
    times = [(depart, depart)]
    t = depart
    last = len(pattern.hop_urban_m) - 1
    for i, (urban_m, intercity_m) in enumerate(zip(pattern.hop_urban_m, pattern.hop_intercity_m)):
        t += max(1, round(urban_m / urban_mps + intercity_m / intercity_mps))
        times.append((t, t if i == last else t + DWELL_S))
        t = times[-1][1]
    return tuple(times)


def _departures(first: int, steps: tuple[tuple[int, int], ...], last: int, scale: float) -> list[int]:
    out, t = [], first
    while t <= last:
        out.append(t)
        t += round(60 * scale * next(headway for until, headway in steps if t < until))
    return out


def _every(first: int, last: int, headway_min: int) -> list[int]:
    return list(range(first, last + 1, headway_min * 60))


def _departures_by_service(line: Line, rng: random.Random) -> dict[str, list[int]]:
    if line.kind is LineKind.NIGHT:
        return {WEEKDAY: _every(*_NIGHT), WEEKEND: _every(*_NIGHT)}
    if line.kind is LineKind.TOURIST:
        extra = {season.service_id: _every(*_TOURIST_EXTRA) for season in TOURIST_SEASONS}
        return {WEEKDAY: _every(*_TOURIST_BASE), WEEKEND: _every(*_TOURIST_BASE)} | extra
    first = 6 * H + 300 * rng.randint(0, 6)
    last = 21 * H + 1800 + 300 * rng.randint(0, 12)
    # Urban lines differ in demand; the quieter ones run at up to 1.75 times the base headway.
    scale = rng.choice((1.0, 1.25, 1.5, 1.75)) if line.kind is LineKind.URBAN else 1.0
    return {
        WEEKDAY: _departures(first, _WEEKDAY_HEADWAYS[line.kind], last, scale),
        WEEKEND: _departures(first + 1800, _WEEKEND_HEADWAYS[line.kind], last, scale),
    }


def _chain_blocks(line_id: str, service_id: str, runs: list[tuple[int, tuple[tuple[int, int], ...]]]) -> list[Trip]:
    """Assign buses: at each terminal the bus that has waited longest takes the next departure.

    A bus is ready MIN_LAYOVER_S after its arrival at the opposite terminal; with none
    ready, a new bus (block) starts.
    """
    waiting: dict[int, list[tuple[int, int]]] = {0: [], 1: []}  # terminal = direction leaving it
    counters = {0: 0, 1: 0}
    trips, blocks = [], 0
    for direction, times in sorted(runs, key=lambda r: (r[1][0][1], r[0])):
        queue = waiting[direction]
        if queue and queue[0][0] <= times[0][1]:
            _, block = heapq.heappop(queue)
        else:
            blocks += 1
            block = blocks
        heapq.heappush(waiting[1 - direction], (times[-1][0] + MIN_LAYOVER_S, block))
        counters[direction] += 1
        trip_id = f"{line_id}-{service_id}-{direction}-{counters[direction]:03d}"
        trips.append(Trip(trip_id, line_id, service_id, direction, f"{line_id}-{service_id}-B{block:02d}", times))
    return trips


def build_trips(line: Line, patterns: tuple[Pattern, Pattern], rng: random.Random) -> list[Trip]:
    """All trips of one line over every service, blocks chained per service."""
    trips = []
    for service_id, departures in _departures_by_service(line, rng).items():
        peak_traffic = service_id == WEEKDAY
        runs = [(p.direction, run_times(p, t, peak_traffic)) for p in patterns for t in departures]
        trips += _chain_blocks(line.line_id, service_id, runs)
    return trips
