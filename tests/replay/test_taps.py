"""``--taps`` files: a simulator folder or a file, one tap per transaction id
across the replayed days, times checked against nothing but themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds.replay.taps import read_day_taps, tap_file
from feeds.taps.backoffice import TapColumns, TapFileError
from tests.replay.helpers import SmallDay

COLUMNS = TapColumns(txn_id="tap_id", card_id="account", time="timestamp")


def test_a_transaction_id_is_one_tap_across_days(small: SmallDay) -> None:
    first, again = read_day_taps([small.folder, small.folder / "taps.csv"], COLUMNS, b"k",
                                 small.network.timezone)
    assert len(first.taps) == len(small.day.taps) and first.repeated == 0
    assert again.taps == () and again.repeated == len(small.day.taps)
    assert again.path == first.path == small.folder / "taps.csv"


def test_taps_count_as_received_when_stamped(small: SmallDay, tmp_path: Path) -> None:
    # A reader an hour ahead of a day long past: kept for the inference to correct.
    taps = tmp_path / "taps.csv"
    taps.write_text("txn_id,card_id,time,vehicle_id,medium\n"
                    "T1,3100000000000001,2025-03-12T08:00:00,TC0001,card\n", encoding="utf-8")
    [day] = read_day_taps([taps], TapColumns(), b"k", small.network.timezone)
    assert day.problems == ()
    assert day.taps[0].received_at == day.taps[0].timestamp == 1741737600.0  # 08:00 in Shanghai


def test_a_folder_without_taps_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TapFileError, match="a folder without taps.csv"):
        tap_file(tmp_path)
