"""Replay readers: column mapping, gz, bad rows counted (reports) or refused (truth)."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import pytest

from feeds.replay.readers import (
    AssignmentColumns,
    BadReplayFile,
    PassageColumns,
    ReportColumns,
    TruePassage,
    read_assignments_csv,
    read_gtfsrt_csv,
    read_gtfsrt_files,
    read_report_csv,
    read_true_passages_csv,
)
from feeds.replay.sources import parse_column_map
from tests.gtfsrt.helpers import position_message
from transit.records import VehicleReport

WMATA = Path("/work/shared/data/wmata-2026-02-16")


def write(path: Path, text: str) -> Path:
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_our_report_csv_round_trips(tmp_path: Path) -> None:
    path = write(tmp_path / "reports.csv",
                 "vehicle_id,timestamp,lat,lon,speed_mps,bearing,received_at\n"
                 "TC0001,1772406000.5,35.07,109.074,5.5,90.0,1772406002.0\n"
                 "TC0002,1772406001,35.08,109.075,,,1772406003\n")
    result = read_report_csv(path)
    assert result.items == [
        VehicleReport("TC0001", 1772406000.5, 35.07, 109.074, 5.5, 90.0, "replay", 1772406002.0),
        VehicleReport("TC0002", 1772406001.0, 35.08, 109.075, None, None, "replay", 1772406003.0),
    ]
    assert (result.rows, result.bad, result.examples) == (2, 0, ())


def test_column_mapping_gz_and_no_received_at(tmp_path: Path) -> None:
    path = write(tmp_path / "gps.csv.gz",
                 "bus,fix_time,y,x,kmh_is_not_used\n"
                 "陕B·1,2026-03-02T07:00:00+08:00,35.07,109.07,40\n")
    columns = ReportColumns(vehicle_id="bus", timestamp="fix_time", lat="y", lon="x",
                            speed_mps=None, bearing=None, received_at=None)
    (report,) = read_report_csv(path, columns, source="partner").items
    assert report.vehicle_id == "陕B·1"
    assert report.timestamp == report.received_at == 1772406000.0
    assert (report.speed_mps, report.bearing, report.source) == (None, None, "partner")


def test_bad_report_rows_are_counted_with_examples(tmp_path: Path) -> None:
    path = write(tmp_path / "reports.csv",
                 "vehicle_id,timestamp,lat,lon,speed_mps,bearing\n"
                 "A,1772406000,35.07,109.07,1,2\n"     # line 2: fine
                 "B,yesterday,35.07,109.07,1,2\n"      # line 3: bad time
                 "C,1772406000,95,109.07,1,2\n"        # line 4: latitude off the globe
                 ",1772406000,35.07,109.07,1,2\n"      # line 5: no vehicle
                 "D,1772406000,nan,109.07,,\n"         # line 6: not finite
                 "E,1772406000,0,0,,\n"                # line 7: no fix
                 "F,1772406000,35.07,109.07,-3,\n"     # line 8: negative speed
                 "G,1772406000,35.07,109.07,,400\n")   # line 9: bearing wraps to 40
    result = read_report_csv(path)
    assert [r.vehicle_id for r in result.items] == ["A", "G"]
    assert result.items[1].bearing == 40.0
    assert (result.rows, result.bad) == (8, 6)
    assert [e.line for e in result.examples] == [3, 4, 5, 6, 7, 8]
    assert all(e.file == str(path) for e in result.examples)
    assert "timestamp" in result.examples[0].reason and "lat" in result.examples[1].reason


def test_missing_required_column_stops_the_read(tmp_path: Path) -> None:
    path = write(tmp_path / "reports.csv", "vehicle_id,timestamp,lat\nA,1,2\n")
    with pytest.raises(BadReplayFile, match="lon"):
        read_report_csv(path)


def test_flattened_gtfsrt_csv(tmp_path: Path) -> None:
    header = (",id,vehicle.trip.trip_id,vehicle.position.latitude,vehicle.position.longitude,"
              "vehicle.position.bearing,vehicle.position.speed,vehicle.current_stop_sequence,"
              "vehicle.timestamp,vehicle.stop_id,vehicle.vehicle.id\n")
    path = write(tmp_path / "vp.csv.gz", header +
                 "0,4582,30095100,38.93,-77.08,133.0,8.8,36.0,1771257515,7752,4582\n"
                 "1,e9,,38.92,-77.05,,,,1771257489,,\n"        # no trip; vehicle id from entity
                 "2,x,1,38.92,-77.05,,,2.5,1771257489,,x\n"    # sequence not an integer
                 "3,y,1,38.92,-77.05,,,,,,y\n")                # no timestamp
    result = read_gtfsrt_csv(path)
    first, second = result.items
    assert (first.trip_id, first.stop_id, first.current_stop_sequence) == ("30095100", "7752", 36)
    assert first.report == VehicleReport("4582", 1771257515.0, 38.93, -77.08, 8.8, 133.0,
                                         "gtfsrt", 1771257515.0, trip_id="30095100")
    assert (second.report.vehicle_id, second.trip_id, second.current_stop_sequence) == ("e9", None,
                                                                                          None)
    assert (result.rows, result.bad) == (4, 2)


def test_flattened_gtfsrt_csv_trip_descriptor(tmp_path: Path) -> None:
    header = ("id,vehicle.trip.trip_id,vehicle.trip.start_date,vehicle.trip.route_id,"
              "vehicle.trip.direction_id,vehicle.position.latitude,vehicle.position.longitude,"
              "vehicle.timestamp\n")
    path = write(tmp_path / "vp.csv", header +
                 "4582,30095100,20260216,D96,1.0,38.93,-77.08,1771257515\n"   # as WMATA writes it
                 "4583,,,C53,,38.93,-77.08,1771257515\n"                       # a route alone
                 "4584,1,20260216,D96,2,38.93,-77.08,1771257515\n"             # line 4: direction 2
                 "4585,1,2026-16-02,D96,0,38.93,-77.08,1771257515\n"           # line 5: no such date
                 "4586,1\x07,,D96,0,38.93,-77.08,1771257515\n")               # line 6: control character
    result = read_gtfsrt_csv(path)
    first, second = (o.report for o in result.items)
    assert (first.trip_id, first.route_id, first.direction_id, first.start_date) == (
        "30095100", "D96", 1, date(2026, 2, 16))
    assert (second.trip_id, second.route_id, second.direction_id, second.start_date) == (
        None, "C53", None, None)
    assert [e.line for e in result.examples] == [4, 5, 6]
    assert "direction_id" in result.examples[0].reason and "start_date" in result.examples[1].reason
    assert "U+0007" in result.examples[2].reason


def test_a_report_csv_takes_a_trip_descriptor_by_column_mapping(tmp_path: Path) -> None:
    path = write(tmp_path / "gps.csv",
                 "vehicle_id,timestamp,lat,lon,vehicle.trip.trip_id,vehicle.trip.route_id,"
                 "vehicle.trip.direction_id\n"
                 "4582,1771257515,38.93,-77.08,30095100,D96,0\n"
                 "4583,1771257515,38.93,-77.08,,,\n")
    columns = parse_column_map("trip_id=vehicle.trip.trip_id,route_id=vehicle.trip.route_id,"
                               "direction_id=vehicle.trip.direction_id", ReportColumns())
    first, second = read_report_csv(path, columns).items
    assert (first.trip_id, first.route_id, first.direction_id, first.start_date) == (
        "30095100", "D96", 0, None)
    assert (second.trip_id, second.route_id, second.direction_id) == (None, None, None)
    # Without the mapping, the columns are not ours: no descriptor.
    assert read_report_csv(path).items[0].trip_id is None


def test_gtfsrt_files_use_the_header_time_and_count_bad_files(tmp_path: Path) -> None:
    good = tmp_path / "1.pb"
    good.write_bytes(position_message(("A", "A", 1771257515, 38.9, -77.0),
                                      ("B", "B", None, 38.9, -77.0), header_timestamp=1771257520))
    broken = tmp_path / "2.pb"
    broken.write_bytes(b"<html>gateway timeout</html>")
    result = read_gtfsrt_files([good, broken, tmp_path / "missing.pb"])
    (observed,) = result.items
    assert observed.report.received_at == 1771257520.0 and observed.trip_id == "trip-A"
    assert (result.rows, result.bad) == (2, 3)
    assert [e.file for e in result.examples] == [str(good), str(broken), str(tmp_path / "missing.pb")]


def test_assignments(tmp_path: Path) -> None:
    path = write(tmp_path / "assignments.csv",
                 "service_date,vehicle_id,plate,block_id\n"
                 "2026-03-02,TC0001,陕B·1,B1\n"
                 "20260302,TC0002,,B2\n")
    assert read_assignments_csv(path) == {(date(2026, 3, 2), "TC0001"): "B1",
                                          (date(2026, 3, 2), "TC0002"): "B2"}
    other = write(tmp_path / "other.csv", "day,bus,run\n2026-03-02,7,R9\n")
    columns = AssignmentColumns(service_date="day", vehicle_id="bus", block_id="run")
    assert read_assignments_csv(other, columns) == {(date(2026, 3, 2), "7"): "R9"}


def test_bad_assignment_rows_stop_the_read_listing_all(tmp_path: Path) -> None:
    path = write(tmp_path / "assignments.csv",
                 "service_date,vehicle_id,block_id\n"
                 "2026-03-02,TC0001,B1\n"
                 "2026-03-02,TC0001,B2\n"    # a second block the same day
                 "March 2,TC0003,B3\n")
    with pytest.raises(BadReplayFile) as caught:
        read_assignments_csv(path)
    assert [p.line for p in caught.value.problems] == [3, 4]


def test_true_passages_match_the_simulator_file(tmp_path: Path) -> None:
    path = write(tmp_path / "truth_passages.csv",
                 "vehicle_id,block_id,trip_id,stop_sequence,stop_id,arrival,departure,"
                 "boardings,alightings,load\n"
                 "TC0001,B1,T1,1,S1,1772406000.0,1772406030.0,3,0,3\n")
    assert read_true_passages_csv(path) == [
        TruePassage("T1", 1, 1772406000.0, 1772406030.0, "TC0001")]


def test_true_passages_with_other_columns_and_bad_rows(tmp_path: Path) -> None:
    path = write(tmp_path / "obs.csv", "trip,idx,t\nT1,1,1772406000\nT1,0,1772406100\nT1,3,\n")
    columns = PassageColumns(trip_id="trip", stop_sequence="idx", arrival="t")
    with pytest.raises(BadReplayFile) as caught:
        read_true_passages_csv(path, columns)
    assert [p.line for p in caught.value.problems] == [3, 4]
    ok = write(tmp_path / "ok.csv", "trip,idx,t\nT1,1,1772406000\n")
    assert read_true_passages_csv(ok, columns) == [TruePassage("T1", 1, 1772406000.0, None, None)]


def test_wmata_day_reads_without_a_bad_row() -> None:
    path = WMATA / "vehicle_positions.csv.gz"
    if not path.exists():
        pytest.skip(f"real WMATA data not found at {WMATA} (shared data folder absent)")
    result = read_gtfsrt_csv(path)
    assert (result.rows, result.bad) == (20_777, 0)
    assert len({o.report.vehicle_id for o in result.items}) == 31
    assert len({o.trip_id for o in result.items if o.trip_id}) == 132
    # Every report carries its trip descriptor: trip, route, direction, service day.
    assert {o.report.route_id for o in result.items} == {"C53", "D40", "D96"}
    assert {o.report.direction_id for o in result.items} == {0, 1}
    assert {o.report.start_date for o in result.items} == {date(2026, 2, 16)}
    assert all(o.report.trip_id == o.trip_id for o in result.items)
