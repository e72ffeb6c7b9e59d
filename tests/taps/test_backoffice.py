"""Reading fare back-office files: columns by option, rows left out by line
number, repeated transaction ids, local times, and card ids never in clear."""

from __future__ import annotations

import gzip
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from feeds.taps.backoffice import ImportOptions, TapColumns, TapFileError, read_tap_file
from transit.privacy import pseudonymise
from transit.records import PaymentMedium

KEY = b"test-key"
NOW = datetime(2026, 11, 26, 9, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()
CARD = "3100123456789012"
HEADER = "流水号,卡号,交易时间,车辆,线路,金额,支付方式,换乘\n"
COLUMNS = TapColumns(txn_id="流水号", card_id="卡号", time="交易时间", vehicle_id="车辆",
                     line_id="线路", amount="金额", medium="支付方式", transfer="换乘")
OPTIONS = ImportOptions(columns=COLUMNS, media={"1": PaymentMedium.CARD, "2": PaymentMedium.WECHAT})


def write(tmp_path: Path, *rows: str, name: str = "taps.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def test_rows_become_pseudonymised_taps(tmp_path: Path) -> None:
    path = write(tmp_path, f"T1,{CARD},2026-11-25 07:31:02,TC0001,L01,2.00,1,0\n",
                 "T2,wx-abc,2026-11-25T07:32:00+08:00,TC0001,,1,2,1\n")
    read = read_tap_file(path, OPTIONS, KEY, NOW)
    assert (read.rows, read.problems) == (2, ())
    first, second = read.taps
    assert first.account_hash == pseudonymise(CARD, KEY) and CARD not in repr(read)
    local = datetime(2026, 11, 25, 7, 31, 2, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()
    assert (first.tap_id, first.timestamp, first.medium, first.line_id) == (
        "T1", local, PaymentMedium.CARD, "L01")
    assert (first.amount_fen, first.transfer, first.lat, first.received_at) == (200, False, None, NOW)
    assert (second.medium, second.line_id, second.amount_fen, second.transfer) == (
        PaymentMedium.WECHAT, None, 100, True)


def test_bad_rows_in_the_middle_are_left_out_by_line_number(tmp_path: Path) -> None:
    path = write(tmp_path,
                 f"T1,{CARD},2026-11-25 07:31:02,TC0001,L01,2.00,1,0\n",  # line 2
                 f"T2,{CARD},yesterday,TC0001,L01,2.00,1,0\n",  # 3: no time
                 f"T3,{CARD},2026-11-25 07:40:00,TC0001\n",  # 4: fields missing
                 f"T4,{CARD},2026-11-25 07:41:00,TC0001,L01,-2,1,0\n",  # 5: negative amount
                 f"T5,{CARD},2026-11-25 07:42:00,TC0001,L01,2,cash,0\n",  # 6: unknown medium
                 "\n",  # 7: blank, skipped
                 f"T1,{CARD},2026-11-25 07:50:00,TC0002,L01,2,1,0\n",  # 8: repeats T1
                 f"T6,,2026-11-25 07:51:00,TC0002,L01,2,1,0\n",  # 9: no card
                 f"T7,{CARD},2026-11-25 07:52:00,TC0002,L01,2,1,maybe\n",  # 10: bad flag
                 f"T8,{CARD},2026-11-25 07:53:00,TC0002,L01,2,1,1\n")  # 11: good
    read = read_tap_file(path, OPTIONS, KEY, NOW)
    assert [t.tap_id for t in read.taps] == ["T1", "T8"]
    assert [p.line for p in read.problems] == [3, 4, 5, 6, 8, 9, 10]
    assert read.rows == 9
    reasons = " | ".join(p.reason for p in read.problems)
    assert "already on line 2" in reasons and "'yesterday'" in reasons and "'cash'" in reasons
    assert CARD not in reasons


def test_a_card_id_in_the_wrong_column_is_not_quoted(tmp_path: Path) -> None:
    path = write(tmp_path, f"T1,{CARD},2026-11-25 07:31:02,TC0001,L01,2.00,{CARD},0\n")
    (problem,) = read_tap_file(path, OPTIONS, KEY, NOW).problems
    assert CARD not in problem.reason and "<card id>" in problem.reason


def test_undecodable_lines_and_compressed_files(tmp_path: Path) -> None:
    raw = (HEADER + f"T1,{CARD},2026-11-25 07:31:02,TC0001,L01,2,1,0\n").encode()
    raw += b"T2,\xff\xfe,2026-11-25 07:32:00,TC0001,L01,2,1,0\n"
    path = tmp_path / "taps.csv.gz"
    path.write_bytes(gzip.compress(raw))
    read = read_tap_file(path, OPTIONS, KEY, NOW)
    assert [t.tap_id for t in read.taps] == ["T1"]
    assert [(p.line, p.reason) for p in read.problems] == [(3, "not utf-8 text")]


def test_a_file_without_a_required_column_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "T1,x,1,TC1,L1,2,1,0\n")
    with pytest.raises(TapFileError, match="missing column"):
        read_tap_file(path, ImportOptions(), KEY, NOW)
    with pytest.raises(TapFileError, match="cannot be read"):
        read_tap_file(tmp_path / "absent.csv", OPTIONS, KEY, NOW)
