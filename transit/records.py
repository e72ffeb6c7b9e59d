"""The typed records every feed decodes into (DESIGN.md rule 2: one event path).

Instants are Unix seconds (float): cheap to compare and carry on the hot path;
edges turn them into aware datetimes when they store or show them.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt


class PaymentMedium(enum.StrEnum):
    """How a passenger paid at the bus's POS reader."""

    CARD = "card"  # Tongchuan city transit card
    WECHAT = "wechat"
    ALIPAY = "alipay"


@dataclass(frozen=True, slots=True)
class VehicleReport:
    """One GPS fix of one bus, whatever feed it came from.

    The trip descriptor fields are what the feed itself says the bus runs
    (GTFS-Realtime's TripDescriptor: a GTFS-RT or HTTP push source may send
    them; JT/T 808 has none). They are a claim for tracking to weigh
    (``transit.tracking.descriptors``), not a fact.
    """

    vehicle_id: str
    timestamp: float  # when the terminal took the fix, Unix seconds
    lat: float  # WGS-84
    lon: float
    speed_mps: float | None
    bearing: float | None  # degrees clockwise from north
    source: str  # "sim", "jt808", "gtfsrt", "http", "replay"
    received_at: float  # when the platform received it, Unix seconds
    trip_id: str | None = None  # the GTFS trip the feed says the bus runs
    route_id: str | None = None
    direction_id: int | None = None  # 0 or 1, as GTFS
    start_date: date | None = None  # the service day the trip runs on


@dataclass(frozen=True, slots=True)
class Tap:
    """One fare payment on board; ``account_hash`` is already pseudonymised.

    ``tap_id`` is the payment's transaction id, one per payment whatever path
    it came by (reader push, back-office file), so a resend is a duplicate.
    ``timestamp`` is the reader's clock, which may be off (``transit.flow.clocks``).
    Back-office files carry no position but the line, the amount and whether
    the payment was a transfer; a reader's push may carry all of these, and
    names the reader (``reader_id``): such a tap went live when it came.
    """

    tap_id: str
    vehicle_id: str
    timestamp: float
    medium: PaymentMedium
    account_hash: str
    lat: float | None
    lon: float | None
    received_at: float
    line_id: str | None = None
    amount_fen: int | None = None  # fare paid, in fen (0.01 yuan)
    transfer: bool | None = None  # a transfer discount applied
    reader_id: str | None = None  # the POS reader that pushed it live (none: a file, the simulator)


@dataclass(frozen=True, slots=True)
class StopEvent:
    """A bus's arrival at and departure from one stop of one trip."""

    service_date: date
    trip_id: str
    stop_sequence: int
    stop_id: str
    vehicle_id: str
    arrival: float | None
    departure: float | None


@dataclass(frozen=True, eq=False)
class DayEvents:
    """A service day's stop events as the reports read them, as columns
    (one entry per event, in no order; the vehicle left out): a city's
    60,000 a day load and are matched with the timetable several times
    faster than as one object each. A missing instant is NaN."""

    service_date: date
    trip_ids: Sequence[str]
    stop_sequences: npt.NDArray[np.int64]
    stop_ids: Sequence[str]
    arrivals: npt.NDArray[np.float64]  # Unix seconds
    departures: npt.NDArray[np.float64]

    def __post_init__(self) -> None:
        n = len(self.trip_ids)
        if not len(self.stop_sequences) == len(self.stop_ids) == len(self.arrivals) == len(self.departures) == n:
            raise ValueError("a day's event columns differ in length")

    def __len__(self) -> int:
        return len(self.trip_ids)
