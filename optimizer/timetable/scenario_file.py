"""A scenario from a small TOML file; every error names the key at fault.

    name = "tourist-season"           # optional: the file's name otherwise
    day_type = "weekday"              # weekday | saturday | sunday
    date = 2026-07-15                 # optional: take this day's trips
    demand = 1.0                      # optional: every rider

    [stops]                           # riders boarding or alighting there
    S0670 = 3.0
    [lines]                           # every rider of the line (route_id)
    T1 = 1.2
    [periods.am_peak]                 # policy overrides of a named period
    max_headway_min = 10
    min_headway_min = 4
    desired_load = 55

Stop and line ids are checked against a schedule by ``check_scenario``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Mapping
from datetime import date
from typing import Any

from optimizer.timetable.errors import InputError
from optimizer.timetable.policy import PERIOD_NAMES
from optimizer.timetable.scenarios import PeriodOverride, Scenario
from transit.model.service_days import DayType

_TOP = ("name", "day_type", "date", "demand", "stops", "lines", "periods")
_PERIOD_KEYS = ("max_headway_min", "min_headway_min", "desired_load")


def parse_scenario(text: str, source: str = "scenario.toml",
                   period_names: Collection[str] = PERIOD_NAMES) -> Scenario:
    """The scenario of TOML ``text`` (read from ``source``, named in errors)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{source}: not valid TOML: {error}") from None
    return scenario_from_table(data, source, period_names)


def scenario_from_table(data: Mapping[str, Any], source: str,
                        period_names: Collection[str] = PERIOD_NAMES) -> Scenario:
    """The scenario of an already read TOML table (a study file's ``[scenario]``)."""
    _no_other_keys(data, _TOP, "", source)
    if "day_type" not in data:
        raise InputError(f"{source}: day_type is missing: give one of {_day_types()}", "day_type")
    day_type = data["day_type"]
    if day_type not in {d.value for d in DayType}:
        raise InputError(f"{source}: day_type = {day_type!r}: give one of {_day_types()}", "day_type")
    name = data.get("name", source.rsplit("/", 1)[-1].removesuffix(".toml"))
    if not isinstance(name, str) or not name:
        raise InputError(f"{source}: name = {name!r}: give a text", "name")
    periods = _table(data, "periods", source)
    _no_other_keys(periods, tuple(period_names), "periods.", source)
    return Scenario(
        name, DayType(day_type), _date(data.get("date"), source),
        _multiplier(data.get("demand", 1.0), "demand", source),
        _multipliers(_table(data, "lines", source), "lines", source),
        _multipliers(_table(data, "stops", source), "stops", source),
        {p: _override(_table(periods, p, source, "periods."), p, source) for p in periods})


def _day_types() -> str:
    return ", ".join(d.value for d in DayType)


def _no_other_keys(data: Mapping[str, Any], accepted: Collection[str], prefix: str, source: str) -> None:
    for key in data:
        if key not in accepted:
            raise InputError(f"{source}: unknown key {prefix}{key}: accepted are "
                             f"{', '.join(prefix + a for a in accepted)}", f"{prefix}{key}")


def _table(data: Mapping[str, Any], key: str, source: str, prefix: str = "") -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise InputError(f"{source}: {prefix}{key} must be a table ([{prefix}{key}]), "
                         f"not {value!r}", f"{prefix}{key}")
    return value


def _date(value: Any, source: str) -> date | None:
    if value is None or (isinstance(value, date) and not hasattr(value, "hour")):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InputError(f"{source}: date = {value!r}: give a day like 2026-07-15", "date")


def _multiplier(value: Any, key: str, source: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < float("inf"):
        raise InputError(f"{source}: {key} = {value!r}: give a multiplier of 0 or more", key)
    return float(value)


def _multipliers(table: Mapping[str, Any], prefix: str, source: str) -> dict[str, float]:
    return {k: _multiplier(v, f"{prefix}.{k}", source) for k, v in table.items()}


def _override(table: Mapping[str, Any], period: str, source: str) -> PeriodOverride:
    prefix = f"periods.{period}."
    _no_other_keys(table, _PERIOD_KEYS, prefix, source)
    minutes = {}
    for key in ("max_headway_min", "min_headway_min"):
        if key in table:
            value = _multiplier(table[key], prefix + key, source)
            if value == 0:
                raise InputError(f"{source}: {prefix}{key} = 0: give minutes above 0", prefix + key)
            minutes[key] = round(value * 60)
    load = table.get("desired_load")
    if load is not None and not _multiplier(load, prefix + "desired_load", source) > 0:
        raise InputError(f"{source}: {prefix}desired_load = 0: give passengers above 0",
                         prefix + "desired_load")
    return PeriodOverride(minutes.get("max_headway_min"), minutes.get("min_headway_min"),
                          None if load is None else float(load))
