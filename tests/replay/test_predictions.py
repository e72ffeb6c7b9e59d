"""Prediction scoring in replay: two simulated days of the small network, day 1
learned, day 2 predicted and scored against the simulator's truth."""

from __future__ import annotations

import csv
import math
from dataclasses import astuple, dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from feeds.replay.prediction_outputs import (
    PREDICTION_COLUMNS, TABLE_COLUMNS, plot_mae, table_rows, write_predictions_csv,
)
from feeds.replay.predictions import (
    DCF, METHODS, MODEL, PUBLISHED, SCHEDULE, PredictionReplay, TruthSource, parse_day_numbers, score_replay,
)
from feeds.replay.readers import read_true_passages_csv
from feeds.replay.runner import ReplayResult, replay_days
from feeds.replay.scoring import index_to_gtfs_sequences
from feeds.replay.sources import LoadedDay, load_days
from feeds.simulator import simulate_day
from feeds.simulator.files import write_day
from tests.replay.helpers import ON_TIME, network_zip
from tests.simulator.helpers import WEEKDAY, make_network
from transit.cli import main
from transit.gtfs.feed import load_feed
from transit.model.network import Network
from transit.prediction.scoring import BUCKETS, PredictionRecord

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class TwoDays:
    gtfs: Path
    network: Network
    days: Path  # a folder of two day folders (write_day output each)
    truth_day2: Path  # the simulator's truth_passages.csv of day 2 (pattern indexes)


@dataclass(frozen=True)
class Replayed:
    loaded: list[LoadedDay]
    result: ReplayResult
    predictions: PredictionReplay


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> TwoDays:
    root = tmp_path_factory.mktemp("two-days")
    data = network_zip(make_network())
    network = load_feed(data, "small.zip").network
    (root / "small.zip").write_bytes(data)
    for n in (1, 2):
        day = WEEKDAY + timedelta(days=n - 1)
        write_day(simulate_day(network, day, seed=10 + n, params=ON_TIME), root / "days" / f"d{n}")
    return TwoDays(root / "small.zip", network, root / "days", root / "days" / "d2" / "truth_passages.csv")


@pytest.fixture(scope="module")
def replayed(two: TwoDays) -> Replayed:
    loaded = load_days([two.days])
    predictions = PredictionReplay(two.network, (1,))
    result = replay_days(two.network, [d.day for d in loaded], observer=predictions)
    return Replayed(loaded, result, predictions)


def _truth(path: Path, network: Network):  # type: ignore[no-untyped-def]
    return index_to_gtfs_sequences(read_true_passages_csv(path), network)


def test_day_two_is_predicted_with_day_one_learned(replayed: Replayed) -> None:
    (day,) = replayed.predictions.days
    assert (day.index, day.label) == (1, "d2")
    assert day.history_days == (WEEKDAY,)
    assert replayed.predictions.history.days == (WEEKDAY, WEEKDAY + timedelta(days=1))
    assert set(day.records) == set(METHODS)
    assert all(day.records[m] for m in METHODS)
    assert {r.service_date for r in day.records[MODEL]} == {WEEKDAY + timedelta(days=1)}


def test_publication_every_minute_per_vehicle_from_its_own_reports(replayed: Replayed) -> None:
    (day,) = replayed.predictions.days
    fixes = {(r.vehicle_id, r.timestamp) for r in replayed.loaded[1].day.reports}
    made = sorted({(r.vehicle_id, r.made_at) for r in day.records[MODEL]})
    assert len(made) <= day.publications
    assert all(key in fixes for key in made)
    for (v1, t1), (v2, t2) in zip(made, made[1:]):
        if v1 == v2:
            assert t2 - t1 >= 60.0
    # The baselines were published from the same states at the same instants.
    assert {(r.vehicle_id, r.made_at) for r in day.records[DCF]} <= fixes
    assert all(r.predicted - r.made_at <= 1800.0 for r in day.records[MODEL])


def test_published_bands_are_calibrated_and_replay_gives_them_again(two: TwoDays, replayed: Replayed) -> None:
    """Day 2's published predictions carry bands calibrated on the errors
    judged so far (the judge keeps day 1's), and a second replay of the same
    days publishes exactly the same times and bands."""
    (day,) = replayed.predictions.days
    calibrated = [r for r in day.records[PUBLISHED] if not math.isnan(r.early_s)]
    assert len(calibrated) > len(day.records[PUBLISHED]) / 2
    assert all(r.early_s <= r.late_s for r in calibrated)
    again = PredictionReplay(two.network, (1,))
    replay_days(two.network, [d.day for d in replayed.loaded], observer=again)
    first, second = day.records[PUBLISHED], again.days[0].records[PUBLISHED]
    assert len(first) == len(second)
    assert all(_same(a, b) for a, b in zip(first, second, strict=True))


