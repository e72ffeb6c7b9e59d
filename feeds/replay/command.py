"""``transit replay``: recorded days through the live path, scored, printed.

The command's body, beside what it runs (the CLI only parses arguments):
read the network and the days, replay them with a simulated clock, print the
tracker's outcomes, score stop events against a truth file and predictions by
horizon, and write the outputs asked for. Bad input raises ``ReplayInputError``
with the sentence to show (the CLI exits 2).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from rich.console import Console
from rich.table import Table

from feeds.jt808.bindings import BindingFileError, Bindings, load_bindings
from feeds.replay.outputs import VehiclePositionsWriter, write_stop_events_csv
from feeds.replay.prediction_outputs import (
    bench_lines, plot_mae, write_predictions_csv, write_table_csv,
)
from feeds.replay.predictions import MODEL, PredictionReplay, parse_day_numbers, score_replay
from feeds.replay.readers import (
    BadReplayFile, PassageColumns, ReportColumns, read_assignments_csv, read_true_passages_csv,
)
from feeds.replay.runner import ReplayResult, replay_days
from feeds.replay.scoring import TruthMismatch, index_to_gtfs_sequences, score
from feeds.replay.sources import (
    InputFormat, LoadedDay, ReadOptions, UnreadableInput, load_days, parse_column_map,
)
from transit.gtfs.feed import load_feed, load_feed_file
from transit.model.network import Network
from transit.progress import progress_bar, steps
from transit.tracking.scoring import TruePassage


class ReplayInputError(ValueError):
    """An option or input file the replay cannot use; the message says which and why."""


@dataclass(frozen=True)
class _Inputs:
    network: Network
    days: list[LoadedDay]
    assignments: Mapping[tuple[date, str], str] | None
    truth: list[TruePassage] | None


def run_replay(args: argparse.Namespace, console: Console) -> int:
    """The command: ``console`` for progress and warnings, stdout for results."""
    out = Console(soft_wrap=True)
    inputs = _read_inputs(args, console)
    writer = (VehiclePositionsWriter(inputs.network, args.vehicle_positions_out)
              if args.vehicle_positions_out else None)
    predictions = _prediction_replay(args, inputs)
    with progress_bar(console, "replaying") as advance:
        result = replay_days(inputs.network, [d.day for d in inputs.days],
                             assignments=inputs.assignments,
                             snapshot_every_s=args.snapshot_every if writer else None,
                             on_snapshot=writer, progress=advance, observer=predictions)
    _print_tracking(out, result)
    if inputs.truth is not None:
        _print_truth_score(out, console, result, inputs)
    if args.stop_events_out:
        rows = write_stop_events_csv(result.events, args.stop_events_out)
        out.print(f"{rows:,} stop events written to {args.stop_events_out}", highlight=False)
    if writer is not None:
        out.print(f"{len(writer.written):,} VehiclePositions snapshots written to "
                  f"{args.vehicle_positions_out}", highlight=False)
    if predictions is not None:
        _print_predictions(out, args, inputs, result, predictions)
    return 0


def _network(args: argparse.Namespace, console: Console) -> Network:
    if args.gtfs is not None:
        with steps(console, f"loading {args.gtfs}") as note:
            return load_feed_file(args.gtfs, note).network
    from feeds.democity import build_demo_feed
    from transit.gtfs.tables import write_tables

    with steps(console, f"generating the demo city (seed {args.demo_city})") as note:
        return load_feed(write_tables(build_demo_feed(args.demo_city)),
                         f"demo-city-{args.demo_city}.zip", note).network


def _read_inputs(args: argparse.Namespace, console: Console) -> _Inputs:
    try:
        report_columns = parse_column_map(args.columns, ReportColumns())
        truth_columns = parse_column_map(args.truth_columns, PassageColumns())
    except ValueError as exc:
        raise ReplayInputError(str(exc)) from None
    network = _network(args, console)
    try:
        bindings = load_bindings(args.bindings) if args.bindings else Bindings()
        options = ReadOptions(InputFormat(args.format), report_columns, bindings=bindings)
        days = load_days(args.reports, options)
        assignments = read_assignments_csv(args.assignments) if args.assignments else None
        truth = read_true_passages_csv(args.truth, truth_columns) if args.truth else None
        if truth is not None and args.truth_sequence == "index":
            truth = index_to_gtfs_sequences(truth, network)
    except (UnreadableInput, BadReplayFile, BindingFileError, TruthMismatch, OSError) as exc:
        raise ReplayInputError(str(exc)) from None
    for day in days:
        line = f"{day.day.label}: {len(day.day.reports):,} reports ({day.format})"
        if day.bad:
            shown = "; ".join(f"line {b.line}: {b.reason}" if b.line else b.reason
                              for b in day.examples[:3])
            line += f", {day.bad:,} of {day.rows:,} rows skipped (e.g. {shown})"
        console.print(line, highlight=False)
    return _Inputs(network, days, assignments, truth)


def _prediction_replay(args: argparse.Namespace, inputs: _Inputs) -> PredictionReplay | None:
    if not (args.predict or args.score_days or args.predictions_out or args.prediction_table
            or args.prediction_plot):
        return None
    try:
        scored = parse_day_numbers(args.score_days) if args.score_days else (len(inputs.days),)
    except ValueError as exc:
        raise ReplayInputError(f"--score-days: {exc}") from None
    if max(scored) > len(inputs.days) or args.publish_every <= 0:
        raise ReplayInputError(
            f"--score-days {','.join(map(str, scored))} / --publish-every {args.publish_every:g}: "
            f"{len(inputs.days)} day(s) replayed, and the interval must be positive")
    return PredictionReplay(inputs.network, (n - 1 for n in scored),
                            publish_every_s=args.publish_every)


def _print_tracking(out: Console, result: ReplayResult) -> None:
    table = Table("outcome", "reports", "share")
    for outcome, count in result.outcomes.items():
        table.add_row(outcome, f"{count:,}", f"{count / max(result.reports, 1):.2%}")
    out.print(table)
    for day in result.days:
        out.print(f"{day.label}: {day.reports:,} reports in {day.seconds:.1f} s "
                  f"({day.reports_per_s:,.0f} reports/s), {len(day.events):,} stop events",
                  highlight=False)
    out.print(f"replayed {result.reports:,} reports in {result.seconds:.1f} s "
              f"({result.reports_per_s:,.0f} reports/s); {len(result.events):,} stop events "
              f"({result.raw_events:,} emitted, corrections included)", highlight=False)
    agreement = result.trip_agreement
    if agreement is not None and agreement.compared:
        out.print(f"trip agreement with the feed: {agreement.share:.2%} of {agreement.compared:,} "
                  f"reports naming a trip (tracker had no trip for {agreement.unassigned:,})",
                  highlight=False)


def _print_truth_score(out: Console, console: Console, result: ReplayResult,
                       inputs: _Inputs) -> None:
    assert inputs.truth is not None
    if len(result.days) > 1:
        console.print("[yellow]several days scored against one truth file: a trip id "
                      "repeating across days keeps only its last day's events[/yellow]")
    s = score(result.events, inputs.truth, inputs.network)
    out.print(f"detected {s.detected_share:.2%} of {s.true_passages:,} true passages; arrival "
              f"error median {s.error_median_s:.1f} s, p90 {s.error_p90_s:.1f} s; "
              f"false events {s.false_events:,}; trip-hours with the right trip "
              f"{s.assignment_share:.2%} of {s.trip_hours:,.1f} h", highlight=False)


def _print_predictions(out: Console, args: argparse.Namespace, inputs: _Inputs,
                       result: ReplayResult, predictions: PredictionReplay) -> None:
    for day in predictions.days:
        learned = ", ".join(d.isoformat() for d in day.history_days) or "none (schedule fallback)"
        out.print(f"predictions of day {day.index + 1} ({day.label}): {day.publications:,} "
                  f"publications every {args.publish_every:g} s per vehicle, "
                  f"{len(day.records[MODEL]):,} stop predictions up to 30 min ahead; history "
                  f"learned from: {learned}", highlight=False)
    scores = score_replay(inputs.network, predictions.days, inputs.days, result.days, inputs.truth)
    out.print(f"arrival predictions by horizon, error = actual - predicted; truth: {scores.truth}",
              highlight=False)
    for line in bench_lines(scores):
        out.print(line, highlight=False)
    if args.prediction_table:
        write_table_csv(scores, args.prediction_table)
        out.print(f"prediction scores written to {args.prediction_table}", highlight=False)
    if args.prediction_plot:
        plot_mae(scores, args.prediction_plot)
        out.print(f"error against horizon plotted to {args.prediction_plot}", highlight=False)
    if args.predictions_out:
        rows = write_predictions_csv((r for d in predictions.days for r in d.records[MODEL]),
                                     args.predictions_out)
        out.print(f"{rows:,} published predictions written to {args.predictions_out}",
                  highlight=False)
