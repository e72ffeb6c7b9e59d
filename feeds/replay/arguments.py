"""The ``transit replay`` command's options (kept apart from its body,
``feeds/replay/command.py``, so that building the CLI's parser stays light)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_replay_arguments(replay: argparse.ArgumentParser) -> None:
    network_source = replay.add_mutually_exclusive_group(required=True)
    network_source.add_argument("--gtfs", type=Path, help="GTFS zip the reports ran on")
    network_source.add_argument("--demo-city", type=int, metavar="SEED",
                                help="generate the demo city with this seed instead of --gtfs")
    replay.add_argument("--reports", type=Path, action="append", required=True, metavar="PATH",
                        help="one day of reports: a JT/T 808 capture (.bin/.808), a report CSV, "
                        "a flattened GTFS-RT CSV, .pb files or a folder of them; repeat for "
                        "several days in order, or give a folder of day folders")
    replay.add_argument("--format", default="auto",
                        choices=("auto", "csv", "gtfsrt-csv", "gtfsrt-pb", "jt808"),
                        help="force the input format (default: by extension and header)")
    replay.add_argument("--columns", default="", metavar="FIELD=COLUMN,...",
                        help="report CSV column names, e.g. vehicle_id=veh,timestamp=ts "
                        "(fields: vehicle_id timestamp lat lon speed_mps bearing received_at, and "
                        "the optional trip descriptor trip_id route_id direction_id start_date)")
    replay.add_argument("--ignore-trip-descriptors", action="store_true",
                        help="drop the trip, route and direction the reports name (GTFS-RT "
                        "inputs, or a CSV with trip_id/route_id columns): track from positions "
                        "alone, as for a feed without them")
    replay.add_argument("--bindings", type=Path, help="CSV phone,vehicle_id for JT/T 808 terminals "
                        "(default: the phone number is the vehicle id)")
    replay.add_argument("--assignments", type=Path,
                        help="CSV service_date,vehicle_id,block_id: the day's vehicle blocks")
    replay.add_argument("--stop-events-out", type=Path, metavar="FILE",
                        help="write every detected stop event to this CSV")
    replay.add_argument("--truth", type=Path, metavar="FILE",
                        help="CSV of true passages (trip_id, stop_sequence, arrival) to score against")
    replay.add_argument("--truth-columns", default="", metavar="FIELD=COLUMN,...",
                        help="truth column names (fields: trip_id stop_sequence arrival departure vehicle_id)")
    replay.add_argument("--truth-sequence", choices=("gtfs", "index"), default="gtfs",
                        help="truth stop_sequence is GTFS's (default) or the 1-based pattern index "
                        "(the simulator's truth_passages.csv)")
    replay.add_argument("--vehicle-positions-out", type=Path, metavar="DIR",
                        help="write GTFS-RT VehiclePositions snapshots as DIR/vp-<unix>.pb")
    replay.add_argument("--snapshot-every", type=float, default=30.0, metavar="SECONDS",
                        help="simulated seconds between VehiclePositions snapshots (default 30)")
    replay.add_argument("--predict", action="store_true",
                        help="predict arrivals during the replay (learning each day before the next) "
                        "and score them with two baselines; implied by the options below")
    replay.add_argument("--score-days", metavar="N[,M...]",
                        help="1-based indexes of the replayed days whose predictions are scored "
                        "(default: the last day); earlier days are learned as history")
    replay.add_argument("--publish-every", type=float, default=60.0, metavar="SECONDS",
                        help="seconds between two published predictions of a vehicle, as a consumer "
                        "polling the feed sees them; only published ones are scored (default 60)")
    replay.add_argument("--predictions-out", type=Path, metavar="FILE",
                        help="write the model's published predictions as CSV (made_at, vehicle_id, "
                        "service_date, trip_id, stop_sequence, stop_id, predicted_arrival; Unix s), "
                        "only stops up to 30 min ahead of made_at, to keep the file a sane size")
    replay.add_argument("--prediction-table", type=Path, metavar="FILE.csv",
                        help="write the scores per horizon and method (MAE, median, p90, bias, "
                        "share in band, MAE change vs delay carried forward) as CSV")
    replay.add_argument("--prediction-plot", type=Path, metavar="FILE.png",
                        help="write a PNG of mean absolute error against horizon, one line per method")
    replay.add_argument("--taps", type=Path, action="append", metavar="PATH",
                        help="one day of fare taps: a back-office CSV (.csv, .csv.gz) or a simulator "
                        "folder (its taps.csv); repeat once per replayed day, in the order of "
                        "--reports. Infers each tap's boarding and alighting stop (as `transit flow "
                        "build` does) on the stop events the replay detects that day")
    replay.add_argument("--tap-columns", default="", metavar="FIELD=COLUMN,...",
                        help="tap CSV column names, as `transit taps import --columns`; the "
                        "simulator's taps.csv: txn_id=tap_id,card_id=account,time=timestamp "
                        "(fields: txn_id card_id time vehicle_id medium line_id amount transfer "
                        "lat lon; the last five optional)")
    replay.add_argument("--flow-out", type=Path, metavar="FILE",
                        help="with --taps: write one row per tap as CSV: txn_id, card_hash, "
                        "vehicle_id, service_date, trip_id, board_stop_id, board_time, "
                        "alight_stop_id, alight_time, confidence (Unix s; alight_stop_id empty "
                        "where none was inferred)")
    replay.add_argument("--flow-truth", type=Path, action="append", metavar="FILE",
                        help="with --taps: the simulator's truth_journeys.csv (repeat for several "
                        "days); prints boarding-stop accuracy, the share of taps with an alighting "
                        "stop, exact and within one stop, and the load error at each line's "
                        "peak-load point in the peak hour")
