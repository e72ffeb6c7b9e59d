"""Scenarios: the kind of day, and how its demand differs from the observed day.

A scenario scales the observed load profiles: ``demand`` every rider, ``lines``
every rider of a line, ``stops`` the riders boarding or alighting at a stop
(tourist sites in the tourist season). All are relative to the day whose flow
is given. Its period overrides change the service policy of named periods.

How a stop multiplier reaches the segment loads: a profile does not say where
its riders alight, so each bin's origin-destination matrix is rebuilt from its
boardings and alightings on one assumption, that everyone on board is equally
likely to alight at each stop (at stop ``j`` the same share of every boarding
stop's riders alight). The matrix gives back the profile exactly; each of its
cells is scaled by the multiplier of its boarding or its alighting stop (the
one further from 1 when both have one), and the loads are summed again. So a
tourist site's multiplier grows the segments its riders ride, and no other.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np

from optimizer.timetable.errors import InputError
from optimizer.timetable.model import LoadProfile, Period
from optimizer.timetable.profiles import table_rows
from transit.model.service_days import DayType

# Tourist weights count this many times in the tourist season and at weekends
# in the simulator's demand model (feeds/simulator/params.py tourist_surge).
TOURIST_SURGE = 3.0


@dataclass(frozen=True, slots=True)
class PeriodOverride:
    """Policy values replacing a named period's; None keeps the default."""

    max_headway_s: int | None = None
    min_headway_s: int | None = None
    desired_load: float | None = None


@dataclass(frozen=True, slots=True)
class Scenario:
    """``day_type`` picks the period policy, and the schedule's typical day of
    that type to take trips from unless ``service_date`` names one (a holiday
    runs a weekend timetable on a weekday date)."""

    name: str
    day_type: DayType
    service_date: date | None = None
    demand: float = 1.0  # every rider
    lines: Mapping[str, float] = field(default_factory=dict)  # route_id -> its riders
    stops: Mapping[str, float] = field(default_factory=dict)  # stop_id -> riders on and off there
    periods: Mapping[str, PeriodOverride] = field(default_factory=dict)

    def __post_init__(self) -> None:
        scaled = {"demand": self.demand} | {f"lines.{k}": v for k, v in self.lines.items()} | {
            f"stops.{k}": v for k, v in self.stops.items()}
        for key, value in scaled.items():
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise InputError(f"scenario {self.name}: {key} = {value!r}: give a multiplier of 0 "
                                 f"or more", key)


def weekday() -> Scenario:
    return Scenario("weekday", DayType.WEEKDAY)


def weekend() -> Scenario:
    return Scenario("weekend", DayType.SATURDAY)


def tourist_season(tourist_stops: Collection[str], tourist_lines: Collection[str] = (),
                   stop_multiplier: float = TOURIST_SURGE, line_multiplier: float = 1.0,
                   day_type: DayType = DayType.WEEKDAY) -> Scenario:
    """Riders to and from tourist stops ``stop_multiplier`` times the observed
    day's. Tourist lines keep 1.0 by default: their tourists ride to or from
    the sites, which the stop multiplier already counts, and a line multiplier
    would scale their local riders too."""
    return Scenario("tourist_season", day_type,
                    lines={r: line_multiplier for r in sorted(tourist_lines)},
                    stops={s: stop_multiplier for s in sorted(tourist_stops)})


def holiday(tourist_stops: Collection[str], tourist_lines: Collection[str] = (),
            service_date: date | None = None) -> Scenario:
    """A public holiday: the weekend timetable's policy (the demo feed runs its
    weekend services on holidays) and the tourist surge of a weekend."""
    return replace(tourist_season(tourist_stops, tourist_lines, day_type=DayType.SUNDAY),
                   name="holiday", service_date=service_date)


BUILTIN = ("weekday", "weekend", "tourist_season", "holiday")


