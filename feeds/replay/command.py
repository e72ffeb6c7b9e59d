"""``transit replay``: recorded days through the live path, scored, printed.

The command's body, beside what it runs (the CLI only parses arguments):
read the network and the days, replay them with a simulated clock, print the
tracker's outcomes, score stop events against a truth file and predictions by
horizon, infer each day's passenger flow from its taps and score it, and write
the outputs asked for. Bad input raises ``ReplayInputError`` with the sentence
to show (the CLI exits 2); tap rows that cannot be read are left out and
reported by line number, the rest replayed.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from rich.console import Console
from rich.table import Table

from feeds.jt808.bindings import BindingFileError, Bindings, load_bindings
from feeds.replay.flow import infer_replayed_flows
from feeds.replay.flow_outputs import print_flow, print_flow_score, write_flow_csv
from feeds.replay.flow_truth import list_untruthed, read_true_journeys, score_replayed_flow
from feeds.replay.outputs import VehiclePositionsWriter, write_stop_events_csv
from feeds.replay.prediction_outputs import (
    bench_lines, plot_mae, write_predictions_csv, write_table_csv,
)
from feeds.replay.predictions import MODEL, PredictionReplay, parse_day_numbers, score_replay
from feeds.replay.readers import (
    BadReplayFile, PassageColumns, ReportColumns, read_assignments_csv, read_true_passages_csv,
)
from feeds.replay.runner import ReplayResult, replay_days, without_trip_descriptors
from feeds.replay.scoring import TruthMismatch, index_to_gtfs_sequences, score
from feeds.replay.sources import (
    InputFormat, LoadedDay, ReadOptions, UnreadableInput, load_days, parse_column_map,
)
from feeds.replay.taps import DayTaps, read_day_taps
from feeds.taps.backoffice import MissingTapColumns, TapColumns, TapFileError
from transit.flow.scoring import TrueJourney
from transit.gtfs.feed import load_feed, load_feed_file
from transit.model.network import Network
from transit.progress import progress_bar, steps
from transit.tracking.scoring import TruePassage


# Tap rows left out shown one per line, per file; the rest are counted.
SHOWN_TAP_PROBLEMS = 10


class ReplayInputError(ValueError):
    """An option or input file the replay cannot use; the message says which and why."""


@dataclass(frozen=True)
class _Inputs:
    network: Network
    days: list[LoadedDay]
    assignments: Mapping[tuple[date, str], str] | None
    truth: list[TruePassage] | None
    taps: list[DayTaps] | None  # per day, with --taps
    flow_truth: Mapping[str, TrueJourney] | None  # by transaction id, with --flow-truth


def run_replay(args: argparse.Namespace, console: Console, pseudonym_key: bytes) -> int:
    """The command: ``console`` for progress and warnings, stdout for results;
    card ids in tap files are pseudonymised with ``pseudonym_key`` as read."""
    out = Console(soft_wrap=True)
    inputs = _read_inputs(args, console, pseudonym_key)
    writer = (VehiclePositionsWriter(inputs.network, args.vehicle_positions_out)
              if args.vehicle_positions_out else None)
    predictions = _prediction_replay(args, inputs)
    with progress_bar(console, "replaying") as advance:
        days = [without_trip_descriptors(d.day) if args.ignore_trip_descriptors else d.day
                for d in inputs.days]
        result = replay_days(inputs.network, days,
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
    if inputs.taps is not None:
        _replay_flow(out, console, args, inputs, result)
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


def _read_inputs(args: argparse.Namespace, console: Console, pseudonym_key: bytes) -> _Inputs:
    try:
        report_columns = parse_column_map(args.columns, ReportColumns())
        truth_columns = parse_column_map(args.truth_columns, PassageColumns())
    except ValueError as exc:
        raise ReplayInputError(str(exc)) from None
    tap_columns = _tap_columns(args)
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
    taps = _read_taps(args, console, network, len(days), tap_columns, pseudonym_key)
    flow_truth = _read_flow_truth(args, network, taps)
    return _Inputs(network, days, assignments, truth, taps, flow_truth)


def _tap_columns(args: argparse.Namespace) -> TapColumns | None:
    """The tap columns, None without --taps; refuses flow options without taps."""
    if args.taps is None:
        if args.flow_out or args.flow_truth or args.tap_columns:
            raise ReplayInputError("--flow-out, --flow-truth and --tap-columns need --taps "
                                   "(one tap file per replayed day)")
        return None
    try:
        return parse_column_map(args.tap_columns, TapColumns())
    except ValueError as exc:
        raise ReplayInputError(f"--tap-columns: {exc}") from None


def _read_taps(args: argparse.Namespace, console: Console, network: Network, days: int,
               columns: TapColumns | None, key: bytes) -> list[DayTaps] | None:
    if columns is None:
        return None
    if len(args.taps) != days:
        raise ReplayInputError(f"--taps: {len(args.taps)} tap file(s) for {days} replayed "
                               f"day(s); give one per day, in the order of --reports")
    try:
        read = read_day_taps(args.taps, columns, key, network.timezone)
    except MissingTapColumns as exc:
        raise ReplayInputError(f"--taps: {exc.path}: missing column(s) {exc.missing} "
                               f"(name the file's columns with --tap-columns)") from None
    except TapFileError as exc:
        raise ReplayInputError(f"--taps: {exc}") from None
    for day in read:
        line = (f"{day.path}: {day.rows:,} tap rows, {len(day.taps):,} taps, "
                f"{len(day.problems):,} rows left out")
        if day.repeated:
            line += f", {day.repeated:,} taps left out as an earlier day's (same transaction id)"
        console.print(line, highlight=False, soft_wrap=True)
        for problem in day.problems[:SHOWN_TAP_PROBLEMS]:
            console.print(f"  line {problem.line}: {problem.reason}", highlight=False,
                          soft_wrap=True)
        if len(day.problems) > SHOWN_TAP_PROBLEMS:
            console.print(f"  ... and {len(day.problems) - SHOWN_TAP_PROBLEMS:,} more",
                          highlight=False)
    return read


def _read_flow_truth(args: argparse.Namespace, network: Network,
                     taps: list[DayTaps] | None) -> Mapping[str, TrueJourney] | None:
    if not args.flow_truth or taps is None:
        return None
    try:
        truth = read_true_journeys(args.flow_truth, network)
    except (BadReplayFile, OSError) as exc:
        raise ReplayInputError(f"--flow-truth: {exc}") from None
    missing = list_untruthed(taps, truth)
    if missing:
        raise ReplayInputError(f"--flow-truth: {len(missing):,} taps have no journey in it "
                               f"(e.g. transaction {missing[0]!r}): the truth of other days?")
    return truth


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
    if result.descriptors:
        named = ", ".join(f"{outcome} {count:,}" for outcome, count in result.descriptors.items())
        out.print(f"trip descriptors (reports): {named}", highlight=False)
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


def _replay_flow(out: Console, console: Console, args: argparse.Namespace, inputs: _Inputs,
                 result: ReplayResult) -> None:
    assert inputs.taps is not None
    with steps(console, "inferring the flow of the taps"):
        flows = infer_replayed_flows(inputs.network, result.days, inputs.taps)
    for replayed in flows:
        print_flow(out, replayed)
        if inputs.flow_truth is not None:
            print_flow_score(out, score_replayed_flow(inputs.network, replayed, inputs.flow_truth),
                             inputs.network.timezone)
    if args.flow_out:
        rows = write_flow_csv(flows, args.flow_out, inputs.network.timezone)
        out.print(f"{rows:,} taps written to {args.flow_out}", highlight=False)
