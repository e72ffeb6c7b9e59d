"""Service days: which trips run on a date, and GTFS times as real instants.

A service day is not a calendar day: GTFS times are measured from "noon minus
12 h" of the service day (so they stay right across DST changes), and run past
24:00 for trips after midnight.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from transit.model.network import Network, Trip


class DayType(enum.StrEnum):
    """The kinds of day a schedule runs a timetable for (holidays run a weekend one)."""

    WEEKDAY = "weekday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"

    def includes(self, day: date) -> bool:
        weekday = day.weekday()
        if self is DayType.WEEKDAY:
            return weekday < 5
        return weekday == (5 if self is DayType.SATURDAY else 6)


def parse_gtfs_time(text: str) -> int:
    """'25:10:05' -> 90605 seconds. Raises ValueError on anything else."""
    parts = text.strip().split(":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"not a GTFS time H:MM:SS: {text!r}")
    hours, minutes, seconds = (int(p) for p in parts)
    if minutes > 59 or seconds > 59:
        raise ValueError(f"minutes or seconds out of range: {text!r}")
    return hours * 3600 + minutes * 60 + seconds


def format_gtfs_time(seconds: int) -> str:
    """90605 -> '25:10:05'."""
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def service_day_origin(day: date, timezone: str) -> datetime:
    """The instant that GTFS time 0 of ``day`` means: local noon minus 12 h."""
    noon = datetime.combine(day, time(12), tzinfo=ZoneInfo(timezone))
    return noon - timedelta(hours=12)


# A service day runs from 03:00 to 03:00 for passengers: a bus after midnight
# still belongs to the evening before.
SERVICE_DAY_TURNS_AT = timedelta(hours=3)


def service_day_of(instant: float, timezone: str) -> date:
    """The service day a passenger at ``instant`` is in (it turns at 03:00 local)."""
    return (datetime.fromtimestamp(instant, ZoneInfo(timezone)) - SERVICE_DAY_TURNS_AT).date()


def to_unix(day: date, seconds: float, timezone: str) -> float:
    """Service-day seconds on ``day`` -> Unix seconds."""
    return service_day_origin(day, timezone).timestamp() + seconds


def active_service_ids(network: Network, day: date) -> frozenset[str]:
    return frozenset(
        sid for sid, calendar in network.calendars.items() if calendar.runs_on(day)
    )


def list_trips_on(network: Network, day: date) -> list[Trip]:
    """Trips of service day ``day``, in order of departure."""
    active = active_service_ids(network, day)
    trips = [t for t in network.trips.values() if t.service_id in active]
    trips.sort(key=lambda t: (t.start, t.trip_id))
    return trips


def service_days_at(network: Network, instant: datetime) -> list[date]:
    """Service days whose trips may be running at ``instant``: today and,
    for trips after midnight, yesterday."""
    local = instant.astimezone(ZoneInfo(network.timezone)).date()
    return [local - timedelta(days=1), local]


def block_trips_on(network: Network, block_id: str | None, services: frozenset[str]) -> tuple[str, ...]:
    """The trips of a block that run on a service day with ``services`` active:
    feeds reuse block ids across calendars (weekday and weekend runs of one
    block id), and only that day's trips follow one another."""
    if not block_id:
        return ()
    trips = network.trips
    return tuple(t for t in network.trips_by_block.get(block_id, ()) if trips[t].service_id in services)
