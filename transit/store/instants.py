"""Unix seconds (the records' instants) to and from timestamptz values.

PostgreSQL keeps microseconds, so an instant survives a round trip to the
nearest microsecond.
"""

from __future__ import annotations

from datetime import UTC, datetime


def to_datetime(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def to_datetime_or_none(seconds: float | None) -> datetime | None:
    return None if seconds is None else to_datetime(seconds)


def to_seconds(instant: datetime) -> float:
    return instant.timestamp()


def to_seconds_or_none(instant: datetime | None) -> float | None:
    return None if instant is None else instant.timestamp()
