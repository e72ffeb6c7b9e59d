"""The line studies of a study file: ``[[line_changes]]`` and ``[[new_lines]]``.
Every error names its key (``line_changes[2].cut_after``).

    walk_m = 400                    # riders of a stop no longer served walk this far to one kept
    [[line_changes]]                # one table per line direction changed
    route = "L05"
    direction = 0
    cut_before = "S0101"            # the line starts here (optional)
    cut_after = "S0400"             # the line ends here (optional)
    remove_stops = ["S0133"]
    add_stops = [{after = "S0120", stop = "S0777"}]
    prepend = ["S0001"]             # served before the first stop
    extend_to = ["S0500", "S0501"]  # served after the last stop
    boardings_per_day = 40          # at each new stop (optional: from the taps at it)
    [[new_lines]]
    route = "N1"
    name = "station - hospital"
    stops = ["S0110", "S0200", "S0517"]
    return_stops = ["S0517", "S0201", "S0110"]   # optional: stops reversed
    first = "06:00"                 # optional: the day's lines' median first and last departures
    last = "21:30"
    boardings_per_day = 900         # each direction (optional: from the taps at its stops)
    mean_ride_km = 3.5              # optional: the day's mean ride
    speed_kmh = 18                  # optional: the day's lines' median, hour by hour
    vehicles = 4                    # added to the shared fleet for it (default 0)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from optimizer.timetable.errors import InputError
from optimizer.timetable.line_changes import InsertedStop, LineChange, LineStudy, NewLine

_CHANGE_KEYS = ("route", "direction", "cut_before", "cut_after", "remove_stops", "add_stops", "prepend",
                "extend_to", "boardings_per_day")
_NEW_KEYS = ("route", "name", "stops", "return_stops", "first", "last", "boardings_per_day", "mean_ride_km",
             "speed_kmh", "vehicles")


def line_study(data: dict[str, Any], source: str) -> LineStudy:
    walk = data.get("walk_m", 400.0)
    if isinstance(walk, bool) or not isinstance(walk, int | float) or walk < 0:
        raise InputError(f"{source}: walk_m = {walk!r}: give metres, 0 or more", "walk_m")
    changes = tuple(_change(t, f"{source}: line_changes[{n}]")
                    for n, t in enumerate(_tables(data, "line_changes", source), start=1))
    new_lines = tuple(_new_line(t, f"{source}: new_lines[{n}]")
                      for n, t in enumerate(_tables(data, "new_lines", source), start=1))
    return LineStudy(changes, new_lines, float(walk))


def _tables(data: dict[str, Any], key: str, source: str) -> list[dict[str, Any]]:
    tables = data.get(key, [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise InputError(f"{source}: {key} must be tables ([[{key}]] with route = \"ROUTE_ID\")", key)
    return tables


def _change(table: dict[str, Any], where: str) -> LineChange:
    read = _reader(table, where, "line_changes", _CHANGE_KEYS)
    direction = read("direction", _is_direction, "0 or 1", None)
    if direction is None:
        raise InputError(f"{where}.direction is missing: give 0 or 1", "line_changes.direction")
    added = read("add_stops", _is_insertions, "a list of {after = \"STOP\", stop = \"STOP\"}", [])
    return LineChange(
        _route(read, where, "line_changes"), direction, tuple(read("prepend", _is_stops, "a list of stop ids", [])),
        tuple(read("extend_to", _is_stops, "a list of stop ids", [])),
        read("cut_before", _is_stop, "a stop id", None), read("cut_after", _is_stop, "a stop id", None),
        tuple(InsertedStop(a["after"], a["stop"]) for a in added),
        tuple(read("remove_stops", _is_stops, "a list of stop ids", [])),
        _float(read("boardings_per_day", _is_amount, "a number, 0 or more", None)))


def _new_line(table: dict[str, Any], where: str) -> NewLine:
    read = _reader(table, where, "new_lines", _NEW_KEYS)
    stops = tuple(read("stops", _is_stops, "a list of stop ids", []))
    return NewLine(
        _route(read, where, "new_lines"), stops, tuple(read("return_stops", _is_stops, "a list of stop ids",
                                                            stops[::-1])),
        _clock(read("first", _is_clock, "a time like \"06:00\"", None)),
        _clock(read("last", _is_clock, "a time like \"22:30\"", None)),
        _float(read("boardings_per_day", _is_amount, "a number, 0 or more", None)),
        _float(read("mean_ride_km", _is_positive, "a length above 0 km", None)),
        _float(read("speed_kmh", _is_positive, "a speed above 0 km/h", None)),
        read("vehicles", _is_count, "a whole number, 0 or more", 0), read("name", _is_stop, "a name", ""))


def _reader(table: dict[str, Any], where: str, kind: str, keys: tuple[str, ...]) -> Callable[..., Any]:
    unknown = sorted(set(table) - set(keys))
    if unknown:
        raise InputError(f"{where}: unknown key {unknown[0]}: accepted are {', '.join(keys)}", f"{kind}.{unknown[0]}")

    def read(key: str, valid: Callable[[Any], bool], give: str, default: Any) -> Any:
        if key not in table:
            return default
        if not valid(table[key]):
            raise InputError(f"{where}.{key} = {table[key]!r}: give {give}", f"{kind}.{key}")
        return table[key]
    return read


def _route(read: Callable[..., Any], where: str, kind: str) -> str:
    route = read("route", _is_stop, "a line id", None)
    if route is None:
        raise InputError(f"{where}.route is missing: give the line's id", f"{kind}.route")
    return str(route)


def _is_stop(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _is_stops(value: Any) -> bool:
    return isinstance(value, list) and all(_is_stop(v) for v in value)


def _is_insertions(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(v, dict) and set(v) == {"after", "stop"} and _is_stop(v["after"]) and _is_stop(v["stop"])
        for v in value)


def _is_direction(value: Any) -> bool:
    return value in (0, 1) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_amount(value: Any) -> bool:
    return _is_number(value) and value >= 0


def _is_positive(value: Any) -> bool:
    return _is_number(value) and value > 0


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_clock(value: Any) -> bool:
    if not isinstance(value, str) or value.count(":") != 1:
        return False
    hours, minutes = value.split(":")
    return hours.isdigit() and minutes.isdigit() and int(minutes) < 60 and int(hours) < 48


def _clock(value: str | None) -> int | None:
    if value is None:
        return None
    hours, minutes = value.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
