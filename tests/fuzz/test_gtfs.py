"""Fuzzing the GTFS importer: the tiny feed with a few cells, rows, columns or files
changed loads, or is refused with ``InvalidFeed``; nothing else escapes."""

from __future__ import annotations

import csv
import io
import zipfile
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.conftest import CORPUS
from tests.gtfs.tinyfeed import TINY_FEED, replace_line, with_changes, zip_feed
from transit.gtfs.feed import load_feed
from transit.gtfs.problems import InvalidFeed

VALUES = ("", " ", "0", "1", "2", "3", "-1", "1.5", "inf", "-inf", "nan", "1e400", "1e308",
          "00:00:00", "24:00:00", "99:59:59", "7:00:00", "20260101", "20261399", "20260230",
          "S1", "S2", "T1", "R1", "WK", "SH1", "B1", "TC", "Asia/Shanghai", "铜川", '"', ",")
COLUMNS = ("location_type", "parent_station", "direction_id", "block_id", "shape_id",
           "agency_id", "route_type", "stop_lat", "stop_lon", "stop_sequence", "trip_id",
           "stop_id", "service_id", "date", "exception_type", "shape_pt_sequence",
           "shape_dist_traveled", "timepoint")
cells = st.sampled_from(VALUES) | st.text(max_size=6)

_TABLES = {stem: list(csv.reader(io.StringIO(text))) for stem, text in TINY_FEED.items()}


@st.composite
def feeds(draw: st.DrawFn) -> bytes:
    """The tiny feed's CSV texts with one to four edits."""
    tables = {stem: [list(row) for row in rows] for stem, rows in _TABLES.items()}
    for _ in range(draw(st.integers(1, 4))):
        if not tables:
            break
        stem = draw(st.sampled_from(sorted(tables)))
        rows = tables[stem]
        width = len(rows[0])
        match draw(st.sampled_from(("cell", "cell", "cell", "header", "add_column", "drop_column",
                                    "drop_row", "copy_row", "drop_file"))):
            case "cell" if len(rows) > 1:
                line = draw(st.integers(1, len(rows) - 1))
                rows[line][draw(st.integers(0, width - 1))] = draw(cells)
            case "header":
                rows[0][draw(st.integers(0, width - 1))] = draw(st.sampled_from(COLUMNS) | cells)
            case "add_column":
                rows[0].append(draw(st.sampled_from(COLUMNS)))
                for row in rows[1:]:
                    row.append(draw(cells))
            case "drop_column":
                column = draw(st.integers(0, width - 1))
                for row in rows:
                    del row[column]
            case "drop_row" if len(rows) > 1:
                del rows[draw(st.integers(1, len(rows) - 1))]
            case "copy_row" if len(rows) > 1:
                rows.append(list(rows[draw(st.integers(1, len(rows) - 1))]))
            case "drop_file":
                del tables[stem]
    texts = {}
    for stem, rows in tables.items():
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        texts[stem] = out.getvalue()
    return zip_feed(texts)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(feeds())
def test_an_edited_feed_loads_or_is_refused_with_invalid_feed(
    fuzz_targets: ModuleType, data: bytes
) -> None:
    fuzz_targets.gtfs(data)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_are_a_feed_or_invalid_feed(fuzz_targets: ModuleType, data: bytes) -> None:
    fuzz_targets.gtfs(data)


# ------------------------------------------------ crashes found by fuzzing
# Each once escaped load_feed as an exception other than InvalidFeed; each input
# (or its minimal form) is also in tests/fuzz/corpus/gtfs/.

_STATION_S1 = (TINY_FEED["stops"].replace("stop_lon\n", "stop_lon,location_type\n")
               .replace("35.0690,109.0720", "35.0690,109.0720,1")
               .replace("109.0760\n", "109.0760,0\n").replace("109.0800\n", "109.0800,0\n"))
