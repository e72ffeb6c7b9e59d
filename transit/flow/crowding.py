"""Live crowding: the riders a bus has on board now, from today's taps and
where riders boarding where they did usually get off (docs/flow.md "Live crowding").

Taps are boarding-only. Each tap that reaches the live state while its bus
runs a tracked trip is one rider on, at the stop the bus stands at, or else
the one it last left (a tap is sent as the rider boards, so a bus already
moving took the rider at its previous stop). Where that rider gets off is
unknown: they are spread over the later stops by the alighting shares
(``alighting_shares``), and as the bus reaches each stop the riders expected
off there leave: when tracking first has it standing there or beyond
(``reach``), or when its stop event says it passed (``pass_stop``), whichever
comes first; the event comes only once the bus has left, half a minute or more
after riders got off. The load is thus an expected count (a float); at the
trip's last stop everyone is off.

The tap's placement uses our clock (when the tap arrived), never the
reader's, whose clock may be minutes or hours off.

Pure: the vehicle's state, its events, the shares and the time come in as
arguments; every value is immutable.
"""

from __future__ import annotations

import enum
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from types import MappingProxyType

from transit.flow.alighting_shares import AlightingShares
from transit.model.network import Network, Pattern
from transit.model.service_days import to_unix
from transit.records import StopEvent
from transit.tracking.state import StopStatus, VehicleState


class Occupancy(enum.IntEnum):
    """GTFS-Realtime ``VehiclePosition.OccupancyStatus``, same numbers."""

    EMPTY = 0
    MANY_SEATS_AVAILABLE = 1
    FEW_SEATS_AVAILABLE = 2
    STANDING_ROOM_ONLY = 3
    CRUSHED_STANDING_ROOM_ONLY = 4
    FULL = 5
    NO_DATA_AVAILABLE = 7


@dataclass(frozen=True, slots=True)
class CrowdingParams:
    """Capacity and the thresholds of each status, as shares of capacity
    (upper bounds, exclusive). Defaults: a 10.5 m city bus of 80 places (the
    simulator's), about 32 of them seats, so seats run out near 40%."""

    capacity: float = 80.0  # riders, seated and standing
    empty_below: float = 0.05  # a handful of riders (under 4)
    many_seats_below: float = 0.25  # under ~60% of the seats taken
    few_seats_below: float = 0.40  # the seats (32 of 80) are full from here
    standing_below: float = 0.75  # standees with room to move
    crushed_below: float = 1.0  # then packed; FULL from capacity on

    def __post_init__(self) -> None:
        if not self.capacity > 0:
            raise ValueError(f"bus capacity must be a positive number of riders, got {self.capacity}")
        bounds = (0.0, self.empty_below, self.many_seats_below, self.few_seats_below,
                  self.standing_below, self.crushed_below)
        if any(low >= high for low, high in zip(bounds, bounds[1:])):
            raise ValueError(f"crowding thresholds must rise strictly above 0, got {bounds[1:]}")

    def status(self, load: float) -> Occupancy:
        """The occupancy status of ``load`` riders on board."""
        share = load / self.capacity
        for bound, status in ((self.empty_below, Occupancy.EMPTY),
                              (self.many_seats_below, Occupancy.MANY_SEATS_AVAILABLE),
                              (self.few_seats_below, Occupancy.FEW_SEATS_AVAILABLE),
                              (self.standing_below, Occupancy.STANDING_ROOM_ONLY),
                              (self.crushed_below, Occupancy.CRUSHED_STANDING_ROOM_ONLY)):
            if share < bound:
                return status
        return Occupancy.FULL


@dataclass(frozen=True, slots=True)
class Crowding:
    """What riders are told of a bus's load on one trip."""

    vehicle_id: str
    trip_id: str
    service_date: date
    load: float  # expected riders on board
    percentage: int  # load / capacity, rounded; above 100 when packed beyond it
    status: Occupancy
    learned: bool  # alightings from a built day's pattern; False: spread evenly
    boardings: int  # taps counted on the trip so far
    at: float  # when the estimate last changed, Unix s


@dataclass(frozen=True, slots=True)
class OnBoard:
    """One bus's estimate on one trip."""

    vehicle_id: str
    trip_id: str
    service_date: date
    pattern_id: str
    origin: float  # Unix s of the service day's 00:00 (hours of taps count from it)
    boardings: int
    alighted: float  # expected riders off so far
    passed: int  # index of the last stop the bus left, -1 before its first
    due: tuple[float, ...]  # expected riders still to get off, by stop index
    learned: bool  # every boarding's shares were learned
    ended: bool  # the bus reached the last stop: everyone is off
    at: float

    @property
    def load(self) -> float:
        return 0.0 if self.ended else max(0.0, self.boardings - self.alighted)


NO_CROWDING: Mapping[str, Crowding] = MappingProxyType({})


class Unplaced(enum.StrEnum):
    """Why a tap was counted but put on no trip."""

    NO_TRIP = "no_trip"  # the vehicle is unknown, or not on a tracked trip
    TRIP_END = "trip_end"  # the bus is at (or past) its trip's last stop


