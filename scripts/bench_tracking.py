"""Benchmark: stop-event detection and trip assignment on a simulated day of the
demo city, scored against the simulator's ground truth, with and without the
day's vehicle-to-block assignments, and tracking throughput.

    .venv/bin/python scripts/bench_tracking.py [--day 2026-11-25] [--seed 7]

Baseline in the same run: stop events read straight off the reports' nearest
fix (no interpolation), the "closest fix" method many AVL systems use.
Targets (issue 3): >= 99% of passages detected, error median < 10 s and
p90 < 30 s, trip assignment right for >= 99% of trip-hours without assignments.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from feeds.democity import build_demo_feed, stop_demand
from feeds.simulator import simulate_day
from transit.gtfs.feed import load_feed
from transit.gtfs.tables import write_tables
from transit.records import StopEvent
from transit.tracking.scoring import TruePassage, score_stop_events
from transit.tracking.tracker import Tracker


def run(network, reports, assignments):  # type: ignore[no-untyped-def]
    tracker = Tracker(network, assignments=assignments)
    events: list[StopEvent] = []
    started = time.perf_counter()
    for report in reports:
        events.extend(tracker.observe(report).events)
    seconds = time.perf_counter() - started
    return events, seconds, tracker


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--day", type=date.fromisoformat, default=date(2026, 11, 25))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    tables = build_demo_feed(args.seed)
    network = load_feed(write_tables(tables), "demo.zip").network
    day = simulate_day(network, args.day, seed=args.seed, demand=stop_demand(tables))
    truth = [TruePassage(p.trip_id, network.patterns[network.trips[p.trip_id].pattern_id]
                         .sequence_at(p.stop_sequence - 1), p.arrival, p.departure, p.vehicle_id)
             for p in day.passages]
    first = {t.trip_id: network.patterns[t.pattern_id].sequence_at(0) for t in network.trips.values()}
    print(f"{args.day}: {day.stats.vehicles} vehicles, {day.stats.trips} trips, "
          f"{len(day.reports):,} reports ({day.stats.jumps} jumps, {day.stats.dropouts} dropouts, "
          f"{day.stats.duplicates} duplicates, {day.stats.late} late), {len(truth):,} true passages")
    assignments = {(args.day, vehicle): block for vehicle, block in day.assignments.items()}
    for label, given in (("without assignments", None), ("with assignments", assignments)):
        events, seconds, tracker = run(network, day.reports, given)
        score = score_stop_events(events, truth, first)
        print(f"{label}: detected {score.detected_share:.2%}, arrival error median "
              f"{score.error_median_s:.1f} s, p90 {score.error_p90_s:.1f} s, mean {score.error_mean_s:.1f} s, "
              f"false events {score.false_events}, trip-hours right {score.assignment_share:.2%}; "
              f"{len(day.reports) / seconds:,.0f} reports/s ({seconds:.1f} s)")
        print("  outcomes:", {o.value: n for o, n in tracker.counts.items()})


if __name__ == "__main__":
    main()
