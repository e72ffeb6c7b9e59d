"""The reader registry's rules: ids, keys kept only as hashes, checked in constant time."""

from __future__ import annotations

import pytest

from transit.readers import ReaderInputError, check_reader_id, hash_key, new_reader

KEY = "x" * 43


def test_a_new_reader_keeps_only_its_key_hash() -> None:
    reader = new_reader(" SN-7:a ", " TC0001 ", KEY, 10.0)
    assert (reader.reader_id, reader.vehicle_id, reader.key_hash) == ("SN-7:a", "TC0001", hash_key(KEY))
    assert reader.accepts(KEY) and not reader.accepts(KEY + "y") and not reader.accepts("")
    assert reader.active


@pytest.mark.parametrize(("reader_id", "vehicle_id", "key", "says"), [
    ("", "TC0001", KEY, "reader id"),
    ("-SN", "TC0001", KEY, "reader id"),
    ("SN/1", "TC0001", KEY, "reader id"),
    ("S" * 65, "TC0001", KEY, "reader id"),
    ("SN-1", "", KEY, "vehicle id"),
    ("SN-1", "TC\n1", KEY, "vehicle id"),
    ("SN-1", "TC0001", "short", "at least 32"),
])
def test_what_cannot_be_registered_says_why(reader_id: str, vehicle_id: str, key: str, says: str) -> None:
    with pytest.raises(ReaderInputError, match=says):
        new_reader(reader_id, vehicle_id, key, 0.0)


def test_reader_ids_are_printable_and_bounded() -> None:
    assert check_reader_id("A" * 64) == "A" * 64
    with pytest.raises(ReaderInputError):
        check_reader_id("SN\x001")
