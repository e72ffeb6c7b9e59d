"""A hand-made line and its live state for the console's live view and alarms:
line L1 of 12 stops 400 m apart each way, a trip every 10 minutes in each
direction (06:00 to 21:00, one minute between stops), and builders for the
buses and stop departures a test needs."""

from __future__ import annotations

from collections.abc import Iterable

from tests.simulator.helpers import WEEKDAY, make_network
from transit.model.network import Network
from transit.model.service_days import service_day_origin
from transit.records import StopEvent
from transit.tracking.departures import DepartureBook, RecentDepartures
from transit.tracking.state import StopStatus, TripRef, VehicleState

HEADWAY_S = 600
NETWORK: Network = make_network(lines=1, stops_per_line=12, headway_s=HEADWAY_S, layover_s=540)
DAY = WEEKDAY
ORIGIN = service_day_origin(DAY, NETWORK.timezone).timestamp()
EIGHT = 8 * 3600  # service-day seconds of 08:00


def at(seconds: float) -> float:
    """Unix seconds of service-day seconds on DAY."""
    return ORIGIN + seconds


def trip_id(start_s: int, direction: int = 0) -> str:
    found = f"L1-{start_s:05d}-{direction}"
    assert found in NETWORK.trips, found
    return found


def bus(vehicle_id: str, trip: str, stop_index: int, heard_at: float, *, delay_s: float = 0.0,
        off_route: bool = False, along: float | None = None) -> VehicleState:
    """A bus on ``trip`` heading for (or at) stop ``stop_index``."""
    t = NETWORK.trips[trip]
    pattern = NETWORK.patterns[t.pattern_id]
    distance = pattern.stop_dists[stop_index] - 100.0 if along is None else along
    return VehicleState(vehicle_id, heard_at, 35.08, 108.93, 8.0, 90.0,
                        TripRef(trip, t.route_id, t.direction_id, DAY, t.start, t.block_id), stop_index,
                        stop_index + 1, pattern.stop_ids[stop_index], StopStatus.IN_TRANSIT_TO,
                        max(0.0, distance), delay_s, off_route)


def left(vehicle_id: str, trip: str, stop_index: int, late_s: float = 0.0) -> StopEvent:
    """``trip`` leaving stop ``stop_index`` ``late_s`` after its timetable."""
    t = NETWORK.trips[trip]
    stop_id = NETWORK.patterns[t.pattern_id].stop_ids[stop_index]
    when = at(t.departures[stop_index] + late_s)
    return StopEvent(DAY, trip, stop_index + 1, stop_id, vehicle_id, when - 10, when)


def run(vehicle_id: str, trip: str, up_to: int, late_s: float = 0.0) -> list[StopEvent]:
    """``trip`` leaving each stop before ``up_to``, ``late_s`` late at each."""
    return [left(vehicle_id, trip, i, late_s) for i in range(up_to)]


def departures(events: Iterable[StopEvent]) -> RecentDepartures:
    book = DepartureBook(NETWORK)
    book.add(events)
    return book.publish()
