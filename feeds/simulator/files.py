"""A simulated day on disk: CSV files plus stats.json in one folder.

Floats are written with ``repr`` so that reading them back gives the same
values. Times are Unix seconds.
"""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from feeds.simulator.day import SimulatedDay
from feeds.simulator.taps import RawTap
from transit.records import PaymentMedium, VehicleReport

REPORT_COLUMNS = ("vehicle_id", "timestamp", "lat", "lon", "speed_mps", "bearing",
                  "received_at")
TAP_COLUMNS = ("tap_id", "vehicle_id", "timestamp", "medium", "account", "lat", "lon",
               "received_at")


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
    assignments.csv and stats.json into ``out_dir`` (created); returns it."""
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
    """The raw taps of a taps.csv, in file order."""
    with Path(path).open(newline="", encoding="utf-8") as f:
        return [
            RawTap(
                tap_id=row["tap_id"],
                vehicle_id=row["vehicle_id"],
                timestamp=float(row["timestamp"]),
                medium=PaymentMedium(row["medium"]),
                account=row["account"],
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                received_at=float(row["received_at"]),
            )
            for row in csv.DictReader(f)
        ]
