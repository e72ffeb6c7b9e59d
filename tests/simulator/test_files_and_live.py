"""Writing a day to CSV and playing it live on a fake clock."""

from __future__ import annotations

import csv
import json

import pytest

from feeds.simulator.files import read_reports, read_taps, write_day
from feeds.simulator.live import stream


def test_write_day_then_read_back(day, tmp_path):
    out = write_day(day, tmp_path / "day")
    assert read_reports(out / "reports.csv") == list(day.reports)
    assert read_taps(out / "taps.csv") == list(day.taps)
    stats = json.loads((out / "stats.json").read_text())
    assert stats["reports"] == len(day.reports)
    assert stats["service_date"] == day.service_date.isoformat()
    with (out / "assignments.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {r["vehicle_id"]: r["block_id"] for r in rows} == dict(day.assignments)
    assert rows[0]["plate"].startswith("陕B·D")
    with (out / "truth_passages.csv").open(encoding="utf-8") as f:
        assert sum(1 for _ in csv.DictReader(f)) == len(day.passages)
    with (out / "truth_journeys.csv").open(encoding="utf-8") as f:
        first = next(csv.DictReader(f))
    assert first["tap_id"] == day.journeys[0].tap_id


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += seconds


async def test_stream_delivers_in_received_order_at_the_given_speed(day):
    clock = FakeClock()
    start = day.reports[len(day.reports) // 2].received_at
    speed = 60.0
    delivered: list[tuple[float, float]] = []

    async def sink(item) -> None:
        delivered.append((item.received_at, clock.now()))

    count = await stream(day, start, speed, sink, now=clock.now, sleep=clock.sleep)
    expected = [i for i in (*day.reports, *day.taps) if i.received_at >= start]
    assert count == len(delivered) == len(expected)
    assert [d[0] for d in delivered] == sorted(i.received_at for i in expected)
    for received_at, wall in delivered:
        assert wall == pytest.approx(1000.0 + (received_at - start) / speed, abs=1e-6)


async def test_stream_rejects_a_stopped_clock(day):
    async def sink(item) -> None:
        raise AssertionError

    with pytest.raises(ValueError):
        await stream(day, 0.0, 0.0, sink, now=lambda: 0.0, sleep=None)
