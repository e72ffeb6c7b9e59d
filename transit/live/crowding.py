"""The live state's crowding book: each bus's on-board estimate
(``transit.flow.crowding``), moved on by the taps and stop events the single
writer applies, published as an immutable mapping for the snapshot; and the
alighting shares it starts from, learned from the latest built flow day.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from types import MappingProxyType

from transit.flow.alighting_shares import AlightingShares
from transit.flow.crowding import (
    NO_CROWDING,
    Crowding,
    CrowdingParams,
    OnBoard,
    Unplaced,
    board,
    crowding_of,
    pass_stop,
    reach,
    reached,
    start_trip,
)
from transit.model.network import Network
from transit.records import StopEvent, Tap
from transit.store import Pool
from transit.store.flow import list_flow_days, list_stop_od
from transit.tracking.state import VehicleState

_log = logging.getLogger(__name__)


class CrowdingBook:
    """Per vehicle, its estimate on its current (or last) trip. Owned by the
    live state's writer; ``publish`` hands readers an immutable copy."""

    def __init__(self, network: Network, shares: AlightingShares | None = None,
                 params: CrowdingParams = CrowdingParams()) -> None:
        self._network = network
        self._shares = shares if shares is not None else AlightingShares(network)
        self._params = params
        self._on_board: dict[str, OnBoard] = {}
        self._crowding: dict[str, Crowding] = {}
        self._published: Mapping[str, Crowding] | None = NO_CROWDING
        self.boarded = 0  # taps placed on a trip
        self.unplaced: Counter[Unplaced] = Counter()

    def tap(self, tap: Tap, state: VehicleState | None, at: float) -> None:
        """One rider on ``tap.vehicle_id``, whose state is ``state``, at ``at``."""
        placed = board(self._on_board.get(tap.vehicle_id), state, self._network, self._shares, at)
        if isinstance(placed, Unplaced):
            self.unplaced[placed] += 1
            return
        self.boarded += 1
        self._keep(placed)

    def moved(self, state: VehicleState, at: float) -> None:
        """Riders off at the stops ``state`` shows the bus has reached: as it
        stops there, before the stop event that waits for it to leave. The
        per-report path: one lookup for a bus with no tap reader."""
        current = self._on_board.get(state.vehicle_id)
        if current is None or state.trip is None:
            return
        current = self._on_trip(current, state.vehicle_id, state.trip.trip_id, state.trip.service_date, at)
        index = reached(state)
        if current is not None and index is not None:
            self._keep_if_new(reach(current, index, at))

    def passed(self, events: Sequence[StopEvent], at: float) -> None:
        """Riders off at the stops the ``events`` passed (the trip's last
        stop, or one ``moved`` missed)."""
        for event in events:
            current = self._on_board.get(event.vehicle_id)
            if current is None:
                continue  # no tap reader heard from: no estimate
            current = self._on_trip(current, event.vehicle_id, event.trip_id, event.service_date, at)
            if current is not None:
                self._keep_if_new(pass_stop(current, event, self._network, at))

    def _on_trip(self, current: OnBoard, vehicle_id: str, trip_id: str, service_date: date,
                 at: float) -> OnBoard | None:
        """The bus's estimate on ``trip_id``: ``current``, or a new one, empty,
        when a bus that tapped that service day starts another trip (it has a
        reader: nobody tapped yet, not "no data"); None for another day's trip."""
        if (current.trip_id, current.service_date) == (trip_id, service_date):
            return current
        if current.service_date != service_date or trip_id not in self._network.trips:
            return None
        return start_trip(vehicle_id, trip_id, service_date, self._network, at,
                          self._shares.learned_from)

    def _keep_if_new(self, on_board: OnBoard) -> None:
        if on_board is not self._on_board.get(on_board.vehicle_id):
            self._keep(on_board)

    def _keep(self, on_board: OnBoard) -> None:
        self._on_board[on_board.vehicle_id] = on_board
        self._crowding[on_board.vehicle_id] = crowding_of(on_board, self._params)
        self._published = None

    def publish(self) -> Mapping[str, Crowding]:
        """Every vehicle's estimate; the same object until one changes."""
        if self._published is None:
            self._published = MappingProxyType(dict(self._crowding))
        return self._published


async def load_alighting_shares(pool: Pool, network: Network) -> AlightingShares:
    """Shares learned from the latest built flow day (evenly spread without one)."""
    days = await list_flow_days(pool)
    if not days:
        _log.info("crowding_shares_even reason=no_flow_day", extra={"event": "crowding_shares"})
        return AlightingShares(network)
    day: date = days[0].service_date
    od = await list_stop_od(pool, day)
    _log.info("crowding_shares_learned service_date=%s od_rows=%d", day, len(od),
              extra={"event": "crowding_shares"})
    return AlightingShares(network, od)
