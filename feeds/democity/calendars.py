"""Service calendars of the demo feed: weekday, weekend, tourist seasons, public holidays.

The feed covers a fixed period, never one relative to today, so that the same seed
always gives the same feed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

FEED_START = date(2026, 1, 1)
FEED_END = date(2027, 12, 31)

WEEKDAY = "WKD"
WEEKEND = "WKE"


@dataclass(frozen=True)
class Service:
    service_id: str
    weekdays: tuple[bool, ...]  # Monday first
    start: date
    end: date


_MON_FRI = (True,) * 5 + (False,) * 2
_SAT_SUN = (False,) * 5 + (True,) * 2
_EVERY_DAY = (True,) * 7

# Tourist lines run extra trips every day from April to October.
TOURIST_SEASONS = (
    Service("TS2026", _EVERY_DAY, date(2026, 4, 1), date(2026, 10, 31)),
    Service("TS2027", _EVERY_DAY, date(2027, 4, 1), date(2027, 10, 31)),
)
SERVICES = (Service(WEEKDAY, _MON_FRI, FEED_START, FEED_END), Service(WEEKEND, _SAT_SUN, FEED_START, FEED_END)) + TOURIST_SEASONS

# Public holidays run the weekend timetable. 2026 follows the State Council notice;
# 2027 has not been announced, so it is an approximation on the lunar dates without
# make-up working days. Good enough for a demo feed.
HOLIDAYS: tuple[tuple[date, date], ...] = (
    (date(2026, 1, 1), date(2026, 1, 3)),
    (date(2026, 2, 15), date(2026, 2, 23)),
    (date(2026, 4, 4), date(2026, 4, 6)),
    (date(2026, 5, 1), date(2026, 5, 5)),
    (date(2026, 6, 19), date(2026, 6, 21)),
    (date(2026, 9, 25), date(2026, 9, 27)),
    (date(2026, 10, 1), date(2026, 10, 7)),
    (date(2027, 1, 1), date(2027, 1, 3)),
    (date(2027, 2, 6), date(2027, 2, 12)),
    (date(2027, 4, 3), date(2027, 4, 5)),
    (date(2027, 5, 1), date(2027, 5, 5)),
    (date(2027, 6, 9), date(2027, 6, 11)),
    (date(2027, 9, 15), date(2027, 9, 17)),
    (date(2027, 10, 1), date(2027, 10, 7)),
)
# Weekend days worked in exchange for a long holiday: they run the weekday timetable.
MAKEUP_WORKDAYS = (date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 9, 20), date(2026, 10, 10))


def list_exceptions() -> list[tuple[str, date, int]]:
    """calendar_dates rows (service_id, date, exception_type: 1 added, 2 removed), by date."""
    rows = []
    for first, last in HOLIDAYS:
        day = first
        while day <= last:
            if day.weekday() < 5:
                rows += [(WEEKDAY, day, 2), (WEEKEND, day, 1)]
            day += timedelta(days=1)
    for day in MAKEUP_WORKDAYS:
        rows += [(WEEKDAY, day, 1), (WEEKEND, day, 2)]
    return sorted(rows, key=lambda r: (r[1], r[0]))
