"""Replay recorded days through the live path on a simulated clock.

Each report's ``received_at`` is the clock: reports are applied through
``LiveTracking.apply`` one simulated second at a time, the way the live single
writer applies what queued up meanwhile, so replay measures the code that runs
live (DESIGN.md rule 2). Days are replayed in order on one tracker, as a
service running through midnight would.

Pure apart from the wall-clock timer it is given (to report reports/s).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from types import MappingProxyType
from typing import Protocol

from transit.live.tracking import LiveSnapshot, LiveTracking
from transit.model.network import Network
from transit.prediction.ensemble import Predicts
from transit.records import StopEvent, VehicleReport
from transit.tracking.tracker import Tracker, TrackingParams

EventKey = tuple[date, str, int]  # (service date, trip id, stop sequence)
Progress = Callable[[int, int], None]  # (reports applied, reports in all days)
SnapshotSink = Callable[[LiveSnapshot], None]



class DayObserver(Protocol):
    """Follows a replay day by day and batch by batch, as the live service's
    next stages follow the single writer (the predictor, in ``predictions``)."""

    def start_day(self, index: int, day: ReplayDay) -> None:
        """Day ``index`` (0-based) is about to be replayed."""

    def after_batch(self, snapshot: LiveSnapshot, batch: Sequence[VehicleReport],
                    events: Sequence[StopEvent]) -> None:
        """``batch`` was applied: ``snapshot`` is the live state after it and
        ``events`` the stop events it completed, as emitted."""

    def end_day(self, index: int, result: DayResult) -> None:
        """Day ``index`` is over; ``result`` holds its stop events."""


# The progress callback is called about this often (in reports): a bar needs
# no more, and calling it per batch would cost more than the batch.
PROGRESS_EVERY = 5_000


@dataclass(frozen=True, slots=True)
class ReplayDay:
    """One recorded day: its reports in receive order and, when the feed named
    them (GTFS-RT), the trip each report claimed (aligned with ``reports``)."""

    label: str
    reports: tuple[VehicleReport, ...]
    feed_trip_ids: tuple[str | None, ...] | None = None

    def __post_init__(self) -> None:
        if self.feed_trip_ids is not None and len(self.feed_trip_ids) != len(self.reports):
            raise ValueError(f"{self.label}: {len(self.feed_trip_ids)} feed trip ids "
                             f"for {len(self.reports)} reports")


def without_trip_descriptors(day: ReplayDay) -> ReplayDay:
    """``day`` with its reports' trip descriptors dropped (the feed's trip ids
    kept for the agreement count): the day as a feed without them would give it."""
    reports = tuple(replace(r, trip_id=None, route_id=None, direction_id=None, start_date=None)
                    for r in day.reports)
    return ReplayDay(day.label, reports, day.feed_trip_ids)


@dataclass(frozen=True, slots=True)
class TripAgreement:
    """How often the tracker's trip for a vehicle, right after a report, was the
    trip that report named (reports naming a trip only)."""

    compared: int
    agreed: int
    unassigned: int  # the tracker had no trip for the vehicle then

    @property
    def share(self) -> float:
        return self.agreed / self.compared if self.compared else 0.0


@dataclass(frozen=True, slots=True)
class DayResult:
    label: str
    reports: int
    seconds: float  # wall time
    raw_events: int  # stop events as emitted, corrections included
    events: tuple[StopEvent, ...]  # the latest correction of each, in first-emitted order
    trip_agreement: TripAgreement | None

    @property
    def reports_per_s(self) -> float:
        return self.reports / self.seconds if self.seconds > 0 else math.inf


@dataclass(frozen=True, slots=True)
class ReplayResult:
    days: tuple[DayResult, ...]
    events: tuple[StopEvent, ...]  # all days, the latest correction of each
    raw_events: int
    outcomes: Mapping[str, int]  # tracker outcome -> reports
    # what the reports' trip descriptors did -> reports (transit.tracking.descriptors)
    descriptors: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def reports(self) -> int:
        return sum(d.reports for d in self.days)

    @property
    def seconds(self) -> float:
        return sum(d.seconds for d in self.days)

    @property
    def reports_per_s(self) -> float:
        return self.reports / self.seconds if self.seconds > 0 else math.inf

    @property
    def trip_agreement(self) -> TripAgreement | None:
        known = [d.trip_agreement for d in self.days if d.trip_agreement is not None]
        if not known:
            return None
        return TripAgreement(sum(a.compared for a in known), sum(a.agreed for a in known),
                             sum(a.unassigned for a in known))


def replay_days(
    network: Network,
    days: Sequence[ReplayDay],
    *,
    assignments: Mapping[tuple[date, str], str] | None = None,
    on_events: Callable[[Sequence[StopEvent]], None] | None = None,
    snapshot_every_s: float | None = None,
    on_snapshot: SnapshotSink | None = None,
    progress: Progress | None = None,
    observer: DayObserver | None = None,
    predictor: Predicts | None = None,
    params: TrackingParams = TrackingParams(),
    timer: Callable[[], float] = time.perf_counter,
) -> ReplayResult:
    """Replay ``days`` in order through one ``LiveTracking``.

    ``on_events`` sees every batch of stop events as the live sink would;
    ``on_snapshot`` gets the live snapshot each time the simulated clock
    passes a multiple of ``snapshot_every_s``; ``progress`` is called with
    (reports applied, total reports); ``observer`` follows each day and batch.
    With ``predictor`` the live state predicts as the service's does, so each
    snapshot holds the prediction board the service would serve.
    """
    clock = _SimulatedClock()
    emitted: list[StopEvent] = []

    def sink(events: Sequence[StopEvent]) -> None:
        emitted.extend(events)
        if on_events is not None:
            on_events(events)

    tracker = Tracker(network, params, assignments=assignments)
    live = LiveTracking(tracker, clock, on_events=sink, predictor=predictor)
    counter = _ProgressCounter(progress, sum(len(d.reports) for d in days))
    snapshots = _Snapshots(snapshot_every_s, on_snapshot)
    results: list[DayResult] = []
    for index, day in enumerate(days):
        if observer is not None:
            observer.start_day(index, day)
        started, first = timer(), len(emitted)
        agreement = _AgreementCount() if day.feed_trip_ids is not None else None
        for batch, trips in _batches(day):
            clock.now = batch[-1].received_at
            applied = live.apply(batch)
            if observer is not None:
                observer.after_batch(live.snapshot, batch, applied)
            if agreement is not None:
                agreement.add(live.snapshot, batch, trips)
            snapshots.maybe_take(live.snapshot)
            counter.add(len(batch))
        day_events = emitted[first:]
        results.append(DayResult(
            label=day.label, reports=len(day.reports), seconds=timer() - started,
            raw_events=len(day_events), events=latest_events(day_events),
            trip_agreement=agreement.result() if agreement is not None else None,
        ))
        if observer is not None:
            observer.end_day(index, results[-1])
    counter.finish()
    return ReplayResult(
        days=tuple(results), events=latest_events(emitted), raw_events=len(emitted),
        outcomes=MappingProxyType({o.value: n for o, n in tracker.counts.most_common()}),
        descriptors=MappingProxyType({o.value: n for o, n in tracker.descriptor_counts.most_common()}),
    )


class _ProgressCounter:
    """Calls ``progress`` (reports applied, total) every PROGRESS_EVERY reports and at the end."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self._progress = progress
        self._total = total
        self._done = 0
        self._next = 0

    def add(self, count: int) -> None:
        self._done += count
        if self._progress is not None and self._done >= self._next:
            self._progress(self._done, self._total)
            self._next = self._done + PROGRESS_EVERY

    def finish(self) -> None:
        if self._progress is not None:
            self._progress(self._done, self._total)


