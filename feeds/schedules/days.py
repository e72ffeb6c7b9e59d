"""Which day of a schedule to block: a day type stands for its typical service
day, the one whose set of running services is the most common among the days
of that type (so a weekday is not a holiday, nor a day of a tourist season)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from transit.model.network import Network, Trip
# DayType lives in the core (the timetable engine's scenarios name it); re-exported here.
from transit.model.service_days import DayType, active_service_ids, list_trips_on


class NoServiceDay(LookupError):
    """The schedule runs no trip on any day of the type."""


@dataclass(frozen=True, slots=True)
class ServiceDay:
    day: date  # the first day with the typical services
    service_ids: frozenset[str]
    trips: tuple[Trip, ...]  # in order of departure
    days_alike: int  # days of the type running exactly these services


def typical_day(network: Network, day_type: DayType) -> ServiceDay:
    """The typical service day of ``day_type`` in the schedule's calendar range."""
    counts: Counter[frozenset[str]] = Counter()
    first_day: dict[frozenset[str], date] = {}
    for day in _calendar_days(network):
        services = active_service_ids(network, day)
        if day_type.includes(day) and services:
            counts[services] += 1
            first_day.setdefault(services, day)
    if not counts:
        raise NoServiceDay(f"the schedule runs no service on any {day_type.value}")
    services, alike = max(counts.items(), key=lambda item: (item[1], -first_day[item[0]].toordinal()))
    day = first_day[services]
    return ServiceDay(day, services, tuple(list_trips_on(network, day)), alike)


def _calendar_days(network: Network) -> list[date]:
    bounds: list[date] = []
    for calendar in network.calendars.values():
        bounds += [d for d in (calendar.start, calendar.end) if d is not None]
        bounds += list(calendar.added)
    if not bounds:
        return []
    first, last = min(bounds), max(bounds)
    return [first + timedelta(days=k) for k in range((last - first).days + 1)]
