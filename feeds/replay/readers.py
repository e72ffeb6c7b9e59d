"""Readers of recorded reports and of the truth to score them against (pure, no clock).

Error policy (written down, as transitland does):

- Report files (our CSV, flattened GTFS-RT CSV, GTFS-RT .pb files) come from real
  feeds and carry noise: a row or entity that cannot become a report is skipped
  and counted; the result keeps the first few examples (file, line, reason).
- Reference files (vehicle assignments, true passages) are what scores are
  computed against: any bad row stops the read with ``BadReplayFile`` listing
  every bad row, because a silently thinner truth would flatter the scores.
- A missing required column stops any read with ``BadReplayFile``.

Every CSV reader takes ``.csv`` or gzip-compressed ``.csv.gz``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Generic, TypeVar

from feeds.gtfsrt.decode import (
    ObservedReport,
    UndecodableFeed,
    parse_feed_message,
    reports_from_message,
)
from feeds.replay import csvfields as fields
from transit.records import VehicleReport
from transit.tracking.scoring import TruePassage
from transit.validation import MAX_ID_CHARS, MAX_TRIP_ID_CHARS, check_text

__all__ = [
    "AssignmentColumns",
    "BadReplayFile",
    "BadRow",
    "GtfsRtColumns",
    "ObservedReport",
    "PassageColumns",
    "ReadResult",
    "ReportColumns",
    "TruePassage",
    "read_assignments_csv",
    "read_gtfsrt_csv",
    "read_gtfsrt_files",
    "read_report_csv",
    "read_true_passages_csv",
]

T = TypeVar("T")

MAX_EXAMPLES = 10


@dataclass(frozen=True, slots=True)
class BadRow:
    file: str
    line: int | None  # 1-based line in the file (the header is line 1); None: whole file
    reason: str


class BadReplayFile(ValueError):
    """A file that cannot be read as asked; ``problems`` lists every bad row."""

    def __init__(self, file: str, problems: Sequence[BadRow]) -> None:
        shown = "; ".join(f"line {p.line}: {p.reason}" if p.line else p.reason
                          for p in problems[:MAX_EXAMPLES])
        more = f" (and {len(problems) - MAX_EXAMPLES} more)" if len(problems) > MAX_EXAMPLES else ""
        super().__init__(f"{file}: {len(problems)} problem(s): {shown}{more}")
        self.file = file
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True)
class ReadResult(Generic[T]):
    """What a report reader got: items in file order, plus counted drops."""

    items: list[T]
    rows: int  # rows (or entities) seen
    bad: int  # rows skipped
    examples: tuple[BadRow, ...]  # the first few skipped, to show a person


@dataclass(frozen=True, slots=True)
class ReportColumns:
    """Our report fields -> the file's column names. An optional column absent from
    the file reads as None (``received_at`` then equals ``timestamp``)."""

    vehicle_id: str = "vehicle_id"
    timestamp: str = "timestamp"
    lat: str = "lat"
    lon: str = "lon"
    speed_mps: str | None = "speed_mps"
    bearing: str | None = "bearing"
    received_at: str | None = "received_at"
    trip_id: str | None = "trip_id"  # the trip descriptor, when the source sent one
    route_id: str | None = "route_id"
    direction_id: str | None = "direction_id"
    start_date: str | None = "start_date"


@dataclass(frozen=True, slots=True)
class GtfsRtColumns:
    """Flattened GTFS-RT VehiclePosition columns, defaults as WMATA's archive names them."""

    vehicle_id: str = "vehicle.vehicle.id"
    entity_id: str = "id"
    timestamp: str = "vehicle.timestamp"
    lat: str = "vehicle.position.latitude"
    lon: str = "vehicle.position.longitude"
    speed_mps: str = "vehicle.position.speed"
    bearing: str = "vehicle.position.bearing"
    trip_id: str = "vehicle.trip.trip_id"
    route_id: str = "vehicle.trip.route_id"
    direction_id: str = "vehicle.trip.direction_id"
    start_date: str = "vehicle.trip.start_date"
    stop_id: str = "vehicle.stop_id"
    current_stop_sequence: str = "vehicle.current_stop_sequence"


@dataclass(frozen=True, slots=True)
class AssignmentColumns:
    service_date: str = "service_date"
    vehicle_id: str = "vehicle_id"
    block_id: str = "block_id"


@dataclass(frozen=True, slots=True)
class PassageColumns:
    """Defaults match the simulator's truth_passages.csv."""

    trip_id: str = "trip_id"
    stop_sequence: str = "stop_sequence"
    arrival: str = "arrival"
    departure: str | None = "departure"
    vehicle_id: str | None = "vehicle_id"


