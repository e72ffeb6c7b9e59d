"""Benchmark: `transit replay`'s path (readers -> LiveTracking.apply on a
simulated clock) on a simulated weekday of the demo city, as report CSV and as
a raw JT/T 808 capture, and on a real WMATA day (GTFS-RT CSV), with and
without vehicle-to-block assignments, and with and without the trip
descriptors the WMATA feed sends (trip, route, direction on each report).

    .venv/bin/python scripts/bench_replay.py [--day 2026-11-25] [--seed 7] [--wmata DIR]
                                             [--wmata-only] [--no-trip-descriptors]

``--no-trip-descriptors`` drops the descriptors from every WMATA case, so the
run prints only the two cases of before they were read ("without assignments",
"with assignments"), as they were measured then.

Baselines in the same run: for speed, the bare ``Tracker.observe`` loop over
the same reports (no snapshots, no reading); for accuracy there is none but
the same replay without assignments. Target: a day replays in under 1 minute.
WMATA truth is the passages observed in the feed itself
(``feeds.replay.truth.observed_passages``); its assignments are derived from
the feed's trip ids (each vehicle -> the block of the trips it reported, per
service date), so "with assignments" there is the tracker told what the feed said.
The descriptors name the same trips the truth is built from: "with trip
descriptors" shows the tracker follows what the feed says where the bus is on
it and finds its passages, not that the feed's trips are right.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from feeds.democity import build_demo_feed, stop_demand
from feeds.jt808.bindings import Bindings
from feeds.replay.capture import write_jt808_capture
from feeds.replay.readers import read_gtfsrt_csv
from feeds.replay.runner import ReplayDay, ReplayResult, replay_days, without_trip_descriptors
from feeds.replay.scoring import assignments_from_feed, index_to_gtfs_sequences, score
from feeds.replay.sources import ReadOptions, load_day
from feeds.replay.truth import observed_passages
from feeds.simulator import simulate_day
from feeds.simulator.files import write_day
from transit.gtfs.feed import load_feed, load_feed_file
from transit.gtfs.tables import write_tables
from transit.model.network import Network
from transit.records import VehicleReport
from transit.tracking.scoring import TruePassage
from transit.tracking.tracker import Tracker

WMATA = Path("/work/shared/data/wmata-2026-02-16")


def bare_tracker_rate(network: Network, reports: Sequence[VehicleReport]) -> float:
    """Reports/s of the plain per-report loop: the baseline for the live path."""
    tracker = Tracker(network)
    ordered = sorted(reports, key=lambda r: r.received_at)
    started = time.perf_counter()
    for report in ordered:
        tracker.observe(report)
    return len(ordered) / (time.perf_counter() - started)


def replay_and_print(label: str, network: Network, day: ReplayDay, truth: Sequence[TruePassage],
                     assignments: Mapping[tuple[date, str], str] | None, baseline: float) -> ReplayResult:
    result = replay_days(network, [day], assignments=assignments)
    s = score(result.events, truth, network)
    day = result.days[0]
    print(f"  {label}: wall {day.seconds:.1f} s for {day.reports:,} reports "
          f"({day.reports_per_s:,.0f} reports/s; bare Tracker.observe {baseline:,.0f}/s); "
          f"detected {s.detected_share:.2%} of {s.true_passages:,}, error median {s.error_median_s:.1f} s, "
          f"p90 {s.error_p90_s:.1f} s, false events {s.false_events:,}, "
          f"trip-hours right {s.assignment_share:.2%}")
    agreement = result.trip_agreement
    if agreement is not None and agreement.compared:
        print(f"    trip agreement with the feed: {agreement.share:.2%} of {agreement.compared:,} reports "
              f"(no trip: {agreement.unassigned:,})")
    print(f"    outcomes: {dict(result.outcomes)}")
    if result.descriptors:
        print(f"    trip descriptors (reports): {dict(result.descriptors)}")
    return result


def simulated(day: date, seed: int, scratch: Path) -> None:
    started = time.perf_counter()
    tables = build_demo_feed(seed)
    network = load_feed(write_tables(tables), "demo.zip").network
    simulated_day = simulate_day(network, day, seed=seed, demand=stop_demand(tables))
    folder = write_day(simulated_day, scratch / "day")
    vehicles = sorted({r.vehicle_id for r in simulated_day.reports})
    bindings = Bindings({f"1390000{n:04d}": v for n, v in enumerate(vehicles, 1)})
    capture = write_jt808_capture(simulated_day.reports, bindings, scratch / "day.808")
    truth = index_to_gtfs_sequences(
        [TruePassage(p.trip_id, p.stop_sequence, p.arrival, p.departure, p.vehicle_id)
         for p in simulated_day.passages], network)
    assignments = {(day, v): b for v, b in simulated_day.assignments.items()}
    print(f"demo city (seed {seed}), {day}: {len(simulated_day.reports):,} reports, "
          f"{len(truth):,} true passages, {simulated_day.stats.vehicles} vehicles "
          f"(prepared in {time.perf_counter() - started:.0f} s)")
    baseline = bare_tracker_rate(network, simulated_day.reports)
    for name, path, options in (("reports CSV", folder / "reports.csv", ReadOptions()),
                                ("JT/T 808 capture", capture, ReadOptions(bindings=bindings))):
        read_started = time.perf_counter()
        loaded = load_day(path, options)
        print(f" {name} ({path.stat().st_size / 1e6:.1f} MB): read in {time.perf_counter() - read_started:.1f} s, "
              f"{loaded.bad} bad rows")
        for label, given in (("without assignments", None), ("with assignments", assignments)):
            replay_and_print(label, network, loaded.day, truth, given, baseline)


def with_fields(day: ReplayDay, **fields: object) -> ReplayDay:
    """``day`` with ``fields`` of every report replaced (the feed's trip ids kept)."""
    reports = tuple(replace(r, **fields) for r in day.reports)  # type: ignore[arg-type]
    return ReplayDay(day.label, reports, day.feed_trip_ids)


def wmata(folder: Path, descriptors: bool = True) -> None:
    if not (folder / "gtfs.zip").exists():
        print(f"WMATA: skipped, no data at {folder}")
        return
    network = load_feed_file(folder / "gtfs.zip").network
    path = folder / "vehicle_positions.csv.gz"
    observed = read_gtfsrt_csv(path).items
    truth = observed_passages(observed, network)
    derived = assignments_from_feed(observed, network)
    loaded = load_day(path)
    print(f"WMATA 2026-02-16: {len(loaded.day.reports):,} reports, {len(truth):,} observed passages, "
          f"assignments for {len(derived.assignments)} vehicle-days derived from the feed's trip ids "
          f"({len(derived.several_blocks)} on trips of several blocks: most-reported block kept)")
    bare = without_trip_descriptors(loaded.day)
    baseline = bare_tracker_rate(network, bare.reports)
    named = sum(r.trip_id is not None for r in loaded.day.reports)
    print(f"  trip descriptors: {named:,} of {len(loaded.day.reports):,} reports name a trip"
          + ("; dropped in every case (--no-trip-descriptors)" if not descriptors else ""))
    cases: list[tuple[str, ReplayDay, Mapping[tuple[date, str], str] | None]] = [
        ("without assignments" if not descriptors else "without anything (no assignments, "
         "descriptors dropped)", bare, None),
        ("with assignments" if not descriptors else "with assignments (descriptors dropped)",
         bare, derived.assignments),
    ]
    if descriptors:
        cases[1:1] = [("without assignments, with trip descriptors", loaded.day, None)]
        cases.append(("with assignments and trip descriptors", loaded.day, derived.assignments))
        # What a feed naming only route and direction (or trip ids of another
        # GTFS version, which are ignored) gives, and one naming only the route.
        cases.append(("without assignments, route and direction only",
                      with_fields(loaded.day, trip_id=None, start_date=None), None))
        cases.append(("without assignments, route only",
                      with_fields(loaded.day, trip_id=None, start_date=None, direction_id=None), None))
    for label, day, given in cases:
        replay_and_print(label, network, day, truth, given, baseline)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--day", type=date.fromisoformat, default=date(2026, 11, 25))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--wmata", type=Path, default=WMATA)
    parser.add_argument("--wmata-only", action="store_true", help="skip the simulated day")
    parser.add_argument("--no-trip-descriptors", action="store_true",
                        help="drop the WMATA reports' trip descriptors: the two cases as before")
    args = parser.parse_args()
    if not args.wmata_only:
        with tempfile.TemporaryDirectory() as scratch:
            simulated(args.day, args.seed, Path(scratch))
    wmata(args.wmata, descriptors=not args.no_trip_descriptors)


if __name__ == "__main__":
    main()
