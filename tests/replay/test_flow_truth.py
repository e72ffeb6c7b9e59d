"""Reading the simulator's truth_journeys.csv for ``--flow-truth``, and the
true loads it gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds.replay.flow_truth import read_true_journeys
from feeds.replay.readers import BadReplayFile
from tests.replay.helpers import SmallDay
from transit.flow.scoring import true_segments


def test_truth_journeys_give_the_simulated_loads(small: SmallDay) -> None:
    truth = read_true_journeys([small.folder / "truth_journeys.csv"], small.network)
    assert set(truth) == {t.tap_id for t in small.day.taps}  # keyed by the transaction id
    departures = {(p.trip_id, p.stop_sequence - 1): p.departure for p in small.day.passages}
    counted = {(s.trip_id, s.segment): s.load
               for s in true_segments(truth.values(), lambda t, k: departures[(t, k)])}
    simulated = {(p.trip_id, p.stop_sequence - 1): p.load for p in small.day.passages if p.load}
    assert counted == simulated


def test_every_bad_truth_row_is_listed(small: SmallDay, tmp_path: Path) -> None:
    lines = (small.folder / "truth_journeys.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")

    def edited(line: str, **cells: str) -> str:
        row = dict(zip(header, line.split(",")))
        row.update(cells)
        return ",".join(row[c] for c in header)

    lines[1] = edited(lines[1], board_stop_id="L2-0-S01")
    lines[2] = edited(lines[2], alight_sequence="1")
    lines[3] = edited(lines[3], boarded_at="")
    lines[5] = lines[4]
    truth = tmp_path / "truth.csv"
    truth.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(BadReplayFile) as caught:
        read_true_journeys([truth], small.network)
    assert [p.line for p in caught.value.problems] == [2, 3, 4, 6]
    reasons = [p.reason for p in caught.value.problems]
    assert "board_stop_id 'L2-0-S01' is not stop 1 of" in reasons[0]
    assert "must satisfy 1 <= board < alight" in reasons[1]
    assert reasons[2] == "boarded_at is empty"
    assert "is a second journey of that tap" in reasons[3]


def test_a_truth_without_its_columns_is_refused(small: SmallDay, tmp_path: Path) -> None:
    truth = tmp_path / "truth.csv"
    truth.write_text("tap_id,trip_id\nX,Y\n", encoding="utf-8")
    with pytest.raises(BadReplayFile, match="missing column"):
        read_true_journeys([truth], small.network)
