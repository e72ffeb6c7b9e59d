"""The tap CSV reader: whole taps, or ``TapFileError`` naming line, field and value."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.simulator.files import TAP_COLUMNS, TapFileError, read_taps
from feeds.simulator.taps import RawTap
from transit.records import PaymentMedium

HEADER = ",".join(TAP_COLUMNS)
ROW = "tap-1,TC0001,1714537800.0,card,A000123,34.9,108.9,1714537801.5"


def _read(tmp_path: Path, text: str | bytes) -> list[RawTap]:
    path = tmp_path / "taps.csv"
    if isinstance(text, str):
        text = text.encode()
    path.write_bytes(text)
    return read_taps(path)


def _error(tmp_path: Path, text: str | bytes) -> TapFileError:
    with pytest.raises(TapFileError) as caught:
        _read(tmp_path, text)
    return caught.value


def test_a_good_file_reads(tmp_path: Path) -> None:
    assert _read(tmp_path, f"{HEADER}\r\n{ROW}\r\n") == [RawTap(
        "tap-1", "TC0001", 1714537800.0, PaymentMedium.CARD, "A000123", 34.9, 108.9, 1714537801.5)]


@pytest.mark.parametrize(("text", "line", "field", "value"), [
    # Each raised a bare KeyError, ValueError or TypeError before TapFileError.
    (f"{HEADER.replace(',lat,', ',latitude,')}\n{ROW}\n", 1, "lat", None),
    (f"{HEADER}\n{ROW}\n{ROW.replace('34.9', 'north')}\n", 3, "lat", "north"),
    (f"{HEADER}\n{ROW.replace('card', 'cash')}\n", 2, "medium", "cash"),
    (f"{HEADER}\n{ROW}\n{ROW.rsplit(',', 2)[0]}\n", 3, "lon", None),
    (f"{HEADER}\n{ROW.replace('1714537800.0', 'nan')}\n", 2, "timestamp", "nan"),
    (f"{HEADER}\n{ROW.replace('108.9', 'inf')}\n", 2, "lon", "inf"),
    (f"{HEADER}\n{ROW},extra\n", 2, None, None),
])
def test_a_bad_line_names_line_field_and_value(
    tmp_path: Path, text: str, line: int, field: str | None, value: str | None
) -> None:
    error = _error(tmp_path, text)
    assert (error.line, error.field, error.value) == (line, field, value)
    assert isinstance(error, ValueError)
    assert f"taps.csv:{line}:" in str(error)
    if value is not None:
        assert repr(value) in str(error)


def test_text_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    error = _error(tmp_path, f"{HEADER}\n{ROW}\n".encode() + b"tap-2,TC\xff01\n")
    assert (error.line, error.field) == (3, None)
    assert "UTF-8" in error.detail


def test_a_field_over_the_csv_limit_is_a_tap_file_error(tmp_path: Path) -> None:
    error = _error(tmp_path, f'{HEADER}\n"{"x" * 200_000}",{ROW}\n')
    assert error.line == 2 and "not valid CSV" in error.detail


def test_an_empty_file_has_no_taps(tmp_path: Path) -> None:
    assert _read(tmp_path, "") == []
    assert _read(tmp_path, f"\ufeff{HEADER}\n") == []


lines = st.one_of(
    st.just(ROW),
    st.lists(st.sampled_from(["", "x", "1.5", "nan", "-inf", "1e400", "card", "wechat", "alipay",
                              '"a,b"', '"', "\x00", "1_0", " 2 "]) | st.text(max_size=6),
             min_size=0, max_size=10).map(",".join),
)


@settings(max_examples=300)
@given(st.lists(lines, max_size=6), st.sampled_from(["\n", "\r\n", "\r"]), st.booleans())
def test_any_lines_give_whole_taps_or_tap_file_error(
    fuzz_targets: ModuleType, rows: list[str], newline: str, header: bool
) -> None:
    fuzz_targets.taps_csv(newline.join(([HEADER] if header else []) + rows).encode())


@settings(max_examples=200)
@given(st.binary(max_size=300))
def test_any_bytes_give_whole_taps_or_tap_file_error(fuzz_targets: ModuleType, data: bytes) -> None:
    fuzz_targets.taps_csv(data)
