"""A simulated day on disk: CSV files plus stats.json in one folder.

Floats are written with ``repr`` so that reading them back gives the same
values. Times are Unix seconds.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from feeds.simulator.day import SimulatedDay
from feeds.simulator.taps import RawTap
from transit.records import PaymentMedium, VehicleReport

REPORT_COLUMNS = ("vehicle_id", "timestamp", "lat", "lon", "speed_mps", "bearing",
                  "received_at")
TAP_COLUMNS = ("tap_id", "vehicle_id", "timestamp", "medium", "account", "lat", "lon",
               "received_at")


class TapFileError(ValueError):
    """A taps.csv that cannot be read: the file, the line (the header is line 1),
    the field and the value at fault (None where there is none), and what is wrong."""

    def __init__(
        self, path: Path, line: int, field: str | None, value: str | None, detail: str
    ) -> None:
        what = f" {field}={value!r}" if field is not None else ""
        super().__init__(f"{path}:{line}:{what} {detail}")
        self.path = path
        self.line = line
        self.field = field
        self.value = value
        self.detail = detail


def _write(path: Path, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        writer.writerows(rows)


def _records(items: Sequence[object]) -> tuple[list[str], Iterable[tuple[object, ...]]]:
    columns = [f.name for f in dataclasses.fields(items[0])] if items else []
    return columns, (tuple(getattr(i, c) for c in columns) for i in items)


def _optional(value: float | None) -> str:
    return "" if value is None else repr(value)


def write_day(day: SimulatedDay, out_dir: Path | str) -> Path:
    """Write reports.csv, taps.csv, truth_passages.csv, truth_journeys.csv,
    assignments.csv and stats.json into ``out_dir`` (created), and
    truth_reader_clocks.csv when reader clocks were simulated; returns it."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _write(out / "reports.csv", REPORT_COLUMNS, (
        (r.vehicle_id, repr(r.timestamp), repr(r.lat), repr(r.lon),
         _optional(r.speed_mps), _optional(r.bearing), repr(r.received_at))
        for r in day.reports
    ))
    _write(out / "taps.csv", TAP_COLUMNS, (
        (t.tap_id, t.vehicle_id, repr(t.timestamp), t.medium.value, t.account,
         repr(t.lat), repr(t.lon), repr(t.received_at))
        for t in day.taps
    ))
    for name, items in (("truth_passages.csv", day.passages),
                        ("truth_journeys.csv", day.journeys)):
        columns, rows = _records(items)
        _write(out / name, columns, rows)
    date_text = day.service_date.isoformat()
    _write(out / "assignments.csv", ("service_date", "vehicle_id", "plate", "block_id"), (
        (date_text, vehicle_id, day.plates.get(vehicle_id, ""), block_id)
        for vehicle_id, block_id in sorted(day.assignments.items())
    ))
    if day.reader_offsets:
        _write(out / "truth_reader_clocks.csv", ("vehicle_id", "offset_s"),
               ((v, repr(o)) for v, o in sorted(day.reader_offsets.items())))
    stats = {"service_date": date_text, **dataclasses.asdict(day.stats)}
    (out / "stats.json").write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
    return out


def _float_or_none(text: str) -> float | None:
    return float(text) if text else None


def read_reports(path: Path | str, source: str = "sim") -> list[VehicleReport]:
    """The reports of a reports.csv, in file order."""
    with Path(path).open(newline="", encoding="utf-8") as f:
        return [
            VehicleReport(
                vehicle_id=row["vehicle_id"],
                timestamp=float(row["timestamp"]),
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                speed_mps=_float_or_none(row["speed_mps"]),
                bearing=_float_or_none(row["bearing"]),
                source=source,
                received_at=float(row["received_at"]),
            )
            for row in csv.DictReader(f)
        ]


def read_taps(path: Path | str) -> list[RawTap]:
    """The raw taps of a taps.csv, in file order; raises ``TapFileError`` at the
    first line that is not a whole tap (a file without even a header has none)."""
    path = Path(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise TapFileError(path, line, None, None, f"not UTF-8 text (byte {exc.start})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        columns = reader.fieldnames or TAP_COLUMNS
        missing = [c for c in TAP_COLUMNS if c not in columns]
        if missing:
            raise TapFileError(path, 1, missing[0], None, "required column is missing")
        return [_tap(path, reader.line_num, row) for row in reader]
    except csv.Error as exc:
        # line_num counts the lines read whole; the error is in the next one.
        raise TapFileError(path, reader.line_num + 1, None, None, f"not valid CSV: {exc}") from None


def _tap(path: Path, line: int, row: Mapping[str | None, object]) -> RawTap:
    if None in row:
        raise TapFileError(path, line, None, None, "more fields than the header names")

    def text(field: str) -> str:
        value = row[field]
        if not isinstance(value, str):
            raise TapFileError(path, line, field, None, "missing: fewer fields than the header names")
        return value

    def number(field: str) -> float:
        value = text(field)
        try:
            parsed = float(value)
        except ValueError:
            raise TapFileError(path, line, field, value, "not a number") from None
        if not math.isfinite(parsed):
            raise TapFileError(path, line, field, value, "not a finite number")
        return parsed

    medium = text("medium")
    try:
        payment = PaymentMedium(medium)
    except ValueError:
        accepted = ", ".join(m.value for m in PaymentMedium)
        raise TapFileError(path, line, "medium", medium, f"must be one of {accepted}") from None
    return RawTap(
        tap_id=text("tap_id"),
        vehicle_id=text("vehicle_id"),
        timestamp=number("timestamp"),
        medium=payment,
        account=text("account"),
        lat=number("lat"),
        lon=number("lon"),
        received_at=number("received_at"),
    )
