"""The Kaohsiung case on disk, in the formats ``transit replay`` reads:

    OUT/gtfs.zip                      stops, shapes, routes, the stand-in timetable
    OUT/reports/YYYY-MM-DD/reports.csv one folder per service day (report CSV, with the
                                      feed's route_id and direction_id on each fix)
    OUT/assignments.csv               service_date, vehicle_id, block_id
    OUT/truth_passages.csv            trip_id, stop_sequence (GTFS), arrival, departure, vehicle_id
    OUT/runs.csv                      each RunUUID: its vehicle, service day, trip, passages, missed stops

Floats are written with ``repr`` so that they read back exactly; the same
input gives the same CSV files byte for byte (and the same tables in the zip).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from feeds.kaohsiung.case import KaohsiungCase
from feeds.kaohsiung.gtfs import build_tables
from feeds.simulator.files import REPORT_COLUMNS
from transit.gtfs.tables import write_tables


@dataclass(frozen=True, slots=True)
class CaseFiles:
    gtfs: Path
    reports: Path  # a folder of day folders, in date order
    assignments: Path
    truth: Path
    runs: Path

    def day_folders(self) -> list[Path]:
        return sorted(p for p in self.reports.iterdir() if p.is_dir())


def write_case(case: KaohsiungCase, out: Path) -> CaseFiles:
    """Write the case under ``out`` (created); returns where each part went."""
    out.mkdir(parents=True, exist_ok=True)
    files = CaseFiles(out / "gtfs.zip", out / "reports", out / "assignments.csv",
                      out / "truth_passages.csv", out / "runs.csv")
    files.gtfs.write_bytes(write_tables(build_tables(case)))
    for day, reports in case.reports.items():
        folder = files.reports / day.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        _write(folder / "reports.csv", (*REPORT_COLUMNS, "route_id", "direction_id"), (
            (r.vehicle_id, repr(r.timestamp), repr(r.lat), repr(r.lon), repr(r.speed_mps),
             repr(r.bearing), repr(r.received_at), r.route_id, r.direction_id) for r in reports))
    _write(files.assignments, ("service_date", "vehicle_id", "block_id"), (
        (day.isoformat(), vehicle, block) for (day, vehicle), block in sorted(case.assignments.items())))
    _write(files.truth, ("trip_id", "stop_sequence", "arrival", "departure", "vehicle_id"), (
        (p.trip_id, p.stop_sequence, repr(p.arrival), repr(p.departure), p.vehicle_id)
        for p in case.truth))
    _write(files.runs, ("run_id", "vehicle_id", "route_id", "direction", "quality", "service_date",
                        "trip_id", "passages", "missed_stops"), (
        (r.run_id, r.vehicle_id, r.route_id, r.direction, r.quality, r.service_date.isoformat(),
         r.trip_id or "", r.passages, r.missed) for r in case.runs))
    return files


def _write(path: Path, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