def latest_events(events: Iterable[StopEvent]) -> tuple[StopEvent, ...]:
    """One event per (service date, trip, stop sequence): the last one emitted,
    since the tracker corrects an event by emitting it again."""
    latest: dict[EventKey, StopEvent] = {}
    for event in events:
        latest[(event.service_date, event.trip_id, event.stop_sequence)] = event
    return tuple(latest.values())


class _SimulatedClock:
    """The clock ``LiveTracking`` reads: the receive time of the batch being applied."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _batches(day: ReplayDay) -> Iterable[tuple[list[VehicleReport], list[str | None]]]:
    """The day's reports in receive order, cut at each simulated second. A stable
    sort keeps file order among reports received in the same instant."""
    trips = day.feed_trip_ids
    order = sorted(range(len(day.reports)), key=lambda i: day.reports[i].received_at)
    batch: list[VehicleReport] = []
    batch_trips: list[str | None] = []
    second = None
    for i in order:
        report = day.reports[i]
        this_second = math.floor(report.received_at)
        if batch and this_second != second:
            yield batch, batch_trips
            batch, batch_trips = [], []
        second = this_second
        batch.append(report)
        batch_trips.append(trips[i] if trips is not None else None)
    if batch:
        yield batch, batch_trips


class _Snapshots:
    """Hands the live snapshot on each time the simulated clock crosses a
    multiple of ``every_s`` (one snapshot per crossing, however long the gap)."""

    def __init__(self, every_s: float | None, sink: SnapshotSink | None) -> None:
        if every_s is not None and every_s <= 0:
            raise ValueError(f"snapshot interval must be positive, not {every_s}")
        self._every = every_s
        self._sink = sink
        self._next: float | None = None

    def maybe_take(self, snapshot: LiveSnapshot) -> None:
        if self._every is None or self._sink is None:
            return
        if self._next is None:
            self._next = math.ceil(snapshot.at / self._every) * self._every
        if snapshot.at >= self._next:
            self._sink(snapshot)
            self._next = (math.floor(snapshot.at / self._every) + 1) * self._every


class _AgreementCount:
    def __init__(self) -> None:
        self.compared = self.agreed = self.unassigned = 0

    def add(self, snapshot: LiveSnapshot, batch: Sequence[VehicleReport],
            trips: Sequence[str | None]) -> None:
        for report, trip_id in zip(batch, trips):
            if trip_id is None:
                continue
            self.compared += 1
            state = snapshot.vehicles.get(report.vehicle_id)
            if state is None or state.trip is None:
                self.unassigned += 1
            elif state.trip.trip_id == trip_id:
                self.agreed += 1

    def result(self) -> TripAgreement:
        return TripAgreement(self.compared, self.agreed, self.unassigned)
