"""Depots files: where the buses sleep and how many each holds.

A CSV file, UTF-8, one depot a line under the header ``name,lat,lon,capacity``
(WGS-84 degrees; capacity in vehicles, at least 1)::

    name,lat,lon,capacity
    Wangyi,35.0612,109.0590,80

Every problem of a file is reported at once, each naming the line, the field
and the value, and nothing is used from a file with a problem.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

COLUMNS = ("name", "lat", "lon", "capacity")


@dataclass(frozen=True, slots=True)
class DepotSite:
    name: str
    lat: float
    lon: float
    capacity: int


class DepotsFileError(ValueError):
    """A depots file that cannot be used; the message lists every problem."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(problems))
        self.source = source
        self.problems = problems


def read_depots(path: Path) -> tuple[DepotSite, ...]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DepotsFileError(str(path), [f"cannot read it: {exc}"]) from None
    return parse_depots(text, str(path))


def demo_city_depots() -> tuple[DepotSite, ...]:
    """The demo city's five depots, one by each town's terminals (capacities about
    a fifth above the vehicles a weekday blocking puts there)."""
    text = resources.files("feeds.democity").joinpath("depots.csv").read_text(encoding="utf-8")
    return parse_depots(text, "feeds/democity/depots.csv")


def parse_depots(text: str, source: str) -> tuple[DepotSite, ...]:
    rows = list(csv.reader(io.StringIO(text)))
    header = [c.strip() for c in rows[0]] if rows else []
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        expected = ",".join(COLUMNS)
        raise DepotsFileError(source, [f"line 1: the header lacks {', '.join(missing)} (expected {expected})"])
    depots, problems = [], []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        fields = dict(zip(header, (cell.strip() for cell in row)))
        depot, errors = _depot(fields)
        problems += [f"line {number}: {error}" for error in errors]
        if depot is not None:
            depots.append(depot)
    names = [d.name for d in depots]
    problems += [f"depot name {name!r} is used {names.count(name)} times"
                 for name in sorted({n for n in names if names.count(n) > 1})]
    if not depots and not problems:
        problems.append("no depot in it: give at least one line name,lat,lon,capacity")
    if problems:
        raise DepotsFileError(source, problems)
    return tuple(depots)


def _depot(fields: dict[str, str]) -> tuple[DepotSite | None, list[str]]:
    errors = []
    name = fields.get("name", "")
    if not name:
        errors.append("name is empty")
    lat, lon = _number(fields, "lat", 90.0, errors), _number(fields, "lon", 180.0, errors)
    text = fields.get("capacity", "")
    capacity = int(text) if text.isdigit() else None
    if capacity is None:
        errors.append(f"capacity={text!r} is not a whole number of vehicles")
    elif capacity == 0:
        errors.append(f"capacity=0 for depot {name}: a depot must hold at least one vehicle "
                      "(leave out a depot that sends none)")
    if errors or lat is None or lon is None or capacity is None:
        return None, errors
    return DepotSite(name, lat, lon, capacity), errors


def _number(fields: dict[str, str], column: str, limit: float, errors: list[str]) -> float | None:
    text = fields.get(column, "")
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not -limit <= value <= limit:
        errors.append(f"{column}={text!r} is not a number of degrees from -{limit:g} to {limit:g}")
        return None
    return value
