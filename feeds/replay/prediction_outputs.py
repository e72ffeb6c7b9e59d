"""What a replay writes about its predictions: the published predictions as
CSV, the scores per horizon as a table (text and CSV), and a PNG of mean
absolute error against horizon."""

from __future__ import annotations

import csv
import math
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from feeds.replay.predictions import DCF, METHODS, MODEL, PUBLISHED, SCHEDULE, ActualTimes, PredictionScores
from transit.prediction.ensemble import EnsembleParams
from transit.prediction.scoring import BUCKETS, BandKind, PredictionRecord, score_bands

PREDICTION_COLUMNS = ("made_at", "vehicle_id", "service_date", "trip_id", "stop_sequence", "stop_id",
                      "predicted_arrival")
# For the benchmarks: the bands as calibrated, free to narrow, are recorded;
# what the service publishes (never narrower than the normal band of the
# uncertainty) is their union with that band, computed when scoring
# (``band_lines``): both are measured in one run, on the same published times.
FREE_BANDS = EnsembleParams(band_widen_only=False)
TABLE_COLUMNS = ("horizon", "method", "count", "mae_s", "median_abs_s", "p90_abs_s", "bias_s",
                 "within_band", "mae_change_vs_dcf")


def write_predictions_csv(records: Iterable[PredictionRecord], path: Path | str) -> int:
    """One row per published stop prediction (times in Unix seconds; the
    predicted departure at a trip's first stop); returns the number of rows."""
    count = 0
    with Path(path).open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(PREDICTION_COLUMNS)
        for r in records:
            writer.writerow((repr(r.made_at), r.vehicle_id, r.service_date.isoformat(), r.trip_id,
                             r.stop_sequence, r.stop_id, repr(r.predicted)))
            count += 1
    return count


def table_rows(scores: PredictionScores) -> list[tuple[str, ...]]:
    """The score table as text cells, in ``TABLE_COLUMNS`` order: per bucket,
    one row per method (the MAE change against delay carried forward on the
    model's row only)."""
    rows = []
    for i in range(len(BUCKETS)):
        for method in METHODS:
            s = scores.scores[method][i]
            change = _number(scores.mae_change_vs_dcf(i, method), 4) if method in (MODEL, PUBLISHED) else ""
            rows.append((s.label, method, str(s.count), _number(s.mae_s, 1), _number(s.median_abs_s, 1),
                         _number(s.p90_abs_s, 1), _number(s.bias_s, 1), _number(s.within_band, 4), change))
    return rows


def write_table_csv(scores: PredictionScores, path: Path | str) -> None:
    with Path(path).open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(TABLE_COLUMNS)
        writer.writerows(table_rows(scores))


def bench_lines(scores: PredictionScores) -> list[str]:
    """The table as scripts/bench_prediction.py prints it, with the bias added
    (and its sign for the MAE against delay carried forward: positive, the model is better)."""
    names = (MODEL, PUBLISHED, DCF, SCHEDULE)
    lines = [f"{'horizon':>10} {'model':>34} {'published':>34} {'delay carried fwd':>34} "
             f"{'schedule':>34}   MAE vs DCF: model, published"]
    for i, bucket in enumerate(scores.scores[MODEL]):
        cells = []
        for name in names:
            s = scores.scores[name][i]
            cells.append(f"{s.mae_s:6.0f} {s.median_abs_s:5.0f} {s.p90_abs_s:5.0f} {s.bias_s:+5.0f} "
                         f"{s.within_band:6.1%}")
        lines.append(f"{bucket.label:>10} " + " ".join(f"{c:>34}" for c in cells)
                     + f"   {-scores.mae_change_vs_dcf(i):+.0%}, "
                     f"{-scores.mae_change_vs_dcf(i, PUBLISHED):+.0%} (n={bucket.count:,})")
    lines.append("columns: MAE, median |error|, p90 |error|, bias (actual - predicted) (s), "
                 "share inside the band; published: the model checked against its recent errors "
                 "(transit/prediction/ensemble.py); MAE vs DCF: how much lower the MAE is than "
                 "delay carried forward's (positive: better), as in scripts/bench_prediction.py")
    return lines


def band_lines(records: Mapping[str, Sequence[PredictionRecord]], actual: ActualTimes, coverage: float,
               buckets: Sequence[tuple[float, float, float, float]] = BUCKETS) -> list[str]:
    """Per horizon, how often the bus came inside the band a passenger is shown
    (``coverage`` aimed at) and how wide it was: the model's own band; the
    published one before calibration (the normal band of its uncertainty);
    calibrated and free to narrow (``records`` made with ``FREE_BANDS``); and
    calibrated but never narrower than before (what the service publishes)."""
    bands = (("model", MODEL, BandKind.NORMAL), ("published before", PUBLISHED, BandKind.NORMAL),
             ("calibrated, free", PUBLISHED, BandKind.CALIBRATED),
             ("published: widen only", PUBLISHED, BandKind.WIDENED))
    scores = [score_bands(records[method], actual, kind, coverage, buckets) for _, method, kind in bands]
    lines = [f"bands ({coverage:.0%} aimed at): share of buses inside; median half-width, "
             "median early / late offsets (s)",
             f"{'horizon':>9}" + "".join(f"{name:>30}" for name, _, _ in bands)]
    for i, bucket in enumerate(scores[0]):
        cells = "".join(f"{s[i].covered:6.1%} {s[i].median_half_width_s:5.0f} "
                        f"{s[i].median_early_s:+5.0f}/{s[i].median_late_s:+5.0f}".rjust(30) for s in scores)
        lines.append(f"{bucket.label:>9}{cells}")
    return lines


def plot_mae(scores: PredictionScores, path: Path | str, title: str = "") -> None:
    """A PNG of mean absolute error (s) against horizon (bucket midpoints, min),
    one line per method."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on a server
    from matplotlib import pyplot as plt

    middles = [(low + high) / 120 for low, high, _, _ in BUCKETS]
    figure, axes = plt.subplots(figsize=(7, 4.5), dpi=100)
    try:
        for method in METHODS:
            axes.plot(middles, [s.mae_s for s in scores.scores[method]], marker="o", label=method)
        axes.set_xlabel("horizon (min ahead of the actual arrival; bucket middles)")
        axes.set_ylabel("mean absolute error (s)")
        axes.set_title(textwrap.fill(title or f"arrival prediction error against horizon "
                                     f"(truth: {scores.truth})", 90), fontsize=9)
        axes.set_ylim(bottom=0)
        axes.grid(alpha=0.3)
        axes.legend()
        figure.tight_layout()
        figure.savefig(Path(path), format="png")
    finally:
        plt.close(figure)


def _number(value: float, digits: int) -> str:
    return "" if math.isnan(value) else f"{value:.{digits}f}"