def builtin_scenario(name: str, tourist_stops: Collection[str] = (),
                     tourist_lines: Collection[str] = ()) -> Scenario:
    """One of ``BUILTIN`` by name, with default multipliers."""
    makers = {"weekday": weekday, "weekend": weekend,
              "tourist_season": lambda: tourist_season(tourist_stops, tourist_lines),
              "holiday": lambda: holiday(tourist_stops, tourist_lines)}
    if name not in makers:
        raise InputError(f"no scenario named {name!r}: give one of {', '.join(BUILTIN)} "
                         f"or a scenario file", "scenario")
    return makers[name]()


def check_scenario(scenario: Scenario, stop_ids: Collection[str], route_ids: Collection[str],
                   source: str = "scenario") -> None:
    """Raise, naming every key, unless the scenario's stops and lines are in the schedule."""
    unknown = [(f"stops.{s}", "stop") for s in scenario.stops if s not in stop_ids] + [
        (f"lines.{r}", "line") for r in scenario.lines if r not in route_ids]
    kinds = " or ".join(sorted({kind for _, kind in unknown}, reverse=True))
    if unknown:
        raise InputError(f"{source}: {', '.join(key for key, _ in unknown)}: no such {kinds} "
                         f"in the schedule", unknown[0][0])


def apply_periods(periods: tuple[Period, ...], scenario: Scenario) -> tuple[Period, ...]:
    """``periods`` with the scenario's overrides of their policy values."""
    fitted = []
    for period in periods:
        override = scenario.periods.get(period.name)
        if override is not None:
            changes = {k: getattr(override, k) for k in ("max_headway_s", "min_headway_s", "desired_load")
                       if getattr(override, k) is not None}
            period = replace(period, **changes)
            if period.min_headway_s > period.max_headway_s:
                raise InputError(f"scenario {scenario.name}: period {period.name}: min headway "
                                 f"{period.min_headway_s} s over max {period.max_headway_s} s",
                                 f"periods.{period.name}")
        fitted.append(period)
    return tuple(fitted)


def apply_scenario(profile: LoadProfile, scenario: Scenario, route_id: str) -> LoadProfile:
    """The profile of ``route_id``'s pattern under the scenario's multipliers."""
    line = scenario.demand * scenario.lines.get(route_id, 1.0)
    at_stop = np.array([scenario.stops.get(s, 1.0) for s in profile.stop_ids])
    loads = np.array(profile.loads, dtype=float).reshape(profile.bins, -1)
    boardings = np.array(profile.boardings, dtype=float).reshape(profile.bins, -1)
    if (at_stop != 1.0).any():
        factor = _cell_multipliers(at_stop)
        for b in range(profile.bins):
            od = origin_destination(boardings[b], loads[b]) * factor
            boardings[b] = od.sum(axis=1)
            loads[b] = np.cumsum(boardings[b] - od.sum(axis=0))[:-1]
    return replace(profile, loads=table_rows(loads * line), boardings=table_rows(boardings * line))


def origin_destination(boardings: np.ndarray, loads: np.ndarray) -> np.ndarray:
    """``od[i][j]``: riders from stop ``i`` to stop ``j`` of one bin, everyone
    on board equally likely to alight at each stop (module docstring)."""
    n = len(boardings)
    alightings = np.concatenate(([0.0], loads)) + boardings - np.concatenate((loads, [0.0]))
    od = np.zeros((n, n))
    riding = np.zeros(n)  # on board by boarding stop
    for j in range(n):
        on_board = riding.sum()
        if j > 0 and on_board > 0:
            share = 1.0 if j == n - 1 else min(max(alightings[j] / on_board, 0.0), 1.0)
            od[:, j] = riding * share
            riding = riding - od[:, j]
        riding[j] += boardings[j]
    return od


def _cell_multipliers(at_stop: np.ndarray) -> np.ndarray:
    """Per cell, the multiplier of the boarding or the alighting stop, the one
    further from 1 (a ride between two tourist sites is one tourist's)."""
    with np.errstate(divide="ignore"):
        strength = np.abs(np.log(at_stop))
    origin_wins = strength[:, None] >= strength[None, :]
    return np.where(origin_wins, at_stop[:, None], at_stop[None, :])
