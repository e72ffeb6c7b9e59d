"""What the reports are computed from, kept between page loads: a service
day's adherence and regularity (from its stop events, against the live
network's timetable) and its ridership sums (from its stored flow).

A day's results are kept while its data stands: once they are
``recheck_s`` old, the next page gets them as they are and starts a check
of the day's stop events (count and last write) behind it, recomputing
when they changed; so a past day is computed once, today's at most once a
``recheck_s``. A computed day is also stored in PostgreSQL with its events'
mark (``console_day_reports``, per live version): a process that has not
computed it reads it back (a fraction of a second) while the events stand.
The book's round computes and stores the recent days with events (at the
service's start, and each day as it ends), so only a day older than those,
or one whose events changed since, makes a page wait for the computation:
well under a second, its events read as columns and matched with the
network's calls (arrayed once, at the round's start) by numpy. A flow day is kept while its build time is unchanged. The
computing runs in a thread, off the event loop that serves the signs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from transit.api.console.report_forms import report_bytes, report_parts
from transit.console.adherence import DelayCell, DelayCount, Delays, adherence_cells, line_adherence, list_delays
from transit.console.timetable_calls import TimetableCalls
from transit.console.regularity import LineRegularity, line_regularity, list_observed_headways
from transit.console.ridership import DirectionLoad, LineHour
from transit.flow.peaks import PeakLoadPoint
from transit.model.network import Network
from transit.records import DayEvents
from transit.store import Pool
from transit.store.day_reports import find_day_report, find_day_report_mark, put_day_report
from transit.store.flow import FlowDayNotFound, get_flow_day
from transit.store.flow_reports import list_direction_loads, list_line_hours, list_peak_load_points
from transit.store.stop_events import list_day_events, list_event_days, stop_events_mark

_log = logging.getLogger(__name__)

KEPT_DAYS = 4
WARM_EVERY_S = 600.0  # the current day is recomputed at most this often when nobody asks
# The latest days with events that the round keeps computed and stored: as
# many as the reports' index links to, so every day it offers opens at once.
RECENT_DAYS = 14


@dataclass(frozen=True)
class EventReports:
    day: date
    events: int
    delays: Delays  # by cell; a line's cells are counted when asked (a few hundred of some 25,000)
    lines: dict[str, DelayCount]
    regularity: tuple[LineRegularity, ...]
    computed_at: float  # wall clock
    _cells: dict[str, list[DelayCell]] = field(default_factory=dict, repr=False, compare=False)

    def cells(self, route_ids: frozenset[str]) -> list[DelayCell]:
        """The cells of these lines, counted once per line."""
        missing = route_ids - self._cells.keys()
        if missing:
            for route_id in missing:
                self._cells[route_id] = []
            for cell in adherence_cells(self.delays, frozenset(missing)):
                self._cells[cell.route_id].append(cell)
        return [c for r in sorted(route_ids) for c in self._cells[r]]


@dataclass(frozen=True)
class FlowSums:
    day: date
    built_at: datetime
    hours: tuple[LineHour, ...]
    loads: tuple[DirectionLoad, ...]
    peaks: tuple[PeakLoadPoint, ...]


def compute_event_reports(calls: TimetableCalls, events: DayEvents, computed_at: float) -> EventReports:
    delays = list_delays(calls, events)
    return EventReports(events.service_date, len(events), delays, line_adherence(delays),
                        tuple(line_regularity(list_observed_headways(calls, events))), computed_at)


Mark = tuple[int, float | None]  # a day's events: how many, and their last write (``stop_events_mark``)


class ReportBook:
    def __init__(self, pool: Pool, network: Network, clock: Callable[[], float] = time.time,
                 recheck_s: float = 60.0, version_id: int | None = None) -> None:
        """``version_id``: the stored version ``network`` is, under which
        computed days are stored and read back (None: kept in memory only)."""
        self.network = network
        self.version_id = version_id
        self._pool = pool
        self._clock = clock  # the wall clock: how old a result is
        self._recheck_s = recheck_s
        self._calls: TimetableCalls | None = None  # made in a thread, at the round's start or the first computation
        # day -> (the events' mark, checked at, reports)
        self._events: OrderedDict[date, tuple[Mark, float, EventReports]] = OrderedDict()
        self._flows: OrderedDict[date, FlowSums] = OrderedDict()
        self._lock = asyncio.Lock()  # one computation at a time
        self._refreshing: asyncio.Task[EventReports] | None = None
        self._storing: asyncio.Task[None] | None = None  # the last computed day's store, behind its page
        self.computed = 0  # days computed (tests)
        self.read_back = 0  # days read back from the store (tests)

    def warm(self, day: date) -> None:
        """Start computing ``day`` now unless it is held and fresh (the reports'
        index does, and the book's own round: the report a user picks next is ready)."""
        held = self._events.get(day)
        if held is None or self._clock() - held[1] >= self._recheck_s:
            self._refresh_later(day)

    async def run(self, today: Callable[[], date], every_s: float = WARM_EVERY_S) -> None:
        """Keep reports ready: the network's calls arrayed, then a
        ``keep_ready`` round now (the service's start) and every ``every_s``
        (so a day that ended is stored within one)."""
        await self.prepare()
        while True:
            try:
                await self.keep_ready(today())
            except Exception:  # noqa: BLE001 - background work: the next round tries again
                _log.warning("report_round_failed", exc_info=True)
            await asyncio.sleep(every_s)

    async def prepare(self) -> None:
        """Array the network's calls now (the round's first step), so that a
        page of a day never computed does not wait for them too."""
        async with self._lock:
            await asyncio.to_thread(self._timetable_calls)

    async def keep_ready(self, today: date) -> None:
        """One round: today's computed when held results are ``recheck_s``
        old; then each of the ``RECENT_DAYS`` latest days with events before
        ``today``, newest first, computed and stored unless stored as its
        events stand (a page of it then reads it back)."""
        await self._refresh(today)
        for day in await list_event_days(self._pool, RECENT_DAYS):
            if day < today:
                await self.ensure_stored(day)

    async def ensure_stored(self, day: date) -> None:
        """Compute and store ``day`` unless its stored report is of its events as they stand."""
        if self.version_id is None:
            return
        mark = await stop_events_mark(self._pool, day)
        if mark[0] and await find_day_report_mark(self._pool, day, self.version_id) != mark:
            await self._refresh(day, force=True)
            await self.stored()

    async def event_reports(self, day: date) -> EventReports:
        """The day's reports: computed now the first time; later the ones held,
        refreshed behind the answer once they are ``recheck_s`` old (a page
        never waits for today's stream of new events)."""
        held = self._events.get(day)
        if held is None:
            return await self._refresh(day)
        if self._clock() - held[1] >= self._recheck_s:
            self._refresh_later(day)
        return held[2]

    def _refresh_later(self, day: date) -> None:
        if self._refreshing is None or self._refreshing.done():
            self._refreshing = asyncio.create_task(self._refresh(day), name=f"report_refresh_{day}")
            self._refreshing.add_done_callback(_log_failure)

    async def _refresh(self, day: date, force: bool = False) -> EventReports:
        """The day's reports: those held if just checked or its events are as
        they were, else those stored of its events as they stand, else
        computed (and stored). ``force``: check now, however recently checked."""
        async with self._lock:
            now = self._clock()
            held = self._events.get(day)
            if held is not None and now - held[1] < self._recheck_s and not force:
                return held[2]
            mark = await stop_events_mark(self._pool, day)
            if held is not None and held[0] == mark:
                self._events[day] = (mark, now, held[2])
                return held[2]
            reports = await self._read_back(day, mark)
            if reports is None:
                events = await list_day_events(self._pool, day)
                reports = await asyncio.to_thread(self._compute, events, now)
                self.computed += 1
                self._store_later(day, mark, reports)
            _keep(self._events, day, (mark, now, reports))
            return reports

    async def _read_back(self, day: date, mark: Mark) -> EventReports | None:
        """The day's stored reports if stored of its events as they stand (and in the current form)."""
        if self.version_id is None:
            return None
        stored = await find_day_report(self._pool, day, self.version_id)
        if stored is None or stored.mark != mark:
            return None
        parts = await asyncio.to_thread(report_parts, stored.report)
        if parts is None:
            return None
        self.read_back += 1
        return EventReports(*parts)

    async def stored(self) -> None:
        """Wait until the days computed so far are stored (a failure is logged, not raised)."""
        if self._storing is not None:
            await asyncio.wait([self._storing])

    def _store_later(self, day: date, mark: Mark, reports: EventReports) -> None:
        """Store a computed day behind its page (which need not wait a few
        tenths of a second for its JSON and the write), after the store under way."""
        if self.version_id is not None:
            self._storing = asyncio.create_task(self._store(day, mark, reports, self._storing),
                                                name=f"report_store_{day}")
            self._storing.add_done_callback(_log_failure)

    async def _store(self, day: date, mark: Mark, reports: EventReports, after: asyncio.Task[None] | None) -> None:
        if after is not None:
            await asyncio.wait([after])  # stores in the order computed: the day's latest is the one kept
        if self.version_id is None:
            return
        data = await asyncio.to_thread(report_bytes, reports.day, reports.events, reports.delays, reports.lines,
                                       reports.regularity, reports.computed_at)
        if not await put_day_report(self._pool, day, self.version_id, mark, reports.computed_at, data):
            # The version the service runs is not (or no longer) stored: the
            # day stays computed in memory, as without a version.
            _log.warning("day_report_not_stored day=%s version=%s", day, self.version_id)
            self.version_id = None

    def _timetable_calls(self) -> TimetableCalls:
        """The network's calls, arrayed once (a few tenths of a second for the demo city)."""
        if self._calls is None:
            self._calls = TimetableCalls.of(self.network)
        return self._calls

    def _compute(self, events: DayEvents, now: float) -> EventReports:
        return compute_event_reports(self._timetable_calls(), events, now)

    async def flow_sums(self, day: date) -> FlowSums | None:
        """The day's sums; None when no flow was built for it."""
        try:
            built = await get_flow_day(self._pool, day)
        except FlowDayNotFound:
            return None
        held = self._flows.get(day)
        if held is not None and held.built_at == built.built_at:
            return held
        sums = FlowSums(day, built.built_at, tuple(await list_line_hours(self._pool, day)),
                        tuple(await list_direction_loads(self._pool, day)),
                        tuple(await list_peak_load_points(self._pool, day, self.network.timezone)))
        _keep(self._flows, day, sums)
        return sums


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        _log.warning("report_refresh_failed task=%s", task.get_name(), exc_info=task.exception())


def _keep(held: OrderedDict, day: date, value: object) -> None:  # type: ignore[type-arg]
    held[day] = value
    held.move_to_end(day)
    while len(held) > KEPT_DAYS:
        held.popitem(last=False)
