"""Recorded days on disk -> ``ReplayDay``: which format a path holds, and reading it.

Formats, told apart by extension and, for CSV, by the header:

- ``jt808``: a raw JT/T 808 capture (``.bin``, ``.808``), see ``capture``;
- ``gtfsrt-pb``: GTFS-RT VehiclePositions files (``.pb``), read in name order;
- ``gtfsrt-csv``: flattened GTFS-RT rows (``.csv``/``.csv.gz`` with ``vehicle.`` columns);
- ``csv``: our report CSV (``.csv``/``.csv.gz``), columns renamable.

A folder is one day: the files in it of one format (a simulator folder's
reports.csv; a folder of .pb polls; captures). A folder holding no such file
but sub-folders is several days, one per sub-folder in name order.
"""

from __future__ import annotations

import csv
import dataclasses
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from feeds.jt808.bindings import Bindings
from feeds.replay import csvfields as fields
from feeds.replay.capture import read_jt808_capture
from feeds.replay.readers import (
    BadRow,
    GtfsRtColumns,
    ReportColumns,
    read_gtfsrt_csv,
    read_gtfsrt_files,
    read_report_csv,
)
from feeds.replay.runner import ReplayDay
from feeds.gtfsrt.decode import ObservedReport
from transit.records import VehicleReport


C = TypeVar("C")


class InputFormat(enum.StrEnum):
    AUTO = "auto"
    CSV = "csv"
    GTFSRT_CSV = "gtfsrt-csv"
    GTFSRT_PB = "gtfsrt-pb"
    JT808 = "jt808"


CAPTURE_SUFFIXES = (".bin", ".808")
# In a simulator day folder, the reports; its other CSV files are not reports.
SIMULATOR_REPORTS = "reports.csv"


class UnreadableInput(ValueError):
    """A path that cannot be replayed: missing, of no known format, or empty."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ReadOptions:
    format: InputFormat = InputFormat.AUTO
    columns: ReportColumns = ReportColumns()
    gtfsrt_columns: GtfsRtColumns = GtfsRtColumns()
    bindings: Bindings = Bindings()


@dataclass(frozen=True, slots=True)
class LoadedDay:
    """A day ready to replay, with what reading it cost: rows seen, rows
    dropped and the first few reasons, per the readers' error policy."""

    day: ReplayDay
    format: InputFormat
    rows: int
    bad: int
    examples: tuple[BadRow, ...]
    observed: tuple[ObservedReport, ...] = ()  # GTFS-RT inputs: reports with the feed's trip


def parse_column_map(text: str, defaults: C) -> C:
    """``defaults`` (a frozen columns dataclass) with the renames of
    ``field=column,...`` applied; raises ``ValueError`` naming a bad item."""
    known = {f.name for f in dataclasses.fields(defaults)}  # type: ignore[arg-type]
    renames: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        field, sep, column = (x.strip() for x in item.partition("="))
        if not sep or not field or not column:
            raise ValueError(f"expected FIELD=COLUMN, not {item!r}")
        if field not in known:
            raise ValueError(f"unknown field {field!r}: one of {', '.join(sorted(known))}")
        renames[field] = column
    return dataclasses.replace(defaults, **renames)  # type: ignore[type-var]


def list_day_paths(path: Path) -> list[Path]:
    """The days ``path`` holds: itself, or its sub-folders when it is a folder
    of day folders. Raises ``UnreadableInput`` when it does not exist."""
    if not path.exists():
        raise UnreadableInput(path, "no such file or folder")
    if path.is_dir() and not _report_files(path) and any(p.is_dir() for p in path.iterdir()):
        return sorted(p for p in path.iterdir() if p.is_dir())
    return [path]


def detect_format(path: Path) -> InputFormat:
    """The format of a file, or of the report files in a folder."""
    files = _report_files(path) if path.is_dir() else [path]
    if not files:
        raise UnreadableInput(path, "no report files (.csv, .csv.gz, .pb, .bin, .808) in it")
    kinds = {_file_format(f) for f in files}
    if len(kinds) > 1:
        raise UnreadableInput(path, f"mixes formats {sorted(kinds)}: give one format per day")
    return kinds.pop()


def load_day(path: Path, options: ReadOptions = ReadOptions()) -> LoadedDay:
    """Read one day. Raises ``UnreadableInput`` (or ``BadReplayFile`` for a CSV
    missing a required column) when the path gives no report at all."""
    kind = detect_format(path) if options.format is InputFormat.AUTO else options.format
    files = _files_of(path, kind)
    try:
        return _read_day(path, kind, files, options)
    except (OSError, UnicodeDecodeError, EOFError, csv.Error) as exc:
        # Not a file of that format at all (binary noise, a truncated gzip).
        raise UnreadableInput(path, f"cannot be read as {kind}: {exc}") from exc


