"""What tracking knows about one vehicle, as readers (feeds, API) see it."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date


class StopStatus(enum.Enum):
    """GTFS-Realtime VehicleStopStatus, same meanings."""

    INCOMING_AT = 0
    STOPPED_AT = 1
    IN_TRANSIT_TO = 2


@dataclass(frozen=True, slots=True)
class TripRef:
    """The trip a vehicle runs, as GTFS-Realtime's TripDescriptor needs it."""

    trip_id: str
    route_id: str
    direction_id: int
    service_date: date
    start_time: int  # scheduled first departure, GTFS service-day seconds
    block_id: str | None


@dataclass(frozen=True, slots=True)
class VehicleState:
    vehicle_id: str
    timestamp: float  # of the fix this state is built on, Unix seconds
    lat: float
    lon: float
    speed_mps: float | None
    bearing: float | None
    trip: TripRef | None  # None: not (yet) matched to a trip
    stop_index: int | None  # index in the trip's pattern of the current or next stop
    stop_sequence: int | None  # the GTFS stop_sequence of that stop
    stop_id: str | None
    status: StopStatus | None
    distance_along: float | None  # metres along the trip's shape
    delay_s: float | None  # positive: late against the schedule
    off_route: bool = False
    # False while the trip is only guessed from the bus's position (no
    # assignment, no descriptor, not yet seen leaving a first stop): the
    # block it implies may be another bus's.
    block_confirmed: bool = True