FOUND = {
    # atheris, corpus crash-extra-fields-become-index.zip: pandas made the extra
    # fields of the first data line an index and shifted every column (TypeError).
    "extra_fields": (dict(trips=replace_line("trips", "R1,WK,T1,0,SH1,B1,七一路口",
                                             "R1,WK,T1,0,SH1,B1,七一路口,x,y")),
                     ("trips.txt", None, None)),
    # hypothesis: route_type '' or '1.5' (ValueError in int()).
    "route_type": (dict(routes=replace_line("routes", ",3\n", ",1.5\n")), ("routes.txt", 2, "route_type")),
    # hypothesis: an agency.txt with a header and no rows (IndexError).
    "no_agency": (dict(agency="agency_id,agency_name,agency_url,agency_timezone\n"),
                  ("agency.txt", None, None)),
    # hypothesis: shape_pt_lat inf (math domain error in the distances).
    "shape_inf": (dict(shapes=replace_line("shapes", "SH1,35.0690", "SH1,inf")),
                  ("shapes.txt", 2, "shape_pt_lat")),
    # hypothesis: a header naming a column twice once stripped (AttributeError).
    "column_twice": (dict(stops=TINY_FEED["stops"].replace("stop_lon\n", "stop_lon,stop_lon \n")
                          .replace("109.0720\n", "109.0720,1\n")), ("stops.txt", 1, "stop_lon")),
    # Found reading the code beside the crashes above, each a crash in build_network:
    # a date that does not exist (ValueError), a station in stop_times (KeyError),
    # an infinite stop_sequence (OverflowError) or direction_id (IntCastingNaNError).
    "bad_date": (dict(calendar=replace_line("calendar", "20261231", "20261399")),
                 ("calendar.txt", 2, "end_date")),
    "bad_exception_date": (dict(calendar_dates=replace_line("calendar_dates", "20261003", "20260230")),
                           ("calendar_dates.txt", 3, "date")),
    "station_in_stop_times": (dict(stops=_STATION_S1), ("stop_times.txt", 2, "stop_id")),
    "sequence_inf": (dict(stop_times=replace_line("stop_times", "T1,07:10:00,07:10:30,S3,3",
                                                  "T1,07:10:00,07:10:30,S3,inf")),
                     ("stop_times.txt", 4, "stop_sequence")),
    "direction_inf": (dict(trips=replace_line("trips", "R1,WK,T1,0,", "R1,WK,T1,1e400,")),
                      ("trips.txt", 2, "direction_id")),
}


@pytest.mark.parametrize("case", sorted(FOUND))
def test_a_feed_that_once_crashed_the_importer_is_refused_naming_the_fault(case: str) -> None:
    changes, (file, line, field) = FOUND[case]
    with pytest.raises(InvalidFeed) as caught:
        load_feed(with_changes(**changes), "feed.zip")
    assert (file, line, field) in [(p.file, p.line, p.field) for p in caught.value.errors]


def test_a_damaged_zip_member_is_refused_as_unreadable() -> None:
    """atheris, corpus crash-negative-seek.zip: a member's offset points before the
    archive, and zipfile's ValueError (negative seek) escaped."""
    with pytest.raises(InvalidFeed) as caught:
        load_feed((CORPUS / "gtfs" / "crash-negative-seek.zip").read_bytes(), "feed.zip")
    unreadable = [p for p in caught.value.errors if p.message.startswith("cannot read file")]
    assert unreadable and all(p.line is None for p in unreadable)


def test_a_member_without_a_name_is_skipped() -> None:
    """atheris, corpus crash-empty-member-name.zip: ZipInfo.is_dir() raised
    IndexError on a member whose name is empty."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for stem, text in TINY_FEED.items():
            archive.writestr(f"{stem}.txt", text)
        archive.writestr(zipfile.ZipInfo(""), "not a table")
    assert load_feed(buffer.getvalue(), "feed.zip").summary()["trips"] == 3
