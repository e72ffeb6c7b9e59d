"""JT/T 808 captures: reports -> frames on disk -> the same reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds.jt808.bindings import Bindings
from feeds.jt808.codec import encode
from feeds.jt808.messages import Heartbeat
from feeds.replay.capture import read_jt808_capture, write_jt808_capture
from feeds.replay.sources import UnreadableInput, load_day
from tests.replay.helpers import SmallDay
from transit.records import VehicleReport

T0 = 1_772_406_000.0
BINDINGS = Bindings({"13900000001": "TC0001"})


def _report(t: float, received: float | None = None, vehicle: str = "TC0001") -> VehicleReport:
    return VehicleReport(vehicle, T0 + t, 35.0812, 109.0701, 7.5, 91.0, "sim",
                         T0 + (t if received is None else received))


def _same(a: VehicleReport, b: VehicleReport) -> bool:
    return (a.vehicle_id, a.timestamp, a.lat, a.lon, a.bearing) == (b.vehicle_id, b.timestamp, b.lat, b.lon,
                                                                    b.bearing) \
        and abs((a.speed_mps or 0) - (b.speed_mps or 0)) < 0.03


def test_simulated_day_round_trips(small: SmallDay) -> None:
    from feeds.jt808.bindings import load_bindings

    read = read_jt808_capture(small.capture, load_bindings(small.bindings))
    assert (read.rows, read.bad) == (len(small.day.reports), 0)
    assert all(_same(a, b) for a, b in zip(small.day.reports, read.items))
    assert all(r.received_at == r.timestamp and r.source == "jt808" for r in read.items)


def test_backlog_goes_out_as_a_batch_and_comes_back(tmp_path: Path) -> None:
    reports = [_report(0), _report(10, received=200), _report(20, received=200), _report(200)]
    path = write_jt808_capture(reports, BINDINGS, tmp_path / "c.bin")
    read = read_jt808_capture(path, BINDINGS)
    assert read.rows == 3  # one 0x0200, one 0x0704 of two fixes, one 0x0200
    assert [r.timestamp - T0 for r in read.items] == [0, 10, 20, 200]


def test_unbound_terminal_is_named_by_its_phone(tmp_path: Path) -> None:
    path = write_jt808_capture([_report(0, vehicle="13911112222")], Bindings(), tmp_path / "c.bin")
    assert [r.vehicle_id for r in read_jt808_capture(path).items] == ["13911112222"]


def test_other_messages_are_skipped_and_bad_frames_counted(tmp_path: Path) -> None:
    good = write_jt808_capture([_report(0)], BINDINGS, tmp_path / "one.bin").read_bytes()
    broken = bytearray(good)
    broken[5] ^= 0xFF  # the check code no longer fits
    path = tmp_path / "c.bin"
    path.write_bytes(encode(Heartbeat(), phone="13900000001", flow=1) + good + bytes(broken) + good[:9])
    read = read_jt808_capture(path, BINDINGS)
    assert len(read.items) == 1
    assert read.bad == 2  # the broken frame and the cut-off tail
    assert "bad_check_code" in read.examples[0].reason


def test_garbage_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "noise.bin"
    path.write_bytes(b"\x7e" + bytes(range(1, 126)) * 4 + b"\x7e")
    with pytest.raises(UnreadableInput):
        load_day(path)
