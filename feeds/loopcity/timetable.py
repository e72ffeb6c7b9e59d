"""The loop city's weekday trips and blocks. Times are seconds after the start
of the service day; speeds km/h; headways minutes."""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass

from feeds.loopcity.lines import Line, LineKind, Pattern

H = 3600
DWELL_S = 20
# A loop bus turns round at once (its trip's end is the next trip's start); the
# others lay over at the far terminal.
LAYOVER_S = {LineKind.LOOP: 120, LineKind.OUT_AND_BACK: 240, LineKind.ORDINARY: 300}
# (until, headway) steps of the weekday timetable by line kind.
HEADWAYS = {
    LineKind.LOOP: ((7 * H, 12), (9 * H, 8), (17 * H, 12), (19 * H, 8), (30 * H, 15)),
    LineKind.OUT_AND_BACK: ((7 * H, 20), (9 * H, 12), (17 * H, 20), (19 * H, 12), (30 * H, 20)),
    LineKind.ORDINARY: ((7 * H, 15), (9 * H, 10), (17 * H, 15), (19 * H, 10), (30 * H, 20)),
}


@dataclass(frozen=True)
class Trip:
    trip_id: str
    line_id: str
    direction: int
    block_id: str
    times: tuple[tuple[int, int], ...]  # (arrival, departure) at each stop of the pattern


def _speed_mps(t: int) -> float:
    peak = 7 * H <= t < 9 * H or 17 * H <= t < 19 * H
    return (14.0 if peak else 17.0 if t < 20 * H else 20.0) / 3.6


def run_times(pattern: Pattern, depart: int) -> tuple[tuple[int, int], ...]:
    """Arrival and departure at each stop of a trip leaving at ``depart``."""
    speed = _speed_mps(depart)
    times = [(depart, depart)]
    dists = pattern.stop_dist_m
    for i in range(1, len(dists)):
        arrival = times[-1][1] + max(1, round((dists[i] - dists[i - 1]) / speed))
        times.append((arrival, arrival if i == len(dists) - 1 else arrival + DWELL_S))
    return tuple(times)


def _departures(first: int, last: int, steps: tuple[tuple[int, int], ...]) -> list[int]:
    out, t = [], first
    while t <= last:
        out.append(t)
        t += 60 * next(headway for until, headway in steps if t < until)
    return out


def build_trips(line: Line, patterns: tuple[Pattern, ...], rng: random.Random) -> list[Trip]:
    """Every weekday trip of ``line``, chained into blocks: at each terminal the
    bus waiting longest (ready ``LAYOVER_S`` after it arrived there) takes the
    next departure; with none ready, a new bus starts."""
    first = 6 * H + 300 * rng.randint(0, 4)
    last = 21 * H + 300 * rng.randint(0, 6)
    departures = _departures(first, last, HEADWAYS[line.kind])
    runs = sorted(((run_times(p, t), p) for p in patterns for t in departures),
                  key=lambda r: (r[0][0][1], r[1].direction))
    waiting: dict[tuple[int, int], list[tuple[int, int]]] = {}  # terminal node -> (ready at, block)
    counters = [0] * len(patterns)
    trips, blocks = [], 0
    for times, pattern in runs:
        queue = waiting.setdefault(pattern.stops[0], [])
        if queue and queue[0][0] <= times[0][1]:
            _, block = heapq.heappop(queue)
        else:
            blocks += 1
            block = blocks
        heapq.heappush(waiting.setdefault(pattern.stops[-1], []), (times[-1][0] + LAYOVER_S[line.kind], block))
        counters[pattern.direction] += 1
        trip_id = f"{line.line_id}-{pattern.direction}-{counters[pattern.direction]:03d}"
        trips.append(Trip(trip_id, line.line_id, pattern.direction, f"{line.line_id}-B{block:02d}", times))
    return trips
