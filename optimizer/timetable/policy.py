"""The operator's service policy by period, and the other knobs of the inputs,
with documented defaults.

Units: seconds, passengers. Period starts are service-day seconds; the first
period of a day type starts at 0 and the last runs to the end of service, so
that any span of departures falls in them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from optimizer.timetable.errors import InputError
from optimizer.timetable.model import Period
from transit.model.service_days import DayType

H = 3600
MIN = 60


@dataclass(frozen=True, slots=True)
class PeriodPolicy:
    """A period of the day as the operator sets it, before it is fitted to a line's span."""

    name: str
    start_s: int
    max_headway_s: int
    min_headway_s: int
    desired_load: float


# Desired loads: of a capacity of 80 (feeds/simulator/params.py; about 35 seats
# on a 10.5 m city bus), 60 in the peaks (75%: standees on short rides) and 50
# off them (seats and a few standing). Policy headways: 20 min in the day, 30
# early and late (as the demo timetable's quieter lines run). Minimum headway:
# 3 min, closer than which buses bunch and crowd the terminal stand.
_SHORTEST = 3 * MIN
WEEKDAY_PERIODS = (
    PeriodPolicy("early", 0, 30 * MIN, _SHORTEST, 50.0),
    PeriodPolicy("am_peak", 7 * H, 20 * MIN, _SHORTEST, 60.0),
    PeriodPolicy("midday", 9 * H, 20 * MIN, _SHORTEST, 50.0),
    PeriodPolicy("pm_peak", 17 * H, 20 * MIN, _SHORTEST, 60.0),
    PeriodPolicy("evening", 19 * H, 30 * MIN, _SHORTEST, 50.0),
    PeriodPolicy("night", 22 * H, 30 * MIN, _SHORTEST, 50.0),
)
# Weekends and holidays: the same six names (so that a scenario's period
# overrides read alike on any day), the peaks later and led by shopping and
# outings rather than commuting (the demo weekend timetable runs its
# daytime service from 08:00 to 19:00).
WEEKEND_PERIODS = (
    PeriodPolicy("early", 0, 30 * MIN, _SHORTEST, 50.0),
    PeriodPolicy("am_peak", 9 * H, 20 * MIN, _SHORTEST, 60.0),
    PeriodPolicy("midday", 11 * H, 20 * MIN, _SHORTEST, 50.0),
    PeriodPolicy("pm_peak", 16 * H, 20 * MIN, _SHORTEST, 60.0),
    PeriodPolicy("evening", 18 * H, 30 * MIN, _SHORTEST, 50.0),
    PeriodPolicy("night", 22 * H, 30 * MIN, _SHORTEST, 50.0),
)
PERIOD_NAMES = tuple(p.name for p in WEEKDAY_PERIODS)


@dataclass(frozen=True, slots=True)
class InputParams:
    bin_s: int = 3600  # Ceder's worked examples count by the hour
    # Seated plus standing, as the simulator runs its buses (feeds/simulator/params.py).
    vehicle_capacity: float = 80.0
    # At each terminal before a vehicle's next trip: the demo timetable's own
    # rule (feeds/democity/timetable.py MIN_LAYOVER_S), as blocking uses it.
    min_layover_s: int = 300
    # Observed trips a bin needs before their median replaces the schedule's
    # running times. One: a single day has one or two trips an hour on most
    # lines; with weeks of stop events, ask for more (one trip may be a detour).
    min_observed_trips: int = 1
    # A period's maximum headway is widened to the live timetable's longest gap
    # in it, so the policy never asks for more service than runs today (tourist
    # lines every 2 h, quiet lines every 35 min early); False applies it as is.
    keep_live_headways: bool = True
    # Taps miss the riders a full bus left behind: in a bin where most trips ran
    # full (95% of capacity), demand is taken as this many times what boarded.
    # A planner's lever, not a measurement (1.0: take the taps as they are).
    censored_demand_factor: float = 1.5
    # Also estimate the riders full buses left from the next bus's taps
    # (``left_behind``): a lower bound that sees queues up to one bus.
    left_behind: bool = False
    weekday_periods: tuple[PeriodPolicy, ...] = WEEKDAY_PERIODS
    weekend_periods: tuple[PeriodPolicy, ...] = WEEKEND_PERIODS

    def __post_init__(self) -> None:
        for name in ("bin_s", "vehicle_capacity", "min_observed_trips", "censored_demand_factor"):
            if not getattr(self, name) > 0:
                raise InputError(f"{name} = {getattr(self, name)}: give a number above 0", name)
        if self.min_layover_s < 0:
            raise InputError(f"min_layover_s = {self.min_layover_s}: give 0 or more", "min_layover_s")
        for periods in (self.weekday_periods, self.weekend_periods):
            check_policies(periods)
            for p in periods:
                if p.desired_load > self.vehicle_capacity:
                    raise InputError(f"period {p.name}: desired_load {p.desired_load:g} is over the "
                                     f"vehicle capacity {self.vehicle_capacity:g}", f"periods.{p.name}")

    def policies(self, day_type: DayType) -> tuple[PeriodPolicy, ...]:
        return self.weekday_periods if day_type is DayType.WEEKDAY else self.weekend_periods


def check_policies(policies: Sequence[PeriodPolicy]) -> None:
    """Raise unless the periods start at 0, in order, each with a sane policy."""
    if not policies or policies[0].start_s != 0:
        raise InputError("the first period must start at 00:00 (service-day time 0)", "periods")
    for before, after in zip(policies, policies[1:]):
        if after.start_s <= before.start_s:
            raise InputError(f"period {after.name} starts no later than {before.name}", "periods")
    for p in policies:
        if not 0 < p.min_headway_s <= p.max_headway_s:
            raise InputError(f"period {p.name}: headways must satisfy 0 < min ({p.min_headway_s} s) "
                             f"<= max ({p.max_headway_s} s)", f"periods.{p.name}")
        if not p.desired_load > 0:
            raise InputError(f"period {p.name}: desired_load = {p.desired_load}: give a load "
                             f"above 0", f"periods.{p.name}")


def fit_periods(policies: Sequence[PeriodPolicy], first_s: int, last_s: int) -> tuple[Period, ...]:
    """The periods that hold departures from ``first_s`` to ``last_s``, the first
    starting at ``first_s`` and the last ending just after ``last_s``."""
    end = last_s + 1
    bounds = [p.start_s for p in policies[1:]] + [max(end, policies[-1].start_s + 1)]
    fitted = []
    for policy, until in zip(policies, bounds):
        start, stop = max(policy.start_s, first_s), min(until, end)
        if start < stop:
            fitted.append(Period(policy.name, start, stop, policy.max_headway_s,
                                 policy.min_headway_s, policy.desired_load))
    return tuple(fitted)
