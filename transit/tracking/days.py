"""The service days a tracker looks at: which services run on each date, and
where each day's GTFS time 0 is, computed once per date and kept (the tracker
asks for every match and every trip it starts)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from transit.model.network import Network, Trip
from transit.model.service_days import active_service_ids, block_trips_on, service_day_origin

ServiceDay = tuple[date, float, frozenset[str]]  # date, Unix time of its origin, active services


class ServiceDays:
    def __init__(self, network: Network) -> None:
        self._network = network
        self._zone = ZoneInfo(network.timezone)
        self._services: dict[date, frozenset[str]] = {}
        self._origins: dict[date, float] = {}

    def around(self, t: float) -> list[ServiceDay]:
        """The service days a fix at ``t`` may belong to: the day before the
        local date (its trips run past 24:00), then the local date."""
        local = datetime.fromtimestamp(t, self._zone).date()
        return [(day, self.origin(day), self.active(day)) for day in (local - timedelta(days=1), local)]

    def active(self, day: date) -> frozenset[str]:
        if day not in self._services:
            self._services[day] = active_service_ids(self._network, day)
        return self._services[day]

    def origin(self, day: date) -> float:
        if day not in self._origins:
            self._origins[day] = service_day_origin(day, self._network.timezone).timestamp()
        return self._origins[day]

    def block_on(self, trip: Trip, day: date) -> tuple[str, ...]:
        """The trips of ``trip``'s block that run on ``day``, in order; the
        trip alone when it has no block."""
        return block_trips_on(self._network, trip.block_id, self.active(day)) or (trip.trip_id,)
