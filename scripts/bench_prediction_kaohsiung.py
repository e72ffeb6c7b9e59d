"""Benchmark: arrival predictions and tracking on a real week, Kaohsiung
2018-11-05..11 (routes 11, 122, 16, both directions), the second real case of
issue 10 beside WMATA (scripts/bench_prediction_wmata.py).

    .venv/bin/python scripts/bench_prediction_kaohsiung.py [--data DIR] [--out DIR]
        [--publish-every 60] [--training-days 6]

The case is built from the published JSON (``feeds.kaohsiung``: GTFS with a
stand-in timetable whose running times come from days 1-6 only, report files
per service day, assignments, observed truth), written to --out (default: a
temporary folder) and read back through ``transit replay``'s readers. Days
1-6 are replayed first so that the predictor's history learns them (as
``transit replay --score-days 7`` does), then day 7 (Sunday) is scored:
predictions published every 60 s per vehicle, against the passages observed
in the fixes (closest approach). With and without the vehicle-to-block
assignments the RunUUIDs imply, and without them but with the route and
direction the feed gives with each fix (a trip descriptor without a trip;
``transit.tracking.descriptors``). Baselines in the same run: delay carried
forward and the schedule; ``published`` is the self-checking blend
(transit/prediction/ensemble.py). Skips with a message when the data is absent.
Per bucket, the share of buses inside each band and its width: the model's own,
the published one before calibration, calibrated (free to narrow) and as published
now (``prediction_outputs.band_lines``; docs/prediction.md, "Bands calibrated on
recent errors").
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

from feeds.kaohsiung.case import build_case
from feeds.kaohsiung.files import CaseFiles, write_case
from feeds.kaohsiung.source import read_week
from feeds.replay.prediction_outputs import FREE_BANDS, band_lines
from feeds.replay.predictions import (
    DCF, MODEL, PUBLISHED, PredictionReplay, actual_from_passages, service_dates,
)
from feeds.replay.readers import read_assignments_csv, read_true_passages_csv
from feeds.replay.runner import replay_days, without_trip_descriptors
from feeds.replay.scoring import score
from feeds.replay.sources import LoadedDay, load_day
from transit.gtfs.feed import load_feed_file
from transit.model.network import Network
from transit.prediction.scoring import BucketScore, score_predictions
from transit.tracking.scoring import TruePassage

KAOHSIUNG = Path("/work/shared/data/kaohsiung-2018-11")
# The buckets: 15-30 min split in two; the band of 15-30 min applies to both.
REPORT_BUCKETS = ((0, 180, -30, 90), (180, 360, -60, 150), (360, 600, -60, 210),
                  (600, 900, -90, 270), (900, 1200, -120, 360), (1200, 1800, -120, 360))
METHODS = ((MODEL, "model"), (PUBLISHED, "published"), (DCF, "delay carried fwd"))
# Issue 10's targets.
RATIO_UP_TO_15 = 0.85
BIAS_S_UP_TO_10 = 15.0
BAND_UP_TO_10 = 0.85
DETECTED = 0.97
TRIP_HOURS = 0.95


def build(data: Path, out: Path) -> CaseFiles:
    started = time.perf_counter()
    case = build_case(read_week(data))
    files = write_case(case, out)
    trips = sum(1 for r in case.runs if r.trip_id is not None)
    print(f"case built in {time.perf_counter() - started:.0f} s under {out}: {len(case.runs):,} runs "
          f"({case.joined} split runs joined, {case.outside} outside the week), {trips:,} trips, "
          f"{len(case.truth):,} observed passages, {sum(r.missed for r in case.runs if r.trip_id):,} "
          f"stops of trips never within {case.params.truth.reach_m:g} m of the track (skipped); "
          f"GoBack -> Direction {dict(sorted(case.directions.items()))}; stops added to shapes that "
          f"stop short of them: {sum(p.stops_added_to_shape for p in case.layout.patterns.values())}; "
          f"planned trips shortened to end before their block's next departure: {case.squeezed}, "
          f"still overlapping it: {case.overlapping}")
    return files


def scored_truth(truth: Sequence[TruePassage], network: Network, day: date) -> list[TruePassage]:
    service = day.strftime("%Y%m%d")
    return [p for p in truth if network.trips[p.trip_id].service_id == service]


def print_predictions(network: Network, replay: PredictionReplay, truth: Sequence[TruePassage]) -> None:
    day = replay.days[0]
    actual = actual_from_passages(truth, network, service_dates(day))
    scores = {m: score_predictions(day.records[m], actual, REPORT_BUCKETS) for m, _ in METHODS}
    print(f"   {'horizon':>9}" + "".join(f"{name:>27}" for _, name in METHODS)
          + "   model/DCF  published/DCF")
    for i, bucket in enumerate(scores[MODEL]):
        cells = "".join(_cell(scores[m][i]) for m, _ in METHODS)
        print(f"   {bucket.label:>9}{cells}   {_ratio(scores, MODEL, i):>9.2f}  "
              f"{_ratio(scores, PUBLISHED, i):>13.2f}   (n={bucket.count:,})")
    print("   columns: MAE (s), bias = actual - predicted (s), share inside the band")
    for method, name in METHODS[:2]:
        print(f"   {name}: {_verdict(scores, method)}")
    for line in band_lines(day.records, actual, FREE_BANDS.band.coverage, REPORT_BUCKETS):
        print("   " + line)


def _cell(s: BucketScore) -> str:
    return f"{s.mae_s:.0f} {s.bias_s:+5.0f} {s.within_band:6.1%}".rjust(27)


def _ratio(scores: Mapping[str, list[BucketScore]], method: str, i: int) -> float:
    theirs = scores[DCF][i].mae_s
    return scores[method][i].mae_s / theirs if theirs else math.nan


def _verdict(scores: Mapping[str, list[BucketScore]], method: str) -> str:
    upto15 = [i for i, b in enumerate(REPORT_BUCKETS) if b[1] <= 900]
    upto10 = [i for i, b in enumerate(REPORT_BUCKETS) if b[1] <= 600]
    ratios = [_ratio(scores, method, i) for i in range(len(REPORT_BUCKETS))]
    checks = (
        (f"MAE <= {RATIO_UP_TO_15}x DCF up to 15 min", all(ratios[i] <= RATIO_UP_TO_15 for i in upto15)),
        ("never above 1.0x", all(r <= 1.0 for r in ratios)),
        (f"|bias| < {BIAS_S_UP_TO_10:g} s up to 10 min",
         all(abs(scores[method][i].bias_s) < BIAS_S_UP_TO_10 for i in upto10)),
        (f">= {BAND_UP_TO_10:.0%} in band up to 10 min",
         all(scores[method][i].within_band >= BAND_UP_TO_10 for i in upto10)),
    )
    return "; ".join(f"{label}: {'met' if ok else 'NOT met'}" for label, ok in checks)


def run(label: str, network: Network, days: Sequence[LoadedDay], truth: Sequence[TruePassage],
        assignments: Mapping[tuple[date, str], str] | None, publish_every: float,
        descriptors: bool) -> None:
    started = time.perf_counter()
    replay = PredictionReplay(network, (len(days) - 1,), publish_every_s=publish_every, ensemble=FREE_BANDS)
    replayed = [d.day if descriptors else without_trip_descriptors(d.day) for d in days]
    result = replay_days(network, replayed, assignments=assignments, observer=replay)
    scored = replay.days[0]
    tracking = score(result.days[-1].events, truth, network)
    print(f" {label}: {sum(d.reports for d in result.days):,} reports replayed in "
          f"{time.perf_counter() - started:.0f} s; history of {len(scored.history_days)} day(s); "
          f"day 7: {scored.publications:,} publications, "
          f"{len(scored.records[MODEL]):,} stop predictions up to 30 min ahead")
    print(f"   tracking on day 7 ({result.days[-1].label}): {tracking.detected_share:.1%} of "
          f"{tracking.true_passages:,} observed passages detected (target {DETECTED:.0%}), "
          f"error median {tracking.error_median_s:.0f} s, "
          f"p90 {tracking.error_p90_s:.0f} s, {tracking.false_events:,} events on no observed passage, "
          f"{tracking.assignment_share:.1%} of {tracking.trip_hours:,.0f} trip-hours on the right trip "
          f"(target {TRIP_HOURS:.0%})")
    print_predictions(network, replay, truth)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=KAOHSIUNG)
    parser.add_argument("--out", type=Path, help="write the case here (default: a temporary folder)")
    parser.add_argument("--publish-every", type=float, default=60.0)
    parser.add_argument("--training-days", type=int, default=6, choices=range(7),
                        help="how many of days 1-6 to replay before day 7 (the timetable always uses 1-6)")
    args = parser.parse_args()
    if not (args.data / "positions").is_dir():
        print(f"Kaohsiung: skipped, no data at {args.data}")
        return
    with tempfile.TemporaryDirectory() as scratch:
        files = build(args.data, args.out or Path(scratch))
        network = load_feed_file(files.gtfs).network
        folders = files.day_folders()
        days = [load_day(f) for f in folders[6 - args.training_days:]]
        scored = date.fromisoformat(folders[-1].name)
        truth = scored_truth(read_true_passages_csv(files.truth), network, scored)
        assignments = read_assignments_csv(files.assignments)
    print(f"Kaohsiung {folders[-1].name} (day 7, Sunday) scored after {args.training_days} day(s) learned: "
          f"{len(days[-1].day.reports):,} reports, {len(truth):,} observed passages; publication every "
          f"{args.publish_every:g} s per vehicle")
    for label, given, descriptors in (
        ("without assignments, without descriptors", None, False),
        ("without assignments, route and direction from the feed", None, True),
        ("with assignments, without descriptors", assignments, False),
    ):
        run(label, network, days, truth, given, args.publish_every, descriptors)


if __name__ == "__main__":
    main()
