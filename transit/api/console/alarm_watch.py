"""The alarm watch: every few seconds, the detector (``transit.console.alarms``)
over the live frame, the alarms it triggers and resolves written to the
store, and the open ones kept in memory for the pages and the console's
socket (which pushes a change to every open console: ``version`` counts them).

One watch per service: it owns the triggering and resolving; acknowledging
and changing thresholds happen in the console's handlers, which tell the
watch afterwards.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Mapping

from transit.api.console.live_view import LiveView
from transit.console.alarm_life import Alarm, reconcile
from transit.console.alarms import AlarmInputs, AlarmRules, Thresholds, detect
from transit.store import Pool
from transit.store.alarms import list_open_alarms, list_thresholds, resolve_alarms, trigger_alarms

_log = logging.getLogger(__name__)


class AlarmWatch:
    def __init__(self, pool: Pool, view: LiveView, rules: AlarmRules = AlarmRules(), *,
                 every_s: float = 2.0, clear_after_s: float = 60.0) -> None:
        self._pool = pool
        self._view = view
        self.rules = rules
        self._every_s = every_s
        self._clear_after_s = clear_after_s
        self._open: dict[int, Alarm] = {}
        self._thresholds: dict[str, Thresholds] = {}
        self._last_seen: dict[str, float] = {}
        self._since: float | None = None  # when the watch began (signs get time to poll first)
        self.version = 0  # bumped at every change of the open alarms

    async def load(self) -> None:
        """The open alarms and the lines' thresholds, from the store."""
        now = self._view.clock()
        self._open = {a.id: a for a in await list_open_alarms(self._pool)}
        self._thresholds = await list_thresholds(self._pool)
        # Open alarms from before a restart get a fresh minute to be found again.
        self._last_seen = {a.key: now for a in self._open.values()}
        if self._since is None:
            self._since = now
        self.version += 1

    async def run(self) -> None:
        """Load, then a round every ``every_s`` until cancelled. A round that
        fails (the database away) is logged and the next one tries again."""
        await self.load()
        while True:
            try:
                await self.round()
            except Exception:  # noqa: BLE001 - the database away must not end the watch
                _log.warning("alarm_round_failed", exc_info=True)
            await asyncio.sleep(self._every_s)

    async def round(self) -> None:
        """Detect on the current frame; trigger and resolve alarms to match."""
        frame = self._view.frame()
        now = frame.now
        if self._since is None:
            self._since = now
        inputs = AlarmInputs(self._view.network, frame.snapshot.vehicles.values(), frame.headways,
                             frame.snapshot.departures, self._thresholds,
                             self._view.list_offline_signs(now, self._since))
        found = detect(inputs, self.rules, now)
        plan = reconcile(self._open.values(), found, self._last_seen, now, self._clear_after_s)
        made = await trigger_alarms(self._pool, plan.trigger, now)
        gone = await resolve_alarms(self._pool, plan.resolve, now)
        self._last_seen = dict(plan.last_seen)
        for alarm in gone:
            self._open.pop(alarm.id, None)
        self._open.update((a.id, a) for a in made)
        if len(made) < len(plan.trigger):
            # Another writer holds an open alarm for one of these conditions: take the store's word.
            self._open = {a.id: a for a in await list_open_alarms(self._pool)}
        if made or gone or len(made) < len(plan.trigger):
            self.version += 1
            _log.info("alarms_changed triggered=%d resolved=%d open=%d", len(made), len(gone), len(self._open))

    def acknowledged(self, alarm: Alarm) -> None:
        """An alarm a dispatcher acknowledged (already stored)."""
        if alarm.id in self._open:
            self._open[alarm.id] = alarm
            self.version += 1

    def set_thresholds(self, route_id: str, thresholds: Thresholds) -> None:
        """A line's new thresholds (already stored): used from the next round."""
        self._thresholds[route_id] = thresholds

    def thresholds_of(self, route_id: str) -> tuple[Thresholds, bool]:
        """The line's thresholds, and whether they are the default."""
        own = self._thresholds.get(route_id)
        return (self.rules.thresholds, True) if own is None else (own, False)

    def list_open(self) -> list[Alarm]:
        """The open alarms, newest first."""
        return sorted(self._open.values(), key=lambda a: (-a.triggered_at, -a.id))

    def count_by_line(self) -> Mapping[str, int]:
        return Counter(route_id for a in self._open.values() for route_id in a.route_ids)
