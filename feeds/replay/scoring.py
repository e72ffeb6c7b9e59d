"""Putting a replay's stop events and a truth on the same footing before scoring.

The score itself is the core's (``transit.tracking.scoring``); this module
only prepares its inputs: truth whose ``stop_sequence`` is a pattern index
(the simulator's files) mapped to GTFS sequences, and, for a real feed that
names its trips, the day's vehicle-to-block assignments the feed implies.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

from feeds.gtfsrt.decode import ObservedReport
from transit.model.network import Network
from transit.model.service_days import service_day_origin
from transit.records import StopEvent
from transit.tracking.scoring import StopEventScore, TruePassage, score_stop_events

MAX_EXAMPLES = 5


class TruthMismatch(ValueError):
    """Truth naming trips or stops the network does not have."""

    def __init__(self, count: int, examples: Sequence[str]) -> None:
        super().__init__(f"{count} true passage(s) do not fit the GTFS: " + "; ".join(examples))
        self.count = count
        self.examples = tuple(examples)


@dataclass(frozen=True, slots=True)
class DerivedAssignments:
    """Vehicle -> block per service date, as a feed's own trip ids imply."""

    assignments: Mapping[tuple[date, str], str]
    # (service date, vehicle) seen on trips of several blocks: the block it
    # reported most is kept, since the tracker takes one block per vehicle and day.
    several_blocks: tuple[tuple[date, str], ...]


def index_to_gtfs_sequences(passages: Iterable[TruePassage], network: Network) -> list[TruePassage]:
    """Passages whose ``stop_sequence`` is the 1-based index of the stop in the
    trip's pattern, with GTFS's sequence instead. Raises ``TruthMismatch`` when
    a trip is unknown or an index is past its pattern's end."""
    mapped: list[TruePassage] = []
    problems: list[str] = []
    count = 0
    for passage in passages:
        trip = network.trips.get(passage.trip_id)
        pattern = network.patterns[trip.pattern_id] if trip is not None else None
        if pattern is None or not 1 <= passage.stop_sequence <= len(pattern.stop_ids):
            count += 1
            if len(problems) < MAX_EXAMPLES:
                what = "unknown trip" if pattern is None else "stop index out of range"
                problems.append(f"{what}: trip {passage.trip_id} stop {passage.stop_sequence}")
            continue
        mapped.append(TruePassage(passage.trip_id, pattern.sequence_at(passage.stop_sequence - 1),
                                  passage.arrival, passage.departure, passage.vehicle_id))
    if count:
        raise TruthMismatch(count, problems)
    return mapped


def first_sequences(network: Network) -> dict[str, int]:
    """trip_id -> GTFS stop_sequence of its first stop (scored on departure)."""
    return {t.trip_id: network.patterns[t.pattern_id].sequence_at(0)
            for t in network.trips.values()}


def score(events: Iterable[StopEvent], truth: Iterable[TruePassage], network: Network) -> StopEventScore:
    return score_stop_events(events, truth, first_sequences(network))


def assignments_from_feed(observed: Iterable[ObservedReport], network: Network) -> DerivedAssignments:
    """Each vehicle's block on each service date: the block of the trips its
    reports named. Reports naming no trip, or a trip without a block or unknown
    to the network, say nothing."""
    zone = ZoneInfo(network.timezone)
    origins: dict[date, float] = {}
    votes: dict[tuple[date, str], Counter[str]] = {}
    for item in observed:
        trip = network.trips.get(item.trip_id or "")
        if trip is None or not trip.block_id:
            continue
        day = _service_date(item.report.timestamp, trip.start, zone, network.timezone, origins)
        votes.setdefault((day, item.report.vehicle_id), Counter())[trip.block_id] += 1
    assignments = {key: counts.most_common(1)[0][0] for key, counts in votes.items()}
    several = tuple(sorted(key for key, counts in votes.items() if len(counts) > 1))
    return DerivedAssignments(MappingProxyType(assignments), several)


def _service_date(t: float, trip_start: int, zone: ZoneInfo, timezone: str,
                  origins: dict[date, float]) -> date:
    """The service day whose run of the trip lies nearest ``t``: a trip after
    midnight belongs to the day before the calendar date."""
    local = datetime.fromtimestamp(t, zone).date()
    best = local
    best_gap = float("inf")
    for day in (local - timedelta(days=1), local):
        if day not in origins:
            origins[day] = service_day_origin(day, timezone).timestamp()
        gap = abs(origins[day] + trip_start - t)
        if gap < best_gap:
            best, best_gap = day, gap
    return best
