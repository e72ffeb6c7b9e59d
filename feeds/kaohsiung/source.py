"""The Kaohsiung week as published (PTX JSON): route stops, shapes and vehicle runs.

``read_week`` is the only function here that touches the disk; the ``parse_*``
functions turn already-loaded JSON into frozen records and say what is wrong
with a document in the data's own terms (file, route, field).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

ROUTES = ("11", "122", "16")
# positions/KHH{route}-{direction}.json
_POSITIONS = re.compile(r"^KHH(?P<route>\w+)-(?P<direction>[01])\.json$")
_WKT = re.compile(r"^\s*LINESTRING\s*\((?P<points>[^()]*)\)\s*$", re.IGNORECASE)


class KaohsiungDataError(ValueError):
    """A file of the Kaohsiung week that is missing or does not read as expected."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


@dataclass(frozen=True, slots=True)
class RouteStop:
    """One stop of one route in one direction, as route_*.json lists it."""

    route_id: str
    go_back: int  # 1 or 2: the route file's own direction code
    seq_no: int
    stop_code: str  # the operator's stop Id: shared by both sides of a street
    name_zh: str
    name_en: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class RouteShape:
    route_id: str
    direction: int  # 0 outbound, 1 return: the positions files' code
    lats: tuple[float, ...]
    lons: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class ObservedRun:
    """One vehicle run (one trip as the operator's feed saw it): its fixes in time order."""

    run_id: str  # RunUUID
    vehicle_id: str  # PlateNumb
    route_id: str
    direction: int
    quality: str  # the source study's flag: "+" or "-"
    times: tuple[float, ...]  # Unix seconds
    lats: tuple[float, ...]
    lons: tuple[float, ...]
    speeds_kmh: tuple[float, ...]
    azimuths: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class KaohsiungWeek:
    stops: tuple[RouteStop, ...]
    shapes: tuple[RouteShape, ...]
    runs: tuple[ObservedRun, ...]  # ordered by first fix, then run id


def read_week(folder: Path) -> KaohsiungWeek:
    """Read routes/route_*.json, routes/shapes.json and positions/KHH*-*.json.
    Raises ``KaohsiungDataError`` naming the file at fault."""
    stops: list[RouteStop] = []
    for route_id in ROUTES:
        stops += parse_route_stops(route_id, _load(folder / "routes" / f"route_{route_id}.json"))
    shapes = parse_shapes(_load(folder / "routes" / "shapes.json"))
    runs: list[ObservedRun] = []
    files = sorted((folder / "positions").glob("KHH*-*.json"))
    if not files:
        raise KaohsiungDataError(str(folder / "positions"), "no KHH<route>-<direction>.json file")
    for path in files:
        match = _POSITIONS.match(path.name)
        if match is None:
            raise KaohsiungDataError(str(path), "name is not KHH<route>-<0|1>.json")
        runs += parse_runs(_load(path), match["route"], int(match["direction"]), path.name)
    runs.sort(key=lambda r: (r.times[0], r.run_id))
    return KaohsiungWeek(tuple(stops), shapes, tuple(runs))


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise KaohsiungDataError(str(path), f"cannot be read: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise KaohsiungDataError(str(path), f"is not JSON: {exc}") from exc


def parse_route_stops(route_id: str, document: Mapping[str, Any]) -> list[RouteStop]:
    """The stops of route_{route_id}.json: its ``en`` and ``zh`` lists describe
    the same stops in the same order (names in English and Chinese)."""
    where = f"route_{route_id}.json"
    english, chinese = document.get("en"), document.get("zh")
    if not isinstance(english, list) or not isinstance(chinese, list) or len(english) != len(chinese):
        raise KaohsiungDataError(where, "expected 'en' and 'zh' lists of the same length")
    stops = []
    for index, (en, zh) in enumerate(zip(english, chinese)):
        try:
            if (en["Id"], en["GoBack"], en["SeqNo"]) != (zh["Id"], zh["GoBack"], zh["SeqNo"]):
                raise KaohsiungDataError(where, f"stop {index}: 'en' and 'zh' lists disagree")
            stops.append(RouteStop(route_id, int(en["GoBack"]), int(en["SeqNo"]), str(en["Id"]),
                                   str(zh["NameZh"]), str(en["NameZh"]),
                                   float(en["Latitude"]), float(en["Longitude"])))
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, KaohsiungDataError):
                raise
            raise KaohsiungDataError(where, f"stop {index}: bad or missing field {exc}") from exc
    return stops


def parse_shapes(document: Sequence[Mapping[str, Any]]) -> tuple[RouteShape, ...]:
    shapes = []
    for index, item in enumerate(document):
        try:
            lons, lats = parse_wkt_linestring(str(item["Geometry"]))
            shapes.append(RouteShape(str(item["RouteID"]), int(item["Direction"]), lats, lons))
        except (KeyError, TypeError, ValueError) as exc:
            raise KaohsiungDataError("shapes.json", f"shape {index}: {exc}") from exc
    return tuple(shapes)


def parse_wkt_linestring(text: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """'LINESTRING(lon lat, lon lat, ...)' -> (lons, lats). Raises ValueError."""
    match = _WKT.match(text)
    if match is None:
        raise ValueError(f"not a WKT LINESTRING: {text[:40]!r}")
    points = [p.split() for p in match["points"].split(",")]
    if len(points) < 2 or any(len(p) != 2 for p in points):
        raise ValueError("a LINESTRING needs at least two 'lon lat' points")
    return tuple(float(p[0]) for p in points), tuple(float(p[1]) for p in points)


def parse_runs(document: Sequence[Mapping[str, Any]], route_id: str, direction: int,
               where: str) -> list[ObservedRun]:
    """The runs of one positions file; a run's fixes are sorted by time and a
    fix repeated at the same instant is kept once."""
    runs = []
    for index, item in enumerate(document):
        try:
            runs.append(_run(item, route_id, direction))
        except (KeyError, TypeError, ValueError) as exc:
            raise KaohsiungDataError(where, f"run {index}: {exc}") from exc
    return runs


def _run(item: Mapping[str, Any], route_id: str, direction: int) -> ObservedRun:
    if int(item["Direction"]) != direction:
        raise ValueError(f"Direction {item['Direction']} in the file of direction {direction}")
    columns = [item[k] for k in ("GPSTime", "BusPosition", "Speed", "Azimuth")]
    if len({len(c) for c in columns}) != 1 or not columns[0]:
        raise ValueError("GPSTime, BusPosition, Speed and Azimuth must be parallel, non-empty lists")
    fixes: dict[float, tuple[float, float, float, float]] = {}
    for stamp, (lat, lon), speed, azimuth in zip(*columns):
        moment = datetime.fromisoformat(stamp)
        if moment.tzinfo is None:
            raise ValueError(f"GPSTime without an offset: {stamp!r}")
        fixes.setdefault(moment.timestamp(), (float(lat), float(lon), float(speed), float(azimuth)))
    times = sorted(fixes)
    rows = [fixes[t] for t in times]
    return ObservedRun(
        run_id=str(item["RunUUID"]), vehicle_id=str(item["PlateNumb"]), route_id=route_id,
        direction=direction, quality=str(item.get("quality", "")), times=tuple(times),
        lats=tuple(r[0] for r in rows), lons=tuple(r[1] for r in rows),
        speeds_kmh=tuple(r[2] for r in rows), azimuths=tuple(r[3] for r in rows),
    )