class _Tally(Generic[T]):
    """Collects items, and counts bad rows keeping the first few, while a reader
    walks a file."""

    def __init__(self) -> None:
        self.items: list[T] = []
        self.rows = 0
        self.bad = 0
        self.examples: list[BadRow] = []

    def skip(self, problem: BadRow, count: int = 1) -> None:
        self.bad += count
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(problem)

    def result(self) -> ReadResult[T]:
        return ReadResult(self.items, self.rows, self.bad, tuple(self.examples))


def _rows(path: Path, required: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        yield from fields.rows(path, required)
    except fields.MissingColumns as exc:
        raise BadReplayFile(exc.file, [BadRow(exc.file, 1, str(exc))]) from exc


DESCRIPTOR_FIELDS = ("trip_id", "route_id", "direction_id", "start_date")
Descriptor = tuple[str | None, str | None, int | None, date | None]


def _descriptor_columns(columns: ReportColumns | GtfsRtColumns, header: list[str]) -> dict[str, str | None]:
    return {name: fields.present(getattr(columns, name), header) for name in DESCRIPTOR_FIELDS}


def _trip_descriptor(row: dict[str, str], present: dict[str, str | None]) -> Descriptor:
    """A row's (trip_id, route_id, direction_id, start_date), None where the
    column is absent or empty; ``fields.RowError`` when one is unfit, as for
    any other field."""
    ids: list[str | None] = []
    for name, limit in (("trip_id", MAX_TRIP_ID_CHARS), ("route_id", MAX_ID_CHARS)):
        value = fields.optional_text(row, present[name])
        refusal = None if value is None else check_text(present[name] or name, value, limit)
        if refusal is not None:
            raise fields.RowError(refusal.message)
        ids.append(value)
    direction_column, start_column = present["direction_id"], present["start_date"]
    direction = (fields.integer(row, direction_column)
                 if fields.optional_text(row, direction_column) is not None else None)
    if direction not in (None, 0, 1):
        raise fields.RowError(f"{direction_column} must be 0 or 1: {direction}")
    start_date = (fields.service_date(row, start_column)
                  if fields.optional_text(row, start_column) is not None else None)
    return ids[0], ids[1], direction, start_date


def read_report_csv(
    path: Path | str, columns: ReportColumns = ReportColumns(), source: str = "replay"
) -> ReadResult[VehicleReport]:
    """The reports of a CSV file, in file order; unusable rows counted and skipped."""
    path = Path(path)
    header = fields.header(path)
    speed_column = fields.present(columns.speed_mps, header)
    bearing_column = fields.present(columns.bearing, header)
    received_column = fields.present(columns.received_at, header)
    descriptor_columns = _descriptor_columns(columns, header)
    tally: _Tally[VehicleReport] = _Tally()
    for line, row in _rows(path, (columns.vehicle_id, columns.timestamp, columns.lat, columns.lon)):
        tally.rows += 1
        try:
            timestamp = fields.instant(row, columns.timestamp)
            lat, lon = fields.coordinates(row, columns.lat, columns.lon)
            speed, bearing = fields.speed_and_bearing(row, speed_column, bearing_column)
            received = fields.optional_instant(row, received_column)
            report = VehicleReport(fields.text(row, columns.vehicle_id), timestamp, lat, lon, speed,
                                   bearing, source, timestamp if received is None else received,
                                   *_trip_descriptor(row, descriptor_columns))
        except fields.RowError as exc:
            tally.skip(BadRow(str(path), line, str(exc)))
            continue
        tally.items.append(report)
    return tally.result()


def read_gtfsrt_csv(
    path: Path | str, columns: GtfsRtColumns = GtfsRtColumns(), source: str = "gtfsrt"
) -> ReadResult[ObservedReport]:
    """Flattened GTFS-RT VehiclePositions rows (WMATA's archive style), with the
    feed's own trip (also on the report, as its trip descriptor), stop and stop sequence. The files hold no receive time, so
    ``received_at`` is the fix time. The vehicle id falls back to the entity id."""
    path = Path(path)
    header = fields.header(path)
    entity_column = fields.present(columns.entity_id, header)
    optional = {name: fields.present(getattr(columns, name), header)
                for name in ("vehicle_id", "speed_mps", "bearing", "stop_id",
                             "current_stop_sequence")}
    descriptor_columns = _descriptor_columns(columns, header)
    if optional["vehicle_id"] is None and entity_column is None:
        raise BadReplayFile(str(path), [BadRow(str(path), 1, (
            f"neither {columns.vehicle_id!r} nor {columns.entity_id!r} is a column"))])
    tally: _Tally[ObservedReport] = _Tally()
    for line, row in _rows(path, (columns.timestamp, columns.lat, columns.lon)):
        tally.rows += 1
        try:
            vehicle_id = (fields.optional_text(row, optional["vehicle_id"])
                          or fields.optional_text(row, entity_column))
            if vehicle_id is None:
                raise fields.RowError("no vehicle id")
            timestamp = fields.instant(row, columns.timestamp)
            lat, lon = fields.coordinates(row, columns.lat, columns.lon)
            speed, bearing = fields.speed_and_bearing(row, optional["speed_mps"],
                                                      optional["bearing"])
            sequence_column = optional["current_stop_sequence"]
            sequence = (fields.integer(row, sequence_column)
                        if fields.optional_text(row, sequence_column) is not None else None)
            report = VehicleReport(vehicle_id, timestamp, lat, lon, speed, bearing, source,
                                   timestamp, *_trip_descriptor(row, descriptor_columns))
            observed = ObservedReport(
                report=report,
                trip_id=report.trip_id,
                stop_id=fields.optional_text(row, optional["stop_id"]),
                current_stop_sequence=sequence,
            )
        except fields.RowError as exc:
            tally.skip(BadRow(str(path), line, str(exc)))
            continue
        tally.items.append(observed)
    return tally.result()


def read_gtfsrt_files(
    paths: Iterable[Path | str], source: str = "gtfsrt"
) -> ReadResult[ObservedReport]:
    """The reports of VehiclePositions .pb files, in the given order; each file's
    header timestamp stands for when it was received. ``rows`` counts entities; an
    undecodable file, or one without a header timestamp, is one bad row."""
    tally: _Tally[ObservedReport] = _Tally()
    for path in map(Path, paths):
        try:
            message = parse_feed_message(path.read_bytes(), str(path))
        except (OSError, UndecodableFeed) as exc:
            tally.skip(BadRow(str(path), None, str(exc)))
            continue
        if not message.header.timestamp:
            tally.skip(BadRow(str(path), None, "feed header has no timestamp"))
            continue
        decoded = reports_from_message(message, float(message.header.timestamp), source)
        tally.rows += decoded.entities
        tally.items.extend(decoded.observed)
        for reason, count in decoded.skipped.items():
            tally.skip(BadRow(str(path), None, f"{count} entities: {reason}"), count)
    return tally.result()


def read_assignments_csv(
    path: Path | str, columns: AssignmentColumns = AssignmentColumns()
) -> dict[tuple[date, str], str]:
    """(service date, vehicle id) -> block id. Raises ``BadReplayFile`` on any bad
    row, including one vehicle given two blocks on one day."""
    path = Path(path)

    assignments: dict[tuple[date, str], str] = {}
    problems: list[BadRow] = []
    for line, row in _rows(path, (columns.service_date, columns.vehicle_id, columns.block_id)):
        try:
            day = fields.service_date(row, columns.service_date)
            vehicle_id = fields.text(row, columns.vehicle_id)
            block_id = fields.text(row, columns.block_id)
        except fields.RowError as exc:
            problems.append(BadRow(str(path), line, str(exc)))
            continue
        known = assignments.setdefault((day, vehicle_id), block_id)
        if known != block_id:
            problems.append(BadRow(str(path), line,
                                   f"{vehicle_id} on {day} already runs block {known}"))
    if problems:
        raise BadReplayFile(str(path), problems)
    return assignments


def read_true_passages_csv(
    path: Path | str, columns: PassageColumns = PassageColumns()
) -> list[TruePassage]:
    """The passages of a truth file, in file order. Raises ``BadReplayFile`` on
    any bad row. Optional columns absent from the file read as None.

    ``stop_sequence`` is returned as the file writes it: the simulator's files
    hold the 1-based pattern index, not GTFS's sequence, which
    ``feeds.replay.scoring.index_to_gtfs_sequences`` maps before scoring."""
    path = Path(path)
    header = fields.header(path)
    departure = fields.present(columns.departure, header)
    vehicle = fields.present(columns.vehicle_id, header)
    passages: list[TruePassage] = []
    problems: list[BadRow] = []
    for line, row in _rows(path, (columns.trip_id, columns.stop_sequence, columns.arrival)):
        try:
            sequence = fields.integer(row, columns.stop_sequence)
            if sequence < 1:
                raise fields.RowError(f"{columns.stop_sequence} must be 1 or more: {sequence}")
            passages.append(TruePassage(
                trip_id=fields.text(row, columns.trip_id),
                stop_sequence=sequence,
                arrival=fields.instant(row, columns.arrival),
                departure=fields.optional_instant(row, departure),
                vehicle_id=fields.optional_text(row, vehicle),
            ))
        except fields.RowError as exc:
            problems.append(BadRow(str(path), line, str(exc)))
    if problems:
        raise BadReplayFile(str(path), problems)
    return passages
