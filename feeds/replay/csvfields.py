"""Reading CSV fields for the replay readers: one row's cell -> a typed value, or
``RowError`` saying which column is wrong and why. Takes .csv and .csv.gz."""

from __future__ import annotations

import csv
import gzip
import io
import math
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import IO


class MissingColumns(ValueError):
    """The header lacks columns a reader needs."""

    def __init__(self, file: str, missing: list[str]) -> None:
        super().__init__(f"{file}: missing column(s) {missing}")
        self.file = file
        self.missing = missing


class RowError(ValueError):
    """One field of one row is unusable; the message says which and why."""


def open_text(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return path.open(newline="", encoding="utf-8")


def rows(path: Path, required: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each data row; checks the header first."""
    with open_text(path) as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        missing = [c for c in required if c not in header]
        if missing:
            raise MissingColumns(str(path), missing)
        for row in reader:
            # line_num counts physical lines, so quoted newlines keep it honest.
            yield reader.line_num, row


def text(row: Mapping[str, str | None], column: str) -> str:
    value = (row.get(column) or "").strip()
    if not value:
        raise RowError(f"{column} is empty")
    return value


def optional_text(row: Mapping[str, str | None], column: str | None) -> str | None:
    if column is None:
        return None
    return (row.get(column) or "").strip() or None


def number(row: Mapping[str, str | None], column: str) -> float:
    cell = text(row, column)
    try:
        value = float(cell)
    except ValueError:
        raise RowError(f"{column} is not a number: {cell!r}") from None
    if not math.isfinite(value):
        raise RowError(f"{column} is not finite: {cell!r}")
    return value


def optional_number(row: Mapping[str, str | None], column: str | None) -> float | None:
    if column is None or not (row.get(column) or "").strip():
        return None
    return number(row, column)


def instant(row: Mapping[str, str | None], column: str) -> float:
    """Unix seconds, or an ISO 8601 instant with its offset."""
    cell = text(row, column)
    try:
        value = float(cell)
    except ValueError:
        try:
            moment = datetime.fromisoformat(cell)
        except ValueError:
            raise RowError(f"{column} is neither Unix seconds nor ISO 8601: {cell!r}") from None
        if moment.tzinfo is None:
            raise RowError(f"{column} has no UTC offset: {cell!r}") from None
        return moment.timestamp()
    if not math.isfinite(value) or value <= 0:
        raise RowError(f"{column} is not a Unix time: {cell!r}")
    return value


def optional_instant(row: Mapping[str, str | None], column: str | None) -> float | None:
    if column is None or not (row.get(column) or "").strip():
        return None
    return instant(row, column)


def service_date(row: Mapping[str, str | None], column: str) -> date:
    """ISO 2026-02-16 or GTFS 20260216."""
    cell = text(row, column)
    try:
        return date.fromisoformat(cell)
    except ValueError:
        raise RowError(f"{column} is not a date: {cell!r}") from None


def integer(row: Mapping[str, str | None], column: str) -> int:
    """An integer, also when written as a float ("36.0", as pandas exports do)."""
    value = number(row, column)
    if value != int(value):
        raise RowError(f"{column} is not an integer: {value!r}")
    return int(value)


def coordinates(
    row: Mapping[str, str | None], lat_column: str, lon_column: str
) -> tuple[float, float]:
    lat, lon = number(row, lat_column), number(row, lon_column)
    if not -90 <= lat <= 90:
        raise RowError(f"{lat_column} out of range: {lat}")
    if not -180 <= lon <= 180:
        raise RowError(f"{lon_column} out of range: {lon}")
    if lat == 0 and lon == 0:
        raise RowError("position is (0, 0): no fix")
    return lat, lon


def speed_and_bearing(
    row: Mapping[str, str | None], speed_column: str | None, bearing_column: str | None
) -> tuple[float | None, float | None]:
    speed = optional_number(row, speed_column)
    if speed is not None and speed < 0:
        raise RowError(f"{speed_column} is negative: {speed}")
    bearing = optional_number(row, bearing_column)
    return speed, None if bearing is None else bearing % 360.0


def present(column: str | None, header_has: Iterable[str]) -> str | None:
    return column if column is not None and column in header_has else None


def header(path: Path) -> list[str]:
    with open_text(path) as f:
        return next(csv.reader(f), [])
