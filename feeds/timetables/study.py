"""``transit study FILE.toml``: a planner's what-if, run like ``transit optimize``
and reported side by side with the live version. Every error names its key.

    name = "tourist season, 10 more buses"
    day = 2026-11-25             # observed day: its stored taps and stop events (optional)
    scenario = "tourist_season"  # a built-in name or a scenario file; or a [scenario] table
    lines = ["T1", "T2"]         # optional: the lines rebuilt (default all)
    fleet_change = 10            # vehicles more (or fewer: -10) than the lines have at peak
    # fleet = 240                # or the vehicles outright
    keep_line_fleets = false     # true: no line gives vehicles to another
    method = "load_profile_capped"
    construction = "cp_sat"
    budget_s = 3.0
    short_turns = false          # true: full trips plus short turns where a stretch is busy (not with --save)
    [scenario]                   # inline, as a scenario file (docs/examples/scenario-*.toml)
    [weights]                    # of the departure model (optimizer/timetable/settings.py)
    vehicle_hour = 200
    hub_max_wait_min = 10        # transfer timing at hubs (optional): waits capped here,
    hub_window_min = 3           # departures moved at most this either way,
    hub_budget_s = 5.0           # wall time for the hub step
    [[hubs]]                     # one table per hub: its stop, and the walk that gathers its stops
    stop = "S0101"
    walk_m = 300                 # optional, default 300

A headway policy changed is a ``[scenario.periods.NAME]`` override; a fleet
cut a negative ``fleet_change``; a line extended, shortened, with stops added
or removed, or a new line, ``[[line_changes]]`` and ``[[new_lines]]`` tables
(``feeds.timetables.study_lines``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from datetime import date
from pathlib import Path
from typing import Any

from feeds.timetables.hub_run import HubSpec
from feeds.timetables.rebuild_run import OptimizeRun
from feeds.timetables.study_lines import line_study
from optimizer.timetable.errors import InputError
from optimizer.timetable.hubs import HubParams
from optimizer.timetable.model import Construction, Method
from optimizer.timetable.scenario_file import scenario_from_table
from optimizer.timetable.scenarios import Scenario
from optimizer.timetable.settings import Weights

_KEYS = ("name", "day", "scenario", "lines", "fleet", "fleet_change", "keep_line_fleets", "method",
         "construction", "budget_s", "time_limit_s", "weights", "hubs", "hub_max_wait_min", "hub_window_min",
         "hub_budget_s", "walk_m", "line_changes", "new_lines", "short_turns")
_HUB_KEYS = ("stop", "walk_m")


@dataclass(frozen=True)
class Study:
    name: str
    day: date | None
    run: OptimizeRun  # its scenario is a name or file when ``scenario`` is None
    scenario: Scenario | None  # given inline


def read_study(path: Path) -> Study:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror})", "file") from None
    return parse_study(text, str(path))


def parse_study(text: str, source: str) -> Study:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{source}: not valid TOML: {error}") from None
    unknown = sorted(set(data) - set(_KEYS))
    if unknown:
        raise InputError(f"{source}: unknown key {unknown[0]}: accepted are {', '.join(_KEYS)}", unknown[0])
    name = _typed(data, "name", str, source, Path(source).stem)
    day = data.get("day")
    if day is not None and not (isinstance(day, date) and not hasattr(day, "hour")):
        raise InputError(f"{source}: day = {day!r}: give a service day like 2026-11-25", "day")
    scenario_value = data.get("scenario", "weekday")
    inline = scenario_from_table(scenario_value, f"{source} [scenario]") if isinstance(scenario_value, dict) else None
    if inline is None and not isinstance(scenario_value, str):
        raise InputError(f"{source}: scenario = {scenario_value!r}: give a name, a file or a [scenario] table",
                         "scenario")
    lines = data.get("lines", [])
    if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
        raise InputError(f"{source}: lines = {lines!r}: give a list of line ids, e.g. [\"L01\"]", "lines")
    run = OptimizeRun(
        lines=tuple(lines), scenario="weekday" if inline else scenario_value,
        fleet=_typed(data, "fleet", int, source, None), fleet_change=_typed(data, "fleet_change", int, source, 0),
        keep_line_fleets=_typed(data, "keep_line_fleets", bool, source, False),
        short_turns=_typed(data, "short_turns", bool, source, False),
        method=_choice(data, "method", Method, source, Method.LOAD_PROFILE_CAPPED),
        construction=_choice(data, "construction", Construction, source, Construction.CP_SAT),
        budget_s=float(_typed(data, "budget_s", (int, float), source, 3.0)),
        time_limit_s=float(_typed(data, "time_limit_s", (int, float), source, 0.25)),
        day=day, weights=_weights(data.get("weights", {}), source), hubs=_hubs(data.get("hubs", []), source),
        hub_params=_hub_params(data, source), line_study=line_study(data, source))
    return Study(name, day, run, inline)


def _typed(data: dict[str, Any], key: str, kind: type | tuple[type, ...], source: str, default: Any) -> Any:
    value = data.get(key, default)
    if value is default:
        return value
    if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else "a number"
        raise InputError(f"{source}: {key} = {value!r}: give {names}", key)
    return value


def _choice(data: dict[str, Any], key: str, kind: Any, source: str, default: Any) -> str:
    value = data.get(key, default.value)
    if value not in {k.value for k in kind}:
        raise InputError(f"{source}: {key} = {value!r}: give one of {', '.join(k.value for k in kind)}", key)
    return str(value)


def _weights(table: Any, source: str) -> Weights:
    if not isinstance(table, dict):
        raise InputError(f"{source}: weights must be a table ([weights])", "weights")
    known = {f.name for f in fields(Weights)}
    for key, value in table.items():
        if key not in known:
            raise InputError(f"{source}: unknown key weights.{key}: accepted are "
                             f"{', '.join('weights.' + k for k in sorted(known))}", f"weights.{key}")
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise InputError(f"{source}: weights.{key} = {value!r}: give a number of 0 or more", f"weights.{key}")
    return replace(Weights(), **{k: float(v) for k, v in table.items()})


def _hubs(tables: Any, source: str) -> tuple[HubSpec, ...]:
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise InputError(f"{source}: hubs must be tables ([[hubs]] with stop = \"STOP_ID\")", "hubs")
    specs = []
    for n, table in enumerate(tables, start=1):
        unknown = sorted(set(table) - set(_HUB_KEYS))
        if unknown:
            raise InputError(f"{source}: unknown key hubs[{n}].{unknown[0]}: accepted are "
                             f"{', '.join(_HUB_KEYS)}", f"hubs.{unknown[0]}")
        stop = table.get("stop")
        if not isinstance(stop, str) or not stop:
            raise InputError(f"{source}: hubs[{n}].stop = {stop!r}: give a stop id", "hubs.stop")
        walk = table.get("walk_m")
        if walk is not None and (isinstance(walk, bool) or not isinstance(walk, int | float) or walk < 0):
            raise InputError(f"{source}: hubs[{n}].walk_m = {walk!r}: give metres, 0 or more", "hubs.walk_m")
        specs.append(HubSpec(stop, None if walk is None else float(walk)))
    return tuple(specs)


def _hub_params(data: dict[str, Any], source: str) -> HubParams:
    default = HubParams()
    wait = _typed(data, "hub_max_wait_min", (int, float), source, default.max_wait_s / 60)
    window = _typed(data, "hub_window_min", (int, float), source, default.window_s / 60)
    budget = _typed(data, "hub_budget_s", (int, float), source, default.time_limit_s)
    for key, value, least in (("hub_max_wait_min", wait, 0.5), ("hub_window_min", window, 0),
                              ("hub_budget_s", budget, 0)):
        if value < least:
            raise InputError(f"{source}: {key} = {value!r}: give {least:g} or more", key)
    return replace(default, max_wait_s=round(wait * 60), window_s=round(window * 60), time_limit_s=float(budget))