def _same(a: PredictionRecord, b: PredictionRecord) -> bool:
    """Equal, NaN (no calibrated band) equal to NaN."""
    return all(x == y or (isinstance(x, float) and math.isnan(x) and math.isnan(y))
               for x, y in zip(astuple(a), astuple(b), strict=True))


def test_table_has_five_buckets_for_four_methods(two: TwoDays, replayed: Replayed) -> None:
    scores = score_replay(two.network, replayed.predictions.days, replayed.loaded, replayed.result.days,
                          _truth(two.truth_day2, two.network))
    assert scores.truth_by_day == (TruthSource.FILE,)
    for method in METHODS:
        assert len(scores.scores[method]) == len(BUCKETS) == 5
        assert scores.scores[method][0].count > 100
    rows = table_rows(scores)
    assert len(rows) == 20 and {r[1] for r in rows} == {MODEL, DCF, SCHEDULE, PUBLISHED}
    assert all(len(r) == len(TABLE_COLUMNS) for r in rows)
    # A day like the one learned: history beats the schedule close in.
    assert scores.scores[MODEL][0].mae_s < scores.scores[SCHEDULE][0].mae_s


def test_truth_falls_back_to_the_trackers_stop_events(two: TwoDays, replayed: Replayed) -> None:
    scores = score_replay(two.network, replayed.predictions.days, replayed.loaded, replayed.result.days)
    assert scores.truth_by_day == (TruthSource.STOP_EVENTS,)
    assert scores.scores[MODEL][0].count > 100


def test_predictions_csv_and_png(replayed: Replayed, two: TwoDays, tmp_path: Path) -> None:
    (day,) = replayed.predictions.days
    out = tmp_path / "p.csv"
    assert write_predictions_csv(day.records[MODEL], out) == len(day.records[MODEL])
    with out.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == PREDICTION_COLUMNS
    assert float(rows[0]["predicted_arrival"]) > 1.7e9
    plot = tmp_path / "mae.png"
    plot_mae(score_replay(two.network, [day], replayed.loaded, replayed.result.days), plot)
    assert plot.read_bytes()[:8] == PNG_MAGIC


def test_day_numbers_parse() -> None:
    assert parse_day_numbers("2") == (2,)
    assert parse_day_numbers("1, 3") == (1, 3)
    for bad in ("", "0", "x"):
        with pytest.raises(ValueError):
            parse_day_numbers(bad)


def test_cli_scores_day_two(two: TwoDays, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = {name: tmp_path / name for name in ("p.csv", "t.csv", "mae.png")}
    status = main(["replay", "--gtfs", str(two.gtfs), "--reports", str(two.days), "--score-days", "2",
                   "--truth", str(two.truth_day2), "--truth-sequence", "index",
                   "--predictions-out", str(paths["p.csv"]), "--prediction-table", str(paths["t.csv"]),
                   "--prediction-plot", str(paths["mae.png"])])
    out = capsys.readouterr().out
    assert status == 0
    assert "predictions of day 2 (d2)" in out and f"history learned from: {WEEKDAY.isoformat()}" in out
    assert "truth file" in out
    with paths["p.csv"].open(newline="", encoding="utf-8") as f:
        predictions = list(csv.DictReader(f))
    with (two.days / "d2" / "reports.csv").open(newline="", encoding="utf-8") as f:
        fixes = {(r["vehicle_id"], float(r["timestamp"])) for r in csv.DictReader(f)}
    assert predictions and tuple(predictions[0]) == PREDICTION_COLUMNS
    assert all((p["vehicle_id"], float(p["made_at"])) in fixes for p in predictions)
    with paths["t.csv"].open(newline="", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    assert len(table) == 20 and tuple(table[0]) == TABLE_COLUMNS
    assert all(row["mae_change_vs_dcf"] for row in table if row["method"] in (MODEL, PUBLISHED))
    assert paths["mae.png"].read_bytes()[:8] == PNG_MAGIC


def test_cli_rejects_a_day_not_replayed(two: TwoDays, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["replay", "--gtfs", str(two.gtfs), "--reports", str(two.days / "d1"), "--score-days", "2"])
    assert status == 2
    assert "1 day(s) replayed" in capsys.readouterr().err
