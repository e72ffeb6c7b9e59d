"""Benchmark: arrival predictions on a real day, WMATA 2026-02-16 (Presidents'
Day, routes C53, D40, D96), against two baselines computed in the same run
(schedule only; schedule plus the vehicle's current delay).

    .venv/bin/python scripts/bench_prediction_wmata.py [--wmata DIR] [--publish-every 60]
                                                       [--no-trip-descriptors]

The day goes through `transit replay`'s path (readers -> LiveTracking.apply on
a simulated clock -> Predictor), so a prediction made at t uses only reports
received up to t. Predictions are published every 60 s per vehicle and scored
against the passages observed in the feed itself (``feeds.replay.truth.
observed_passages``). No earlier day is available: the model runs on the
schedule fallback (no history) plus its real-time correction (street and bus
factors learned from today's stop events). Run with and without the
vehicle-to-block assignments the feed's trip ids imply (as in
scripts/bench_replay.py), and without assignments with and without the trip
descriptors the feed sends on each report (trip, route, direction): the
tracker takes the named trip where the bus is on it. ``--no-trip-descriptors``
drops them from every case, and prints the two cases of before they were read.
Per bucket, the share of buses inside each band and its width: the model's own,
the published one before calibration, calibrated (free to narrow) and as published
now (``prediction_outputs.band_lines``; docs/prediction.md, "Bands calibrated on
recent errors").
Skips with a message when the data is absent.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from feeds.replay.prediction_outputs import FREE_BANDS, band_lines, bench_lines
from feeds.replay.predictions import MODEL, PUBLISHED, PredictionReplay, replay_truth, score_replay
from feeds.replay.runner import ReplayDay, replay_days, without_trip_descriptors
from feeds.replay.scoring import assignments_from_feed
from feeds.replay.sources import LoadedDay, load_day
from feeds.replay.truth import observed_passages
from transit.gtfs.feed import load_feed_file
from transit.model.network import Network
from transit.prediction.scoring import BUCKETS

WMATA = Path("/work/shared/data/wmata-2026-02-16")
UP_TO_S = 900  # "every bucket up to 15 minutes"


def run(label: str, network: Network, loaded: LoadedDay, replayed: ReplayDay,
        assignments: Mapping[tuple[date, str], str] | None, publish_every: float) -> None:
    started = time.perf_counter()
    predictions = PredictionReplay(network, (0,), publish_every_s=publish_every, ensemble=FREE_BANDS)
    result = replay_days(network, [replayed], assignments=assignments, observer=predictions)
    scores = score_replay(network, predictions.days, [loaded], result.days)
    day = predictions.days[0]
    print(f" {label}: {day.publications:,} publications, {len(day.records[MODEL]):,} stop predictions "
          f"up to 30 min ahead ({time.perf_counter() - started:.1f} s); truth: {scores.truth}")
    for line in bench_lines(scores):
        print("  " + line)
    actual, _ = replay_truth(network, predictions.days, [loaded], result.days)
    for line in band_lines(day.records, actual, FREE_BANDS.band.coverage):
        print("  " + line)
    upto = [i for i, (_, high, _, _) in enumerate(BUCKETS) if high <= UP_TO_S]
    for method in (MODEL, PUBLISHED):
        lower = [-scores.mae_change_vs_dcf(i, method) for i in upto]  # positive: lower MAE
        beats = all(not math.isnan(x) and x > 0 for x in lower)
        print(f"  {method} beats delay carried forward (lower MAE) in every bucket up to 15 min: "
              f"{'yes' if beats else 'no'} (MAE lower by {', '.join(f'{x:+.0%}' for x in lower)})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--wmata", type=Path, default=WMATA)
    parser.add_argument("--publish-every", type=float, default=60.0)
    parser.add_argument("--no-trip-descriptors", action="store_true",
                        help="drop the reports' trip descriptors: the two cases as before")
    args = parser.parse_args()
    path = args.wmata / "vehicle_positions.csv.gz"
    if not (args.wmata / "gtfs.zip").exists() or not path.exists():
        print(f"WMATA: skipped, no data at {args.wmata}")
        return
    network = load_feed_file(args.wmata / "gtfs.zip").network
    loaded = load_day(path)
    derived = assignments_from_feed(loaded.observed, network)
    truth = observed_passages([o for o in loaded.observed if o.trip_id is not None], network)
    print(f"WMATA 2026-02-16: {len(loaded.day.reports):,} reports, {len(truth):,} observed passages; "
          f"no history (schedule fallback + real-time correction); publication every "
          f"{args.publish_every:g} s per vehicle")
    bare = without_trip_descriptors(loaded.day)
    if args.no_trip_descriptors:
        cases = [("without assignments", bare, None), ("with assignments", bare, derived.assignments)]
    else:
        cases = [("without anything (no assignments, descriptors dropped)", bare, None),
                 ("without assignments, with trip descriptors", loaded.day, None),
                 ("with assignments (descriptors dropped)", bare, derived.assignments)]
    for label, replayed, given in cases:
        run(label, network, loaded, replayed, given, args.publish_every)


if __name__ == "__main__":
    main()
