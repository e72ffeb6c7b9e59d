"""Scoring an inferred day of flow against the true journeys and loads.

Every share is of all taps given, so a tap left unplaced or unchained counts
against the method. A boarding is right when its trip and stop are; an
alighting is exact on the true stop of the true trip, and within one stop when
it is on the true trip and at most one stop from the true one. Loads are
compared at each line and direction's peak-load point in a given hour: the
segment where the true riders through it, summed over the trips that left its
first stop in that hour, are most. Trips are put in the hour by one departure
per segment, the same for estimate and truth, so both sum the same trips: the
true one where the truth has it (the simulator's passages), else the tracked
one (a truth of journeys only, as the replay's ``--flow-truth``).

The true riders per segment come from the true journeys (``true_segments``):
a rider is on board from the boarding stop to the stop before the alighting.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from transit.flow.boarding import Boarding
from transit.flow.chaining import Alighting
from transit.flow.loads import SegmentLoad
from transit.model.network import Network


@dataclass(frozen=True, slots=True)
class TrueJourney:
    tap_id: str
    trip_id: str
    board_stop_id: str
    board_index: int  # stop index in the trip's pattern, from 0
    alight_index: int
    boarded_at: float  # Unix s


@dataclass(frozen=True, slots=True)
class TrueSegment:
    """Riders on board from stop ``segment`` to the next, as the bus left it."""

    trip_id: str
    segment: int
    departure: float  # Unix s
    load: int


@dataclass(frozen=True, slots=True)
class FlowScore:
    taps: int
    boarding_right: int  # trip and stop
    boarding_stop_right: int  # stop, whatever the trip
    alighting_inferred: int
    alighting_exact: int
    alighting_within_one: int

    def share(self, count: int) -> float:
        return count / self.taps if self.taps else 0.0

    @property
    def within_one_share(self) -> float:
        """Of the inferred alightings, the share within one stop of the truth."""
        return self.alighting_within_one / self.alighting_inferred if self.alighting_inferred else 0.0

    @property
    def exact_share(self) -> float:
        return self.alighting_exact / self.alighting_inferred if self.alighting_inferred else 0.0


@dataclass(frozen=True, slots=True)
class PeakLoad:
    """One line and direction's peak-load point in the hour: true and estimated riders."""

    pattern_id: str
    route_id: str
    direction_id: int
    segment: int
    from_stop_id: str
    true_riders: int
    estimated: float

    @property
    def error(self) -> float:
        """Estimated less true, as a share of true."""
        return (self.estimated - self.true_riders) / self.true_riders


def score_flow(boardings: Iterable[Boarding], alightings: Mapping[str, Alighting],
               truth: Mapping[str, TrueJourney]) -> FlowScore:
    """``truth`` by tap_id holds every tap of the day."""
    right = stop_right = exact = within = 0
    trips: dict[str, str] = {}
    for boarding in boardings:
        true = truth[boarding.tap_id]
        trips[boarding.tap_id] = boarding.trip_id
        stop_right += boarding.stop_id == true.board_stop_id
        right += boarding.trip_id == true.trip_id and boarding.stop_index == true.board_index
    for alighting in alightings.values():
        true = truth[alighting.tap_id]
        if trips[alighting.tap_id] == true.trip_id:
            exact += alighting.stop_index == true.alight_index
            within += abs(alighting.stop_index - true.alight_index) <= 1
    return FlowScore(len(truth), right, stop_right, len(alightings), exact, within)


def score_peak_loads(network: Network, loads: Iterable[SegmentLoad],
                     truth: Iterable[TrueSegment], hour: tuple[float, float]) -> list[PeakLoad]:
    """Per pattern (line, direction, and variant) with riders in ``hour``
    (Unix s, from and to)."""
    start, end = hour
    in_hour: set[tuple[str, int]] = set()  # (trip, segment)
    true_riders: dict[tuple[str, int], int] = {}  # (pattern, segment) -> riders
    for segment in truth:
        if start <= segment.departure < end:
            in_hour.add((segment.trip_id, segment.segment))
            key = (network.trips[segment.trip_id].pattern_id, segment.segment)
            true_riders[key] = true_riders.get(key, 0) + segment.load
    estimated: dict[tuple[str, int], float] = {}
    for load in loads:
        if (load.trip_id, load.segment) in in_hour:
            key = (network.trips[load.trip_id].pattern_id, load.segment)
            estimated[key] = estimated.get(key, 0.0) + load.load
    peaks: dict[str, tuple[int, int]] = {}  # pattern -> (segment, riders)
    for (pattern_id, segment), riders in true_riders.items():
        best = peaks.get(pattern_id)
        if riders > 0 and (best is None or riders > best[1]):
            peaks[pattern_id] = (segment, riders)
    scores = []
    for pattern_id, (segment, riders) in sorted(peaks.items()):
        pattern = network.patterns[pattern_id]
        scores.append(PeakLoad(pattern_id, pattern.route_id, pattern.direction_id, segment,
                               pattern.stop_ids[segment], riders,
                               round(estimated.get((pattern_id, segment), 0.0), 1)))
    return scores


def peak_per_line(peaks: Iterable[PeakLoad]) -> list[PeakLoad]:
    """Each line's peak-load point: of its directions' (and variants'), the one
    with the most true riders."""
    best: dict[str, PeakLoad] = {}
    for peak in peaks:
        if peak.route_id not in best or peak.true_riders > best[peak.route_id].true_riders:
            best[peak.route_id] = peak
    return [best[r] for r in sorted(best)]


Departure = Callable[[str, int], float]  # (trip id, segment) -> Unix s


def true_segments(journeys: Iterable[TrueJourney], departure: Departure) -> list[TrueSegment]:
    """The true riders over each segment ridden, from the true journeys; a
    segment nobody rode is left out (it can be no peak)."""
    riders: Counter[tuple[str, int]] = Counter()
    for journey in journeys:
        for segment in range(journey.board_index, journey.alight_index):
            riders[(journey.trip_id, segment)] += 1
    return [TrueSegment(trip_id, segment, departure(trip_id, segment), load)
            for (trip_id, segment), load in sorted(riders.items())]


def peak_hour(boarded_at: Iterable[float], timezone: str) -> tuple[float, float]:
    """The clock hour (Unix s, from and to) with the most true boardings; the
    earliest of equals. Raises ``ValueError`` when there is no boarding."""
    zone = ZoneInfo(timezone)
    hours = Counter(datetime.fromtimestamp(t, zone).replace(minute=0, second=0, microsecond=0)
                    .timestamp() for t in boarded_at)
    if not hours:
        raise ValueError("no boarding: no peak hour")
    start = min(hours, key=lambda h: (-hours[h], h))
    return start, start + 3600


@dataclass(frozen=True, slots=True)
class PeakErrors:
    """How far the estimates at the peak-load points are from the truth."""

    points: int
    within: int  # with |error| at most ``tolerance``
    tolerance: float
    median: float  # of |error|, shares of the true riders
    p90: float
    max: float


def peak_errors(peaks: Sequence[PeakLoad], tolerance: float = 0.10) -> PeakErrors | None:
    """None when there is no peak to judge."""
    if not peaks:
        return None
    errors = np.array([abs(p.error) for p in peaks])
    return PeakErrors(len(peaks), int((errors <= tolerance).sum()), tolerance,
                      float(np.median(errors)), float(np.percentile(errors, 90)),
                      float(errors.max()))