def start_trip(vehicle_id: str, trip_id: str, service_date: date, network: Network,
               at: float, learned: bool = True) -> OnBoard:
    """A bus on ``trip_id`` with nobody counted on board yet; ``learned``:
    whether the shares its riders will get are learned (the book knows)."""
    pattern = network.patterns[network.trips[trip_id].pattern_id]
    return OnBoard(vehicle_id, trip_id, service_date, pattern.pattern_id,
                   to_unix(service_date, 0, network.timezone), 0, 0.0, -1,
                   (0.0,) * len(pattern.stop_ids), learned, False, at)


def board(on_board: OnBoard | None, state: VehicleState | None, network: Network,
          shares: AlightingShares, at: float) -> OnBoard | Unplaced:
    """``on_board`` with one rider more, tapped at ``at`` on the bus in ``state``
    (a new estimate when the bus has moved on to another trip)."""
    trip = None if state is None else state.trip
    if state is None or trip is None or state.stop_index is None or trip.trip_id not in network.trips:
        return Unplaced.NO_TRIP
    current = on_board
    if current is None or (current.trip_id, current.service_date) != (trip.trip_id, trip.service_date):
        current = start_trip(state.vehicle_id, trip.trip_id, trip.service_date, network, at,
                             shares.learned_from)
    index = max(reached(state) or 0, current.passed)  # never before a stop it already reached
    if current.ended or index >= len(current.due) - 1:
        return Unplaced.TRIP_END
    found = shares.find(current.pattern_id, int((at - current.origin) // 3600), index)
    due = tuple(d + s for d, s in zip(current.due, found.by_stop))
    return replace(current, boardings=current.boardings + 1, due=due,
                   learned=current.learned and found.learned, at=at)


def reach(on_board: OnBoard, index: int, at: float) -> OnBoard:
    """``on_board`` once the bus reached stop ``index`` (and any it skipped
    before it): the riders due there are off; at the last stop, all are."""
    if index <= on_board.passed:
        return on_board
    index = min(index, len(on_board.due) - 1)
    off = sum(on_board.due[on_board.passed + 1:index + 1])
    due = (0.0,) * (index + 1) + on_board.due[index + 1:]
    return replace(on_board, alighted=on_board.alighted + off, passed=index, due=due,
                   ended=index == len(on_board.due) - 1, at=at)


def reached(state: VehicleState) -> int | None:
    """The furthest stop index ``state`` shows the bus has reached: the one it
    stands at, else the one before its next (-1 before the first)."""
    if state.stop_index is None:
        return None
    return state.stop_index if state.status is StopStatus.STOPPED_AT else state.stop_index - 1


def pass_stop(on_board: OnBoard, event: StopEvent, network: Network, at: float) -> OnBoard:
    """``on_board`` once the bus passed the stop of ``event`` (``reach``).
    An event of another trip changes nothing."""
    if (event.trip_id, event.service_date) != (on_board.trip_id, on_board.service_date):
        return on_board
    index = index_of(network.patterns[on_board.pattern_id], event.stop_sequence)
    return on_board if index is None else reach(on_board, index, at)


def index_of(pattern: Pattern, stop_sequence: int) -> int | None:
    """The index in ``pattern`` of the stop with ``stop_sequence``, if any."""
    if not pattern.stop_sequences:
        index = stop_sequence - 1
        return index if 0 <= index < len(pattern.stop_ids) else None
    index = bisect_left(pattern.stop_sequences, stop_sequence)
    found = index < len(pattern.stop_sequences) and pattern.stop_sequences[index] == stop_sequence
    return index if found else None


def crowding_of(on_board: OnBoard, params: CrowdingParams) -> Crowding:
    load = on_board.load
    return Crowding(on_board.vehicle_id, on_board.trip_id, on_board.service_date, round(load, 2),
                    round(100.0 * load / params.capacity), params.status(load),
                    on_board.learned, on_board.boardings, on_board.at)


def find_crowding(crowding: Mapping[str, Crowding], vehicle_id: str | None, trip_id: str,
                  service_date: date) -> Crowding | None:
    """The estimate of ``vehicle_id`` on that trip; None: no data (no tap
    reader on the bus, no tap today, or the bus is not on that trip yet)."""
    found = None if vehicle_id is None else crowding.get(vehicle_id)
    if found is None or found.trip_id != trip_id or found.service_date != service_date:
        return None
    return found


# What riders read, the same on signs, stop pages and the app: a short word per
# status, and from STANDING_ROOM_ONLY on one worth a mark on an LED row.
LABELS = {
    Occupancy.EMPTY: "空",
    Occupancy.MANY_SEATS_AVAILABLE: "较空",
    Occupancy.FEW_SEATS_AVAILABLE: "适中",
    Occupancy.STANDING_ROOM_ONLY: "较挤",
    Occupancy.CRUSHED_STANDING_ROOM_ONLY: "拥挤",
    Occupancy.FULL: "满载",
}


def is_crowded(crowding: Crowding | None) -> bool:
    """Whether riders would stand: the estimate worth a mark on a short display."""
    return crowding is not None and crowding.status >= Occupancy.STANDING_ROOM_ONLY


def crowding_json(crowding: Crowding | None) -> dict[str, object] | None:
    """The JSON form every channel serves (None: no estimate)."""
    if crowding is None:
        return None
    return {"status": crowding.status.name.lower(), "percentage": crowding.percentage,
            "label": LABELS[crowding.status], "learned": crowding.learned}
