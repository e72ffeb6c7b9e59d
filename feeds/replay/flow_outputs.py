"""What the replay writes and prints of the flow: one row per tap as CSV
(``--flow-out``), where each day's taps went, and its scores against the truth.

Rows (``FLOW_COLUMNS``; times Unix seconds): a placed tap has its trip,
boarding stop and the confidence of that placement; ``board_time`` is the
tap's time with its reader's clock offset taken off; an alighting stop and the
bus's arrival there where trip chaining found one, empty where not (never
guessed). A tap that could not be placed (no tracked trip of its vehicle, too
far from every dwell) keeps its row: trip and stops empty, confidence 0, its
service day that of its corrected time. Card ids are the keyed hashes.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table

from feeds.replay.flow import ReplayedFlow
from feeds.replay.flow_truth import FlowTruthScore
from transit.model.service_days import service_day_of

FLOW_COLUMNS = ("txn_id", "card_hash", "vehicle_id", "service_date", "trip_id", "board_stop_id",
                "board_time", "alight_stop_id", "alight_time", "confidence")
# Readers whose clock is this far off are counted in the summary.
CLOCK_OFF_S = 30.0


def flow_rows(replayed: ReplayedFlow, timezone: str) -> Iterator[tuple[str, ...]]:
    """One row per tap of the day, in file order."""
    flow = replayed.flow
    boardings = {b.tap_id: b for b in flow.boardings}
    alightings = flow.chains.alightings
    for tap in replayed.taps.taps:
        boarding = boardings.get(tap.tap_id)
        if boarding is None:
            clock = flow.clocks.get(tap.vehicle_id)
            corrected = tap.timestamp - (clock.offset_s if clock is not None else 0.0)
            yield (tap.tap_id, tap.account_hash, tap.vehicle_id,
                   service_day_of(corrected, timezone).isoformat(), "", "", repr(corrected),
                   "", "", "0")
            continue
        alighting = alightings.get(tap.tap_id)
        yield (tap.tap_id, tap.account_hash, tap.vehicle_id, boarding.service_date.isoformat(),
               boarding.trip_id, boarding.stop_id, repr(boarding.time),
               "" if alighting is None else alighting.stop_id,
               "" if alighting is None or alighting.time is None else repr(alighting.time),
               repr(boarding.confidence))


def write_flow_csv(flows: Iterable[ReplayedFlow], path: Path, timezone: str) -> int:
    """Write every tap's row; returns the number of rows."""
    count = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(FLOW_COLUMNS)
        for replayed in flows:
            for row in flow_rows(replayed, timezone):
                writer.writerow(row)
                count += 1
    return count


def print_flow(out: Console, replayed: ReplayedFlow) -> None:
    """Where the day's taps went: placed, chained, and why not."""
    counts = replayed.flow.counts
    clocks = replayed.flow.clocks.values()
    off = sum(c.estimated and abs(c.offset_s) >= CLOCK_OFF_S for c in clocks)
    out.print(f"flow of {replayed.label} ({replayed.taps.path.name}): {counts.taps:,} taps in "
              f"{replayed.seconds:.1f} s; boarding stop found for {counts.placed:,} "
              f"({_share(counts.placed, counts.taps)}; not placed: {_reasons(counts.unplaced)}); "
              f"alighting stop inferred for {counts.chained:,} ({counts.chained_share:.2%}; "
              f"not chained: {_reasons(counts.unchained)}); reader clocks off by "
              f"{CLOCK_OFF_S:.0f} s or more: {off} of {len(clocks)}", highlight=False)


def print_flow_score(out: Console, score: FlowTruthScore, timezone: str) -> None:
    """The day's scores against the true journeys, and each line's peak-load point."""
    s = score.flow
    out.print(f"flow of {score.label} against the truth: boarding stop right for "
              f"{s.share(s.boarding_stop_right):.2%} of {s.taps:,} taps (with its trip "
              f"{s.share(s.boarding_right):.2%}); alighting stop inferred for "
              f"{s.share(s.alighting_inferred):.2%} of taps, of those exact {s.exact_share:.2%}, "
              f"within one stop {s.within_one_share:.2%}", highlight=False)
    e = score.errors
    if score.hour is None or e is None:
        out.print("segment loads: no boarding placed, no peak-load point to compare",
                  highlight=False)
        return
    zone = ZoneInfo(timezone)
    start, end = (datetime.fromtimestamp(t, zone).strftime("%H:%M") for t in score.hour)
    out.print(f"segment load at each line's peak-load point, peak hour {start}-{end} (riders "
              f"over the segment on trips leaving it in the hour): {e.within} of {e.points} "
              f"lines within {e.tolerance:.0%}; |error| median {e.median:.1%}, p90 "
              f"{e.p90:.1%}, max {e.max:.1%}", highlight=False)
    table = Table("line", "dir", "segment from", "true riders", "estimated", "error")
    for p in score.lines:
        table.add_row(p.route_id, str(p.direction_id), p.from_stop_id, f"{p.true_riders:,}",
                      f"{p.estimated:,.1f}", f"{p.error:+.1%}")
    out.print(table)


def _share(count: int, total: int) -> str:
    return f"{count / total:.2%}" if total else "-"


def _reasons(counts: Mapping[str, int]) -> str:
    ordered = sorted(counts.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{k} {v:,}" for k, v in ordered if v) or "none"
