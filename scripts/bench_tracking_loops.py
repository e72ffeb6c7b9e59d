"""Benchmark: tracking on a simulated weekday of the loop city (feeds.loopcity:
a loop line, an out-and-back line, three ordinary lines sharing their streets),
scored against the simulator's ground truth, without the day's vehicle-to-block
assignments and, as the baseline (as in bench_tracking.py), with them. Twice:
tracked from the start of the day, and started mid-day (only the reports from
``--from`` on: every bus is first seen mid-block, most of them mid-trip), the
passages from then on being scored.

    .venv/bin/python scripts/bench_tracking_loops.py [--day 2026-11-25] [--seed 7] [--from 10:00]

Target (issue 10): >= 99% of passages detected and of trip-hours on the right
trip without assignments, on every simulated day, loop lines included.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from datetime import date, time as clock

from feeds.loopcity import build_loop_feed
from feeds.simulator import simulate_day
from transit.gtfs.feed import load_feed
from transit.gtfs.tables import write_tables
from transit.model.service_days import to_unix
from transit.records import StopEvent
from transit.tracking.scoring import TruePassage, score_stop_events
from transit.tracking.tracker import Tracker


def track(network, reports, assignments):  # type: ignore[no-untyped-def]
    tracker = Tracker(network, assignments=assignments)
    events: list[StopEvent] = []
    started = time.perf_counter()
    for report in reports:
        events.extend(tracker.observe(report).events)
    return events, time.perf_counter() - started


def missed_by_route(events, truth, network) -> dict[str, int]:  # type: ignore[no-untyped-def]
    found = {(e.trip_id, e.stop_sequence) for e in events}
    missed = Counter(network.trips[p.trip_id].route_id for p in truth if (p.trip_id, p.stop_sequence) not in found)
    return dict(sorted(missed.items()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--day", type=date.fromisoformat, default=date(2026, 11, 25))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--from", dest="start", type=clock.fromisoformat, default=clock(10, 0))
    args = parser.parse_args()
    network = load_feed(write_tables(build_loop_feed(args.seed)), "loopcity.zip").network
    day = simulate_day(network, args.day, seed=args.seed)
    first = {t.trip_id: network.patterns[t.pattern_id].sequence_at(0) for t in network.trips.values()}
    truth = [TruePassage(p.trip_id, network.patterns[network.trips[p.trip_id].pattern_id]
                         .sequence_at(p.stop_sequence - 1), p.arrival, p.departure, p.vehicle_id)
             for p in day.passages]
    print(f"{args.day}: {day.stats.vehicles} vehicles, {day.stats.trips} trips, "
          f"{len(day.reports):,} reports ({day.stats.jumps} jumps, {day.stats.dropouts} dropouts, "
          f"{day.stats.duplicates} duplicates, {day.stats.late} late), {len(truth):,} true passages")
    assignments = {(args.day, vehicle): block for vehicle, block in day.assignments.items()}
    since = to_unix(args.day, args.start.hour * 3600 + args.start.minute * 60, network.timezone)
    later = [r for r in day.reports if r.timestamp >= since]

    def passed_since(p: TruePassage) -> bool:
        at = p.departure if first[p.trip_id] == p.stop_sequence and p.departure is not None else p.arrival
        return at >= since

    cases = (("from the start of the day", day.reports, truth),
             (f"started at {args.start:%H:%M}", later, [p for p in truth if passed_since(p)]))
    for case, reports, scored in cases:
        for label, given in (("without assignments", None), ("with assignments", assignments)):
            events, seconds = track(network, reports, given)
            score = score_stop_events(events, scored, first)
            print(f"{case}, {label}: detected {score.detected_share:.2%} of {score.true_passages:,}, "
                  f"arrival error median {score.error_median_s:.1f} s, p90 {score.error_p90_s:.1f} s, "
                  f"false events {score.false_events}, trip-hours right {score.assignment_share:.2%}; "
                  f"{len(reports) / seconds:,.0f} reports/s")
            print("  missed by route:", missed_by_route(events, scored, network))


if __name__ == "__main__":
    main()
