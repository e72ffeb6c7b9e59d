"""The assumptions that turn a timetable into a blocking problem, with documented
defaults: where terminals are, how long and how dear an empty move is, how long
a bus must and may stand between two trips, and what things cost.

Units: metres, km/h, seconds, yuan (the engine gets fen, whole numbers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from optimizer.blocks.inputs import Interlining

FEN_PER_YUAN = 100


class BadParams(ValueError):
    """A parameter out of its range: names it, its value and what is accepted."""


@dataclass(frozen=True, slots=True)
class BlockingParams:
    # Terminal stops this close are one place (a driver changes stands in a few
    # minutes): 300 m is a four-minute walk, and the drive fits in any layover.
    terminal_merge_m: float = 300.0
    # Empty moves are not routed on streets: the straight line times a detour
    # factor (1.3: a grid's street distance averages 1.27 times the straight line),
    # driven at one speed: 25 km/h lies between the timetable's urban speeds
    # (14-20 km/h with stops) and its corridor speeds (32-38 km/h).
    detour_factor: float = 1.3
    deadhead_speed_kmh: float = 25.0
    # The demo timetable's own rule (feeds/democity/timetable.py, MIN_LAYOVER_S).
    min_layover_s: int = 300
    # Connections waiting longer are left out of the search (a day of 2,900 trips
    # has 3.5 million connections; 90 min leaves 0.65 million). On the demo
    # weekday the capped search's own bound (depots merged) meets the bound
    # without the cap at 90 min; at 60 min it is 1,173 yuan above, at 30 min
    # 34,880. The engine's bounds never rely on the cap.
    max_wait_s: int = 90 * 60
    # Whether a bus may run another line's trip next: anywhere (the engine's
    # choice, deadheads priced), only at a terminal both lines share, or never
    # (every block one line, as the feed's own blocks).
    interlining: Interlining = Interlining.ANY
    # Prices, fleet first: a vehicle's day (2,000 yuan) outweighs the empty
    # driving and waiting that running with one vehicle fewer adds. 36 yuan/h
    # is a driver's pay; it is 1 fen a second, so every wait is priced exactly.
    vehicle_yuan: int = 2_000
    deadhead_yuan_per_km: float = 6.0
    idle_yuan_per_hour: int = 36

    def __post_init__(self) -> None:
        positive = {"detour_factor": self.detour_factor, "deadhead_speed_kmh": self.deadhead_speed_kmh,
                    "vehicle_yuan": self.vehicle_yuan}
        for name, value in positive.items():
            if not value > 0:
                raise BadParams(f"{name} = {value}: give a number above 0")
        at_least_zero = {"terminal_merge_m": self.terminal_merge_m, "min_layover_s": self.min_layover_s,
                         "deadhead_yuan_per_km": self.deadhead_yuan_per_km,
                         "idle_yuan_per_hour": self.idle_yuan_per_hour}
        for name, value in at_least_zero.items():
            if value < 0:
                raise BadParams(f"{name} = {value}: give 0 or more")
        if self.max_wait_s < self.min_layover_s:
            raise BadParams(f"max_wait_s = {self.max_wait_s}: no trip could follow another with a "
                            f"minimum layover of {self.min_layover_s} s; allow at least the layover")
        if self.drive_s(self.terminal_merge_m) > self.min_layover_s:
            raise BadParams(f"terminal_merge_m = {self.terminal_merge_m:g}: driving between two stops "
                            f"of one terminal ({self.drive_s(self.terminal_merge_m)} s) must fit in the "
                            f"minimum layover ({self.min_layover_s} s)")

    def road_km(self, straight_m: float) -> float:
        return straight_m * self.detour_factor / 1000.0

    def drive_s(self, straight_m: float) -> int:
        """Seconds to drive empty between two points ``straight_m`` apart, rounded up."""
        return math.ceil(self.road_km(straight_m) * 3600.0 / self.deadhead_speed_kmh)

    def deadhead_fen(self, straight_m: float) -> int:
        return round(self.road_km(straight_m) * self.deadhead_yuan_per_km * FEN_PER_YUAN)
