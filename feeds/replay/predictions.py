"""Arrival predictions during a replay, published and scored as a consumer would see them.

The predictor follows the live path (DESIGN.md rule 2): after each batch the
single writer applies, it observes the stop events the batch completed and,
for each vehicle of the batch, predicts from the vehicle's live state. A
prediction is published (recorded) at most every ``publish_every_s`` seconds
of fix time per vehicle, as a consumer polling the feed would see it; the two
baselines (schedule only; delay carried forward) are computed from the same
state at the same instants. Predictions made from a report therefore use only
what was received up to it.

Days are learned in order: the tracker's stop events of day N go into
``learn_history`` before day N + 1 starts, and each day gets a fresh
``Predictor`` on the history learned so far (today's conditions start empty).

Scoring truth, in the order of preference the CLI applies: a truth file
(simulated), the passages observed in reports that name their trips
(``truth.observed_passages``), else the tracker's own stop events of the day.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from feeds.replay.runner import DayResult, ReplayDay
from feeds.replay.scoring import first_sequences
from feeds.replay.sources import LoadedDay
from feeds.replay.truth import observed_passages
from transit.live.tracking import LiveSnapshot
from transit.model.network import Network
from transit.model.service_days import active_service_ids
from transit.prediction.accuracy import Accuracy
from transit.prediction.baselines import delay_carried_forward, schedule_only
from transit.prediction.ensemble import DCF, MODEL, PUBLISHED, SCHEDULE, EnsembleParams, SelfCheckingPredictor
from transit.prediction.calibration import BandCalibrator
from transit.prediction.history import History, learn_history
from transit.prediction.predictor import PredictionParams, Predictor
from transit.prediction.scoring import BucketScore, PredictionRecord, score_predictions, to_records
from transit.records import StopEvent, VehicleReport
from transit.tracking.scoring import TruePassage
from transit.tracking.state import VehicleState

METHODS = (MODEL, DCF, SCHEDULE, PUBLISHED)
# Predictions are recorded this far ahead of when they were made: the scoring
# buckets stop at 30 min, and beyond that a file of every publication explodes.
RECORD_HORIZON_S = 1800.0

ActualTimes = Mapping[tuple[date, str, int], float]  # (service date, trip, stop sequence) -> Unix s


class TruthSource(enum.StrEnum):
    FILE = "truth file"
    OBSERVED = "passages observed in the reports (trip ids of the feed)"
    STOP_EVENTS = "the tracker's own stop events"


@dataclass(frozen=True, slots=True)
class DayPredictions:
    """The published predictions of one scored day, per method."""

    index: int  # 0-based position among the replayed days
    label: str
    history_days: tuple[date, ...]  # the days learned before this one
    records: Mapping[str, tuple[PredictionRecord, ...]]  # method -> published records
    publications: int  # (vehicle, instant) pairs published


@dataclass(frozen=True, slots=True)
class PredictionScores:
    """Per method, one score per horizon bucket (``scoring.BUCKETS``)."""

    scores: Mapping[str, tuple[BucketScore, ...]]
    truth: str  # which truth was used, per scored day
    truth_by_day: tuple[TruthSource, ...] = ()  # aligned with the scored days

    def mae_change_vs_dcf(self, bucket: int, method: str = MODEL) -> float:
        """Relative change of ``method``'s MAE against delay carried forward
        (negative: it is better); NaN when either is unknown."""
        ours, theirs = self.scores[method][bucket].mae_s, self.scores[DCF][bucket].mae_s
        return ours / theirs - 1.0 if theirs and theirs == theirs else float("nan")


class PredictionReplay:
    """A ``runner.DayObserver`` that learns each day and records the predictions
    of the days in ``score_days`` (0-based). Read ``days`` after the replay."""

    def __init__(self, network: Network, score_days: Iterable[int], *, publish_every_s: float = 60.0,
                 history: History = History(), params: PredictionParams = PredictionParams(),
                 ensemble: EnsembleParams = EnsembleParams()) -> None:
        if publish_every_s <= 0:
            raise ValueError(f"publication interval must be positive, not {publish_every_s}")
        self._network = network
        self._score_days = frozenset(score_days)
        self._publish_every = publish_every_s
        self._params = params
        self._ensemble = ensemble
        self.history = history
        self.days: list[DayPredictions] = []
        self._services: dict[date, frozenset[str]] = {}
        # The published predictions' judge (and the bands' recent errors)
        # keeps what it learned from day to day, as a service running for days would.
        self.accuracy = Accuracy()
        self.bands = BandCalibrator(ensemble.band)
        self._predictor = Predictor(network, history, params)
        self._checker = SelfCheckingPredictor(network, self._predictor, self.accuracy, ensemble, self.bands)
        self._day: _DayRecorder | None = None

    def start_day(self, index: int, day: ReplayDay) -> None:
        self._predictor = Predictor(self._network, self.history, self._params)
        self._checker = SelfCheckingPredictor(self._network, self._predictor, self.accuracy, self._ensemble,
                                              self.bands)
        self._day = _DayRecorder(index, day.label, self.history.days) if index in self._score_days else None

    def after_batch(self, snapshot: LiveSnapshot, batch: Sequence[VehicleReport],
                    events: Sequence[StopEvent]) -> None:
        self._checker.observe(events)
        if self._day is None:
            return
        for vehicle_id in dict.fromkeys(r.vehicle_id for r in batch):
            state = snapshot.vehicles.get(vehicle_id)
            if state is None or state.trip is None:
                continue
            if state.timestamp - self._day.last_published.get(vehicle_id, -float("inf")) < self._publish_every:
                continue
            self._day.last_published[vehicle_id] = state.timestamp
            self._publish(state, self._day)

    def end_day(self, index: int, result: DayResult) -> None:
        if self._day is not None:
            self.days.append(self._day.result())
            self._day = None
        self.history = learn_history(self._network, result.events, self.history)

    def _publish(self, state: VehicleState, day: _DayRecorder) -> None:
        assert state.trip is not None
        services = self._services.get(state.trip.service_date)
        if services is None:
            services = self._services[state.trip.service_date] = active_service_ids(
                self._network, state.trip.service_date)
        day.publications += 1
        day.records[MODEL] += to_records(self._predictor.predict(state), RECORD_HORIZON_S)
        day.records[DCF] += to_records(delay_carried_forward(self._network, state, services), RECORD_HORIZON_S)
        day.records[SCHEDULE] += to_records(schedule_only(self._network, state, services), RECORD_HORIZON_S)
        day.records[PUBLISHED] += to_records(self._checker.predict(state), RECORD_HORIZON_S)


@dataclass
class _DayRecorder:
    index: int
    label: str
    history_days: tuple[date, ...]
    records: dict[str, list[PredictionRecord]] = field(default_factory=lambda: {m: [] for m in METHODS})
    last_published: dict[str, float] = field(default_factory=dict)
    publications: int = 0

    def result(self) -> DayPredictions:
        return DayPredictions(self.index, self.label, self.history_days,
                              MappingProxyType({m: tuple(r) for m, r in self.records.items()}),
                              self.publications)


def service_dates(day: DayPredictions) -> frozenset[date]:
    return frozenset(r.service_date for r in day.records[MODEL])


def actual_from_passages(passages: Iterable[TruePassage], network: Network,
                         dates: Iterable[date]) -> dict[tuple[date, str, int], float]:
    """Times to score against from passages that carry no service date (a truth
    file, observed passages): each counts for every date in ``dates``, the
    service dates of the day's predictions. A trip's first stop is scored on
    its departure when known (predictions there are departures)."""
    first = first_sequences(network)
    dates = tuple(dates)
    actual: dict[tuple[date, str, int], float] = {}
    for p in passages:
        when = p.departure if p.stop_sequence == first.get(p.trip_id) and p.departure is not None else p.arrival
        for day in dates:
            actual[(day, p.trip_id, p.stop_sequence)] = when
    return actual


def actual_from_events(events: Iterable[StopEvent], network: Network) -> dict[tuple[date, str, int], float]:
    """Times to score against from the tracker's stop events (departure at a
    trip's first stop, else arrival; whichever is known)."""
    first = first_sequences(network)
    actual: dict[tuple[date, str, int], float] = {}
    for e in events:
        departs = e.stop_sequence == first.get(e.trip_id)
        when = (e.departure if departs and e.departure is not None else e.arrival)
        when = when if when is not None else e.departure
        if when is not None:
            actual[(e.service_date, e.trip_id, e.stop_sequence)] = when
    return actual


