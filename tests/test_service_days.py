from datetime import date, datetime
from zoneinfo import ZoneInfo

from transit.model.service_days import service_day_of

TZ = "Asia/Shanghai"


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(TZ)).timestamp()


def test_the_service_day_turns_at_three_in_the_network_time_zone() -> None:
    assert service_day_of(at("2026-07-04 02:59"), TZ) == date(2026, 7, 3)
    assert service_day_of(at("2026-07-04 03:00"), TZ) == date(2026, 7, 4)
    # The same instant is still the 3rd in Los Angeles, whatever the machine's zone.
    assert service_day_of(at("2026-07-04 12:00"), "America/Los_Angeles") == date(2026, 7, 3)
