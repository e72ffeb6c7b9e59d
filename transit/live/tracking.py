"""The single writer of live vehicle state (OpenTripPlanner's pattern).

Ingest submits reports and taps as they arrive, while their commit runs (a
sign need not wait for the disk; a report lost to a crash before its commit was
never acknowledged and comes again, and tracking drops the repeat); one task
applies them, in order, to the tracker and the crowding book (a tap is a rider
on the bus where the tracker has it then), keeps the departures among the stop
events it completes (``transit.tracking.departures``: the console's headways),
hands those events to a sink, and publishes a new immutable snapshot; readers
only ever read ``snapshot``.
Replay calls ``apply`` directly with its simulated clock: the same path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from transit.flow.crowding import NO_CROWDING, Crowding
from transit.freshness import LIVE_MAX_AGE_S
from transit.live.crowding import CrowdingBook
from transit.live.latency import LatencyHistogram
from transit.prediction.accuracy import MethodAccuracy
from transit.prediction.ensemble import Predicts, SelfCheckingPredictor
from transit.prediction.publish import EMPTY_BOARD, PredictionBoard, update_board_batch, withdraw_stale
from transit.records import StopEvent, Tap, VehicleReport
from transit.tracking.departures import NO_DEPARTURES, DepartureBook, RecentDepartures
from transit.tracking.state import VehicleState
from transit.tracking.tracker import Tracker

EventSink = Callable[[Sequence[StopEvent]], None]
Item = VehicleReport | Tap
# Predictions from a bus not heard for this long are withdrawn, never frozen.
# Sweeping the whole board for stale predictions each batch would cost more
# than the batch; readers filter by age anyway (the TripUpdates feed does).
SWEEP_EVERY_S = 5.0
# A vehicle is predicted again at most this often (of the service clock), or at
# once when it passes a stop. Real terminals report every 5-30 s; under a flood
# (a backlog sent at once, a terminal reporting many times a second) each bus
# would otherwise be predicted for every report, and prediction is the costliest
# step of the write path.
PREDICT_EVERY_S = 1.0


@dataclass(frozen=True)
class LiveSnapshot:
    at: float  # the clock when the snapshot was made, Unix seconds
    vehicles: Mapping[str, VehicleState] = field(default_factory=lambda: MappingProxyType({}))
    outcomes: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    # What the reports' trip descriptors did, by outcome (transit.tracking.descriptors).
    descriptors: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    predictions: PredictionBoard = EMPTY_BOARD
    # How each prediction method has done lately (when the predictor checks
    # itself), refreshed every SWEEP_EVERY_S.
    accuracy: tuple[MethodAccuracy, ...] = ()
    # Each bus's on-board estimate on its current or last trip, by vehicle id
    # (``transit.flow.crowding.find_crowding`` reads it for a trip).
    crowding: Mapping[str, Crowding] = field(default_factory=lambda: NO_CROWDING)
    # The last hour's departures from each stop, by line and direction (the
    # console's headways and terminal alarms are measured from them).
    departures: RecentDepartures = NO_DEPARTURES

    def list_live(self, now: float, max_age_s: float) -> list[VehicleState]:
        """Vehicles heard from within ``max_age_s`` of ``now``; older ones are
        stale and never shown as if they were still moving."""
        return sorted(
            (v for v in self.vehicles.values() if now - max_age_s <= v.timestamp <= now + 60),
            key=lambda v: v.vehicle_id,
        )


class LiveTracking:
    def __init__(self, tracker: Tracker, clock: Callable[[], float],
                 on_events: EventSink | None = None, predictor: Predicts | None = None,
                 crowding: CrowdingBook | None = None) -> None:
        self._tracker = tracker
        self.crowding = crowding if crowding is not None else CrowdingBook(tracker.network)
        self._departures = DepartureBook(tracker.network)
        self._predictor = predictor
        self._board = EMPTY_BOARD
        self._next_sweep = -float("inf")
        self._accuracy: tuple[MethodAccuracy, ...] = ()
        self._unpredicted: dict[str, VehicleState] = {}  # moved since last predicted
        self._predicted_at: dict[str, float] = {}
        self._clock = clock
        self._on_events = on_events
        self._queue: asyncio.Queue[Sequence[Item]] = asyncio.Queue()
        self._vehicles: dict[str, VehicleState] = {}
        self.latency = LatencyHistogram()
        self.snapshot = LiveSnapshot(at=clock())

    def submit(self, items: Sequence[Item]) -> None:
        self._queue.put_nowait(items)

    def apply(self, reports: Sequence[Item]) -> list[StopEvent]:
        """Apply reports and taps in order; publish one snapshot for all of them."""
        events = self._observe(reports)
        now = self._clock()
        if self._predictor is not None:
            self._board = self._predict(now)
        for report in reports:
            if isinstance(report, VehicleReport):
                self.latency.add(max(0.0, now - report.received_at))
        self.snapshot = LiveSnapshot(
            at=now,
            vehicles=MappingProxyType(dict(self._vehicles)),
            outcomes=MappingProxyType({o.value: n for o, n in self._tracker.counts.items()}),
            descriptors=MappingProxyType({o.value: n for o, n in self._tracker.descriptor_counts.items()}),
            predictions=self._board,
            accuracy=self._accuracy,
            crowding=self.crowding.publish(),
            departures=self._departures.publish(),
        )
        if events and self._on_events is not None:
            self._on_events(events)
        return events

    def _predict(self, now: float) -> PredictionBoard:
        """The board with every moved vehicle that is due predicted again."""
        assert self._predictor is not None
        due = [v for v in self._unpredicted
               if now - self._predicted_at.get(v, -float("inf")) >= PREDICT_EVERY_S]
        predictions = {}
        for vehicle_id in due:
            predictions[vehicle_id] = self._predictor.predict(self._unpredicted.pop(vehicle_id))
            self._predicted_at[vehicle_id] = now
        board = update_board_batch(self._board, predictions, now)
        if now >= self._next_sweep:
            board = withdraw_stale(board, now, LIVE_MAX_AGE_S)
            self._next_sweep = now + SWEEP_EVERY_S
            for vehicle_id in [v for v, at in self._predicted_at.items() if at < now - LIVE_MAX_AGE_S]:
                del self._predicted_at[vehicle_id]
            if isinstance(self._predictor, SelfCheckingPredictor):
                self._accuracy = tuple(self._predictor.accuracy.list_all())
        return board

    def restore(self, reports: Sequence[Item]) -> list[StopEvent]:
        """Apply reports received before a restart, in their order: the tracker
        and the predictor's learning as they were, but no prediction, snapshot
        or latency for them (``apply([])`` afterwards publishes the result)."""
        events = self._observe(reports)
        if events and self._on_events is not None:
            self._on_events(events)
        return events

    def _observe(self, reports: Sequence[Item]) -> list[StopEvent]:
        """Move the tracker, the predictor's learning and the crowding book on
        by ``reports`` (and taps), timed by when each was received."""
        events: list[StopEvent] = []
        for report in reports:
            if isinstance(report, Tap):
                self.crowding.tap(report, self._vehicles.get(report.vehicle_id), report.received_at)
                continue
            observation = self._tracker.observe(report)
            if observation.state is not None:
                self._vehicles[report.vehicle_id] = observation.state
                self.crowding.moved(observation.state, report.received_at)
                if self._predictor is not None:
                    self._unpredicted[report.vehicle_id] = observation.state
            events.extend(observation.events)
            if observation.events:
                self.crowding.passed(observation.events, report.received_at)
                self._departures.add(observation.events)
            if self._predictor is not None and observation.events:
                self._predictor.observe(observation.events)
                self._predicted_at.pop(report.vehicle_id, None)  # it passed a stop: now
        return events

    async def run(self) -> None:
        """Apply queued reports until cancelled; what queued up meanwhile is
        applied at once, so a burst costs one snapshot, not one per batch."""
        while True:
            pending = [await self._queue.get()]
            while not self._queue.empty():
                pending.append(self._queue.get_nowait())
            self.apply([r for batch in pending for r in batch])

    async def settle(self) -> None:
        """Wait until everything submitted so far is applied (tests, shutdown)."""
        while not self._queue.empty():
            await asyncio.sleep(0)