def score_days(days: Sequence[DayPredictions], actual: ActualTimes, truth: str,
               truth_by_day: Sequence[TruthSource] = ()) -> PredictionScores:
    """Every method's records of ``days`` pooled and scored against ``actual``."""
    scores = {
        method: tuple(score_predictions((r for d in days for r in d.records[method]), actual))
        for method in METHODS
    }
    return PredictionScores(MappingProxyType(scores), truth, tuple(truth_by_day))


def score_replay(network: Network, days: Sequence[DayPredictions], loaded: Sequence[LoadedDay],
                 results: Sequence[DayResult], truth: Sequence[TruePassage] | None = None) -> PredictionScores:
    """Score the recorded ``days`` of a replay of ``loaded`` (which gave
    ``results``), each against the best truth it has (``replay_truth``)."""
    actual, sources = replay_truth(network, days, loaded, results, truth)
    described = "; ".join(f"day {d.index + 1}: {s}" for d, s in zip(days, sources))
    return score_days(days, actual, described, sources)


def replay_truth(network: Network, days: Sequence[DayPredictions], loaded: Sequence[LoadedDay],
                 results: Sequence[DayResult], truth: Sequence[TruePassage] | None = None,
                 ) -> tuple[dict[tuple[date, str, int], float], list[TruthSource]]:
    """The times to score ``days`` against, and where they came from per day:
    ``truth`` (a file) when given, else the passages observed in its reports
    when they name trips, else the tracker's own stop events of that day."""
    actual: dict[tuple[date, str, int], float] = {}
    sources: list[TruthSource] = []
    for day in days:
        observed = [o for o in loaded[day.index].observed if o.trip_id is not None]
        if truth is not None:
            sources.append(TruthSource.FILE)
            actual.update(actual_from_passages(truth, network, service_dates(day)))
        elif observed:
            sources.append(TruthSource.OBSERVED)
            actual.update(actual_from_passages(observed_passages(observed, network), network,
                                               service_dates(day)))
        else:
            sources.append(TruthSource.STOP_EVENTS)
            actual.update(actual_from_events(results[day.index].events, network))
    return actual, sources


def parse_day_numbers(text: str) -> tuple[int, ...]:
    """``2`` or ``2,3``: 1-based day numbers; raises ``ValueError`` otherwise."""
    try:
        numbers = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ValueError(f"expected day numbers like 2 or 2,3, not {text!r}") from None
    if not numbers or min(numbers) < 1:
        raise ValueError(f"day numbers start at 1: {text!r}")
    return numbers