def _read_day(path: Path, kind: InputFormat, files: list[Path], options: ReadOptions) -> LoadedDay:
    label = path.name
    if kind is InputFormat.GTFSRT_PB:
        result = read_gtfsrt_files(files)
        return _observed_day(path, kind, label, result.items, result.rows, result.bad,
                             result.examples)
    if kind is InputFormat.GTFSRT_CSV:
        rows = bad = 0
        items: list[ObservedReport] = []
        examples: list[BadRow] = []
        for f in files:
            csv_result = read_gtfsrt_csv(f, options.gtfsrt_columns)
            items += csv_result.items
            rows, bad = rows + csv_result.rows, bad + csv_result.bad
            examples += csv_result.examples
        return _observed_day(path, kind, label, items, rows, bad, tuple(examples))
    reports: list[VehicleReport] = []
    rows = bad = 0
    examples: list[BadRow] = []
    for f in files:
        if kind is InputFormat.JT808:
            result_reports = read_jt808_capture(f, options.bindings)
        else:
            result_reports = read_report_csv(f, options.columns)
        reports += result_reports.items
        rows, bad = rows + result_reports.rows, bad + result_reports.bad
        examples += result_reports.examples
    _check_usable(path, kind, len(reports), rows, bad, examples)
    return LoadedDay(ReplayDay(label, tuple(reports)), kind, rows, bad, tuple(examples))


def load_days(paths: Sequence[Path], options: ReadOptions = ReadOptions()) -> list[LoadedDay]:
    """Every day the paths hold, in the order given."""
    return [load_day(day, options) for path in paths for day in list_day_paths(path)]


def _observed_day(path: Path, kind: InputFormat, label: str, items: Sequence[ObservedReport],
                  rows: int, bad: int, examples: Sequence[BadRow]) -> LoadedDay:
    _check_usable(path, kind, len(items), rows, bad, examples)
    day = ReplayDay(label, tuple(o.report for o in items), tuple(o.trip_id for o in items))
    return LoadedDay(day, kind, rows, bad, tuple(examples), tuple(items))


def _check_usable(path: Path, kind: InputFormat, reports: int, rows: int, bad: int,
                  examples: Sequence[BadRow]) -> None:
    if reports:
        return
    if bad:
        first = examples[0].reason if examples else "no row could be read"
        raise UnreadableInput(path, f"not a readable {kind} input: {bad} bad of {rows} "
                                    f"(first: {first})")
    raise UnreadableInput(path, f"holds no reports (read as {kind})")


def _report_files(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.iterdir() if p.is_file() and _is_report_file(p))
    simulator = [p for p in files if p.name in (SIMULATOR_REPORTS, SIMULATOR_REPORTS + ".gz")]
    return simulator or files


def _files_of(path: Path, kind: InputFormat) -> list[Path]:
    if not path.is_dir():
        return [path]
    files = [f for f in _report_files(path) if _suffix_fits(f, kind)]
    if not files:
        raise UnreadableInput(path, f"no {kind} files in it")
    return files


def _is_report_file(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith((".csv", ".csv.gz", ".pb") + CAPTURE_SUFFIXES)


def _suffix_fits(path: Path, kind: InputFormat) -> bool:
    name = path.name.lower()
    if kind is InputFormat.GTFSRT_PB:
        return name.endswith(".pb")
    if kind is InputFormat.JT808:
        return name.endswith(CAPTURE_SUFFIXES)
    return name.endswith((".csv", ".csv.gz"))


def _file_format(path: Path) -> InputFormat:
    name = path.name.lower()
    if name.endswith(CAPTURE_SUFFIXES):
        return InputFormat.JT808
    if name.endswith(".pb"):
        return InputFormat.GTFSRT_PB
    if name.endswith((".csv", ".csv.gz")):
        try:
            header = fields.header(path)
        except (OSError, UnicodeDecodeError, EOFError) as exc:
            raise UnreadableInput(path, f"cannot read its header: {exc}") from exc
        if any(column.startswith("vehicle.") for column in header):
            return InputFormat.GTFSRT_CSV
        return InputFormat.CSV
    raise UnreadableInput(path, "unknown format: expected .csv, .csv.gz, .pb, .bin or .808 "
                                "(or force one with --format)")
