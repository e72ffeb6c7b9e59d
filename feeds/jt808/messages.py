"""JT/T 808 messages as plain frozen data: the header and one type per body.

Units are the protocol's own (1e-6 degree, 0.1 km/h, metres, GMT+8 BCD time) so a
decoded message encodes back to the same bytes; properties give SI and Unix time.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

# Terminals report their fix time as local Beijing time, whatever their position.
GMT8 = timezone(timedelta(hours=8))

STATUS_POSITIONED = 1 << 1
STATUS_SOUTH = 1 << 2
STATUS_WEST = 1 << 3


class Edition(enum.IntEnum):
    """Protocol edition; 2019 is marked by bit 14 of the body attributes."""

    V2013 = 2013
    V2019 = 2019


class MsgId(enum.IntEnum):
    TERMINAL_GENERAL_RESPONSE = 0x0001
    HEARTBEAT = 0x0002
    LOGOUT = 0x0003
    REGISTRATION = 0x0100
    AUTHENTICATION = 0x0102
    LOCATION_REPORT = 0x0200
    BATCH_LOCATION = 0x0704
    PLATFORM_GENERAL_RESPONSE = 0x8001
    REGISTRATION_RESPONSE = 0x8100


class GeneralResult(enum.IntEnum):
    """Result byte of the general responses (0x0001, 0x8001)."""

    OK = 0
    FAILURE = 1
    MESSAGE_ERROR = 2
    NOT_SUPPORTED = 3
    ALARM_CONFIRMED = 4


class RegistrationResult(enum.IntEnum):
    """Result byte of the registration response (0x8100)."""

    OK = 0
    VEHICLE_TAKEN = 1
    NO_SUCH_VEHICLE = 2
    TERMINAL_TAKEN = 3
    NO_SUCH_TERMINAL = 4


class BatchKind(enum.IntEnum):
    NORMAL = 0
    BACKLOG = 1  # blind-zone reports uploaded once the network came back


@dataclass(frozen=True, slots=True)
class Subpackage:
    total: int
    index: int  # 1-based


@dataclass(frozen=True, slots=True)
class Header:
    """Message header; ``phone`` is the terminal number without leading zeros."""

    msg_id: int
    phone: str
    flow: int  # the sender's serial number, echoed in responses
    edition: Edition = Edition.V2013
    protocol_version: int = 1  # 2019 only
    encryption: int = 0  # the 3 encryption bits; 0 = clear
    subpackage: Subpackage | None = None


@dataclass(frozen=True, slots=True)
class TerminalGeneralResponse:
    reply_flow: int
    reply_id: int
    result: int


@dataclass(frozen=True, slots=True)
class PlatformGeneralResponse:
    reply_flow: int
    reply_id: int
    result: int


@dataclass(frozen=True, slots=True)
class Heartbeat:
    pass


@dataclass(frozen=True, slots=True)
class Logout:
    pass


@dataclass(frozen=True, slots=True)
class Registration:
    """0x0100. Fixed widths: maker/model/terminal id 5/20/7 bytes (2013), 11/30/30 (2019)."""

    province: int
    city: int
    maker_id: str
    model: str
    terminal_id: str
    plate_colour: int  # 0: no plate (2019: then ``plate`` holds the VIN)
    plate: str  # GBK on the wire


@dataclass(frozen=True, slots=True)
class Authentication:
    """0x0102; ``imei`` and ``software_version`` exist in 2019 only."""

    code: str
    imei: str = ""
    software_version: str = ""


@dataclass(frozen=True, slots=True)
class RegistrationResponse:
    reply_flow: int
    result: int
    auth_code: str = ""  # sent only when ``result`` is OK


@dataclass(frozen=True, slots=True)
class AdditionalItem:
    item_id: int
    value: bytes


@dataclass(frozen=True, slots=True)
class Location:
    """0x0200 body, also one item of 0x0704.

    ``extras_tail`` keeps trailing bytes that do not form a whole additional item
    (a truncated item): they are skipped, not an error, since the fix itself is whole.
    """

    alarm: int
    status: int
    lat_e6: int  # unsigned; the hemisphere is in ``status``
    lon_e6: int
    altitude_m: int
    speed_dkmh: int  # 0.1 km/h
    direction: int  # degrees clockwise from north
    time_bcd: str  # YYMMDDhhmmss, GMT+8, as sent
    extras: tuple[AdditionalItem, ...] = ()
    extras_tail: bytes = b""

    @property
    def latitude(self) -> float:
        sign = -1.0 if self.status & STATUS_SOUTH else 1.0
        return sign * self.lat_e6 / 1e6

    @property
    def longitude(self) -> float:
        sign = -1.0 if self.status & STATUS_WEST else 1.0
        return sign * self.lon_e6 / 1e6

    @property
    def speed_mps(self) -> float:
        return self.speed_dkmh / 36.0  # 0.1 km/h = 1/36 m/s

    @property
    def fix_time(self) -> float | None:
        """Unix seconds of the fix, or None if ``time_bcd`` is no valid instant."""
        return bcd_time_to_unix(self.time_bcd)

    @staticmethod
    def at(
        lat: float,
        lon: float,
        fix_time: float,
        *,
        speed_mps: float = 0.0,
        direction: int = 0,
        altitude_m: int = 0,
        alarm: int = 0,
        extras: tuple[AdditionalItem, ...] = (),
    ) -> Location:
        """A positioned fix from signed degrees, m/s and Unix seconds."""
        status = STATUS_POSITIONED
        if lat < 0:
            status |= STATUS_SOUTH
        if lon < 0:
            status |= STATUS_WEST
        return Location(
            alarm=alarm,
            status=status,
            lat_e6=round(abs(lat) * 1e6),
            lon_e6=round(abs(lon) * 1e6),
            altitude_m=altitude_m,
            speed_dkmh=round(speed_mps * 36.0),
            direction=direction,
            time_bcd=unix_to_bcd_time(fix_time),
            extras=extras,
        )


@dataclass(frozen=True, slots=True)
class BatchLocation:
    """0x0704: several fixes in one message."""

    kind: int  # BatchKind
    items: tuple[Location, ...]


@dataclass(frozen=True, slots=True)
class Unsupported:
    """A well-formed message the platform does not handle: unknown id, encrypted or
    subpackaged body. The server answers 0x8001 result NOT_SUPPORTED."""

    raw: bytes
    why: str


Body = (
    TerminalGeneralResponse | PlatformGeneralResponse | Heartbeat | Logout | Registration
    | Authentication | RegistrationResponse | Location | BatchLocation | Unsupported
)


@dataclass(frozen=True, slots=True)
class Message:
    header: Header
    body: Body


def bcd_time_to_unix(time_bcd: str) -> float | None:
    """``YYMMDDhhmmss`` in GMT+8 (years 2000-2099) -> Unix seconds; None if invalid."""
    if len(time_bcd) != 12 or not time_bcd.isdigit():
        return None
    try:
        local = datetime(
            2000 + int(time_bcd[0:2]), int(time_bcd[2:4]), int(time_bcd[4:6]),
            int(time_bcd[6:8]), int(time_bcd[8:10]), int(time_bcd[10:12]), tzinfo=GMT8,
        )
    except ValueError:
        return None
    return local.timestamp()


def unix_to_bcd_time(seconds: float) -> str:
    """Unix seconds -> ``YYMMDDhhmmss`` in GMT+8 (whole seconds, truncated)."""
    return datetime.fromtimestamp(int(seconds), GMT8).strftime("%y%m%d%H%M%S")
