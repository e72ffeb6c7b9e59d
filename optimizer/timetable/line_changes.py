"""Line studies that change geometry: a line direction's stops edited, or a new line.

A ``LineChange`` edits one line direction's main pattern in a fixed order: the
cuts first (``cut_before``, ``cut_after``), then the stops removed, the stops
inserted after a stop of the line, and last the stops put before its first
stop (``prepend``) and after its last (``extend_to``). ``edit_stops`` gives the
new stop list or raises ``InputError`` naming the key and stop at fault.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from optimizer.timetable.errors import InputError


@dataclass(frozen=True, slots=True)
class InsertedStop:
    after: str  # a stop of the line
    stop: str  # the stop served next


@dataclass(frozen=True, slots=True)
class LineChange:
    route_id: str
    direction_id: int
    prepend: tuple[str, ...] = ()  # served before the first stop, in order
    extend_to: tuple[str, ...] = ()  # served after the last stop, in order
    cut_before: str | None = None  # the line starts here
    cut_after: str | None = None  # the line ends here
    add_stops: tuple[InsertedStop, ...] = ()
    remove_stops: tuple[str, ...] = ()
    # Boardings a day at each new stop (as many alight there); None: from the taps at it.
    boardings_per_day: float | None = None

    @property
    def where(self) -> str:
        return f"line {self.route_id} direction {self.direction_id}"


@dataclass(frozen=True, slots=True)
class NewLine:
    """A line the schedule does not run: its stops each way, its day and its vehicles."""

    route_id: str
    stops: tuple[str, ...]  # direction 0
    return_stops: tuple[str, ...]  # direction 1
    first_departure_s: int | None = None  # None: the median first departure of the day's lines
    last_departure_s: int | None = None
    # Boardings a day on each direction, shared evenly by its stops but the last; None: from the taps.
    boardings_per_day: float | None = None
    mean_ride_km: float | None = None  # None: the day's mean ride
    speed_kmh: float | None = None  # None: the median speed of the day's lines, hour by hour
    vehicles: int = 0  # added to the shared fleet for it
    name: str = ""


@dataclass(frozen=True, slots=True)
class LineStudy:
    changes: tuple[LineChange, ...] = ()
    new_lines: tuple[NewLine, ...] = ()
    walk_m: float = 400.0  # riders of a stop no longer served walk this far to the nearest one kept

    def __bool__(self) -> bool:
        return bool(self.changes or self.new_lines)


def edit_stops(old: Sequence[str], change: LineChange) -> tuple[str, ...]:
    """The stops of ``old`` (a line direction's main pattern) after ``change``."""
    where = change.where
    stops = list(old)

    def index(stop: str, key: str) -> int:
        if stop not in stops:
            raise InputError(f"{where}: {key} = {stop!r}: not a stop of the line "
                             f"({stops[0]} ... {stops[-1]}, {len(stops)} stops)", key)
        return stops.index(stop)

    if change.cut_before is not None:
        stops = stops[index(change.cut_before, "cut_before"):]
    if change.cut_after is not None:
        stops = stops[:index(change.cut_after, "cut_after") + 1]
    for stop in change.remove_stops:
        stops.pop(index(stop, "remove_stops"))
    for added in change.add_stops:
        _not_on_line(stops, added.stop, where, "add_stops")
        stops.insert(index(added.after, "add_stops.after") + 1, added.stop)
    for stop in (*change.prepend, *change.extend_to):
        _not_on_line(stops, stop, where, "prepend" if stop in change.prepend else "extend_to")
    stops = [*change.prepend, *stops, *change.extend_to]
    if len(stops) < 2:
        raise InputError(f"{where}: the change leaves {len(stops)} stop ({', '.join(stops) or 'none'}): "
                         "a line needs two stops or more", "stops")
    return tuple(stops)


def check_new_line(line: NewLine) -> None:
    """Raise unless each direction has two distinct stops or more."""
    for key, stops in (("stops", line.stops), ("return_stops", line.return_stops)):
        if len(stops) < 2:
            raise InputError(f"new line {line.route_id}: {key} has {len(stops)} stop "
                             f"({', '.join(stops) or 'none'}): a line needs two stops or more",
                             f"new_lines.{key}")
        twice = sorted({s for s in stops if stops.count(s) > 1})
        if twice:
            raise InputError(f"new line {line.route_id}: {key} serves {twice[0]} twice", f"new_lines.{key}")


def check_known(study: LineStudy, stop_ids: Collection[str], route_ids: Collection[str]) -> None:
    """Raise, naming the first, on an unknown stop or line, a changed line that
    does not exist or a new line that does, or a direction changed twice."""
    seen: set[tuple[str, int]] = set()
    for change in study.changes:
        if change.route_id not in route_ids:
            raise InputError(f"line_changes: route {change.route_id!r}: no such line in the schedule",
                             "line_changes.route")
        if (change.route_id, change.direction_id) in seen:
            raise InputError(f"line_changes: {change.where} is changed twice: give one table for it",
                             "line_changes.direction")
        seen.add((change.route_id, change.direction_id))
        named = [*change.prepend, *change.extend_to, *change.remove_stops,
                 *(s for a in change.add_stops for s in (a.after, a.stop)),
                 *(s for s in (change.cut_before, change.cut_after) if s is not None)]
        _known_stops(named, stop_ids, f"line_changes: {change.where}")
    for line in study.new_lines:
        if line.route_id in route_ids:
            raise InputError(f"new_lines: route {line.route_id!r} is already a line of the schedule: "
                             "change it in [[line_changes]] or give the new line another id", "new_lines.route")
        _known_stops([*line.stops, *line.return_stops], stop_ids, f"new line {line.route_id}")
        check_new_line(line)


def _known_stops(named: Sequence[str], stop_ids: Collection[str], where: str) -> None:
    unknown = [s for s in named if s not in stop_ids]
    if unknown:
        raise InputError(f"{where}: stop {unknown[0]!r}: no such stop in the schedule", "stop")


def _not_on_line(stops: Sequence[str], stop: str, where: str, key: str) -> None:
    if stop in stops:
        raise InputError(f"{where}: {key} = {stop!r}: the line already serves it", key)
