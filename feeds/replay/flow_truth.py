"""Scoring the replay's flow (``--flow-truth``) against the true journeys: the
simulator's ``truth_journeys.csv``, one row per tap, keyed by its transaction
id (the tap's ``tap_id``, which the simulator's taps.csv carries too).

The scores are ``transit.flow.scoring``'s, which the benchmark
(``scripts/bench_flow.py``) prints too. The true riders per segment are
counted from the journeys; a truth of journeys has no departure times, so
trips are put in the peak hour by the flow's own (tracked; scheduled where the
trip was not tracked), the same for estimate and truth.

A truth file is a reference (``readers``' error policy): any bad row stops
the read, every bad row listed. Its rows must be of the network replayed: a
trip it lacks, or a stop that is not the trip's at that sequence, is a bad row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from feeds.replay import csvfields as fields
from feeds.replay.flow import ReplayedFlow
from feeds.replay.readers import BadReplayFile, BadRow
from feeds.replay.taps import DayTaps
from transit.flow.scoring import (
    Departure, FlowScore, PeakErrors, PeakLoad, TrueJourney, peak_errors, peak_hour,
    peak_per_line, score_flow, score_peak_loads, true_segments,
)
from transit.model.network import Network
from transit.model.service_days import to_unix

# The simulator's truth_journeys.csv columns read (sequences: 1-based pattern indexes).
TXN_ID = "tap_id"
JOURNEY_COLUMNS = (TXN_ID, "trip_id", "board_stop_id", "board_sequence", "boarded_at",
                   "alight_sequence")


@dataclass(frozen=True)
class FlowTruthScore:
    """One replayed day's flow against the truth of its taps."""

    label: str
    flow: FlowScore
    hour: tuple[float, float] | None  # the peak hour (Unix s); None: no boarding placed
    lines: tuple[PeakLoad, ...]  # each line's peak-load point in that hour
    errors: PeakErrors | None


def read_true_journeys(paths: Iterable[Path], network: Network) -> dict[str, TrueJourney]:
    """The true journeys of the files by transaction id. Raises ``BadReplayFile``."""
    journeys: dict[str, TrueJourney] = {}
    for path in paths:
        problems: list[BadRow] = []
        try:
            for line, row in fields.rows(path, JOURNEY_COLUMNS):
                try:
                    journey = _journey(row, network)
                except fields.RowError as exc:
                    problems.append(BadRow(str(path), line, str(exc)))
                    continue
                if journey.tap_id in journeys:
                    problems.append(BadRow(str(path), line, f"{TXN_ID} {journey.tap_id!r} "
                                           "is a second journey of that tap"))
                journeys[journey.tap_id] = journey
        except fields.MissingColumns as exc:
            raise BadReplayFile(exc.file, [BadRow(exc.file, 1, str(exc))]) from None
        if problems:
            raise BadReplayFile(str(path), problems)
    return journeys


def _journey(row: Mapping[str, str | None], network: Network) -> TrueJourney:
    trip_id = fields.text(row, "trip_id")
    trip = network.trips.get(trip_id)
    if trip is None:
        raise fields.RowError(f"trip_id {trip_id!r} is not a trip of the network replayed")
    stops = network.patterns[trip.pattern_id].stop_ids
    board, alight = fields.integer(row, "board_sequence"), fields.integer(row, "alight_sequence")
    if not 1 <= board < alight <= len(stops):
        raise fields.RowError(f"board_sequence {board} and alight_sequence {alight} must "
                              f"satisfy 1 <= board < alight <= {len(stops)} (stops of {trip_id})")
    stop_id = fields.text(row, "board_stop_id")
    if stops[board - 1] != stop_id:
        raise fields.RowError(f"board_stop_id {stop_id!r} is not stop {board} of {trip_id} "
                              f"({stops[board - 1]!r})")
    return TrueJourney(fields.text(row, TXN_ID), trip_id, stop_id, board - 1, alight - 1,
                       fields.instant(row, "boarded_at"))


def list_untruthed(days: Sequence[DayTaps], truth: Mapping[str, TrueJourney]) -> list[str]:
    """The transaction ids of taps the truth has no journey for."""
    return [t.tap_id for day in days for t in day.taps if t.tap_id not in truth]


def score_replayed_flow(network: Network, replayed: ReplayedFlow,
                        truth: Mapping[str, TrueJourney]) -> FlowTruthScore:
    """``replayed`` against the journeys of its taps (``truth`` holds them all)."""
    flow = replayed.flow
    day_truth = {t.tap_id: truth[t.tap_id] for t in replayed.taps.taps}
    score = score_flow(flow.boardings, flow.chains.alightings, day_truth)
    if not flow.boardings:
        return FlowTruthScore(replayed.label, score, None, (), None)
    hour = peak_hour((j.boarded_at for j in day_truth.values()), network.timezone)
    segments = true_segments(day_truth.values(), _departures(network, replayed))
    lines = peak_per_line(score_peak_loads(network, flow.loads, segments, hour))
    return FlowTruthScore(replayed.label, score, hour, tuple(lines), peak_errors(lines))


def _departures(network: Network, replayed: ReplayedFlow) -> Departure:
    """When each trip left each segment's first stop: the flow's (tracked), else
    scheduled on the day's service date (that of most boardings)."""
    flow = replayed.flow
    known = {(s.trip_id, s.segment): s.departure for s in flow.loads}
    day = Counter(b.service_date for b in flow.boardings).most_common(1)[0][0]

    def departure(trip_id: str, segment: int) -> float:
        found = known.get((trip_id, segment))
        if found is not None:
            return found
        return to_unix(day, network.trips[trip_id].departures[segment], network.timezone)

    return departure
