"""Which reports tracking can use: the checks every report passes first.

A report refused here is still stored (it was acknowledged): it only does not
move the vehicle. Each refusal has a reason so that it is counted in metrics.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from transit.records import VehicleReport


class Outcome(enum.Enum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"  # same vehicle, same fix time as one already used
    OUT_OF_ORDER = "out_of_order"  # older than the newest fix already used
    LATE_USED = "late_used"  # older, but it corrected the passages of a trip
    TOO_LATE = "too_late"  # received long after the fix: history, not live state
    FUTURE = "future"  # fix time ahead of the receiving clock
    ZERO_POSITION = "zero_position"  # (0, 0): a terminal without a GPS lock
    OUTSIDE_AREA = "outside_area"  # far from every stop of the network
    JUMP = "jump"  # a speed no bus reaches since the last fix


@dataclass(frozen=True, slots=True)
class FilterParams:
    future_tolerance_s: float = 120.0
    too_late_s: float = 1800.0
    max_speed_mps: float = 33.0  # 120 km/h
    # A jump is only judged over a short span: after a long gap a bus may be anywhere.
    jump_window_s: float = 600.0


def check_report(report: VehicleReport, params: FilterParams) -> Outcome | None:
    """Checks a report can fail on its own, before the vehicle's history is consulted."""
    if not (math.isfinite(report.lat) and math.isfinite(report.lon)):
        return Outcome.ZERO_POSITION
    if abs(report.lat) < 1e-6 and abs(report.lon) < 1e-6:
        return Outcome.ZERO_POSITION
    if report.timestamp > report.received_at + params.future_tolerance_s:
        return Outcome.FUTURE
    if report.received_at - report.timestamp > params.too_late_s:
        return Outcome.TOO_LATE
    return None


def oldest_late_fix(newest_fix: float, params: FilterParams) -> float:
    """The oldest fix time a report arriving after a fix at ``newest_fix`` can
    have and still pass: that fix came at most ``future_tolerance_s`` ahead of
    its receipt, and a later receipt takes fixes at most ``too_late_s`` old."""
    return newest_fix - params.future_tolerance_s - params.too_late_s


def is_jump(metres: float, seconds: float, params: FilterParams) -> bool:
    if seconds > params.jump_window_s:
        return False
    return metres > params.max_speed_mps * max(seconds, 1.0) + 100.0
