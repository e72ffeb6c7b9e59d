"""Is each line's live data fresh? What the console says beside every line.

A line is *live* when a bus on one of its trips was heard from recently
enough (``transit.freshness.is_fresh``: the one rule every channel uses);
*stale* when the timetable runs trips of it now but no bus on it is fresh
(the console says so in red and shows no bus, never the timetable as if it
were live); *idle* when it runs nothing now and no bus on it is heard.
Pure: the vehicles and ``now`` come in.
"""

from __future__ import annotations

import enum
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from transit.freshness import is_fresh
from transit.model.network import Network
from transit.model.service_days import active_service_ids, service_day_origin
from transit.tracking.state import VehicleState

DAYS_KEPT = 4  # service days whose running trips are remembered


class LineState(enum.StrEnum):
    LIVE = "live"
    STALE = "stale"
    IDLE = "idle"


@dataclass(frozen=True, slots=True)
class LineFreshness:
    route_id: str
    state: LineState
    live_buses: int  # fresh buses on the line's trips
    scheduled_trips: int  # trips of the line the timetable runs now
    heard_at: float | None  # the newest report of a bus on the line (fresh or not)


class ScheduledService:
    """How many trips of each line the timetable runs at an instant."""

    def __init__(self, network: Network) -> None:
        self._network = network
        self._days: dict[date, Mapping[str, tuple[list[float], list[float]]]] = {}

    def running(self, route_id: str, now: float) -> int:
        """Trips of ``route_id`` between their first departure and last arrival at ``now``."""
        local = datetime.fromtimestamp(now, ZoneInfo(self._network.timezone)).date()
        count = 0
        for day in (local - timedelta(days=1), local):  # a trip after midnight runs on yesterday's day
            starts, ends = self._spans(day).get(route_id, ([], []))
            count += bisect_right(starts, now) - bisect_left(ends, now)
        return count

    def _spans(self, day: date) -> Mapping[str, tuple[list[float], list[float]]]:
        found = self._days.get(day)
        if found is None:
            origin = service_day_origin(day, self._network.timezone).timestamp()
            active = active_service_ids(self._network, day)
            starts: dict[str, list[float]] = defaultdict(list)
            ends: dict[str, list[float]] = defaultdict(list)
            for trip in self._network.trips.values():
                if trip.service_id in active:
                    starts[trip.route_id].append(origin + trip.start)
                    ends[trip.route_id].append(origin + trip.end)
            found = {r: (sorted(starts[r]), sorted(ends[r])) for r in starts}
            if len(self._days) >= DAYS_KEPT:
                del self._days[min(self._days)]
            self._days[day] = found
        return found


def list_line_freshness(network: Network, service: ScheduledService, vehicles: Iterable[VehicleState],
                        now: float) -> dict[str, LineFreshness]:
    """route_id -> the freshness of its live data at ``now``, for every line."""
    heard: dict[str, float] = {}
    live: dict[str, int] = defaultdict(int)
    for vehicle in vehicles:
        if vehicle.trip is None:
            continue
        route_id = vehicle.trip.route_id
        heard[route_id] = max(heard.get(route_id, vehicle.timestamp), vehicle.timestamp)
        if is_fresh(vehicle.timestamp, now) and vehicle.timestamp <= now + 60:
            live[route_id] += 1
    found = {}
    for route_id in network.routes:
        running = service.running(route_id, now)
        state = LineState.LIVE if live[route_id] else LineState.STALE if running else LineState.IDLE
        found[route_id] = LineFreshness(route_id, state, live[route_id], running, heard.get(route_id))
    return found
