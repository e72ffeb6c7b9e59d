"""What the live pages, their JSON, the console's socket and the alarm watch
all read: one ``Frame`` of the live state (the live buses, their headways,
each line's freshness) computed once per snapshot and instant and shared,
and what is drawn once per network (the base map, each line's rails).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property

from signage.endpoints import DEFAULT_OFFLINE_S
from signage.health import SignHealth
from signage.messages import MessageBook
from signage.registry import SignRegistry
from transit.console.access import Action, Actor, decide
from transit.console.alarms import OfflineSign
from transit.console.basemap import Projection, shape_paths
from transit.console.headways import Headway, ScheduledHeadways, list_headways
from transit.console.ladder import Rail, list_rails
from transit.console.line_depots import LineDepots
from transit.console.line_status import LineFreshness, ScheduledService, list_line_freshness
from transit.freshness import LIVE_MAX_AGE_S
from transit.live.tracking import LiveSnapshot
from transit.model.network import Network
from transit.tracking.state import VehicleState

# A frame this young (service-clock seconds) from the same snapshot is reused:
# pages, JSON polls and the socket's round within the same instant share it.
FRAME_REUSE_S = 0.25


@dataclass(frozen=True)
class SignSources:
    """The sign registry, the health the sign endpoints record and the
    messages the boards show (with the store behind them)."""

    registry: SignRegistry
    health: SignHealth
    offline_after_s: float = DEFAULT_OFFLINE_S
    messages: MessageBook | None = None


@dataclass(frozen=True)
class Frame:
    now: float  # the service clock
    snapshot: LiveSnapshot
    live: tuple[VehicleState, ...]  # buses heard from within LIVE_MAX_AGE_S
    headways: tuple[Headway, ...]
    freshness: Mapping[str, LineFreshness]


class LiveView:
    def __init__(self, network: Network, snapshot: Callable[[], LiveSnapshot], clock: Callable[[], float],
                 signs: SignSources | None = None) -> None:
        self.network = network
        self.clock = clock
        self.signs = signs
        self._snapshot = snapshot
        self._scheduled = ScheduledHeadways(network)
        self._service = ScheduledService(network)
        self._rails: dict[str, tuple[Rail, ...]] = {}
        self._frame: Frame | None = None

    def frame(self) -> Frame:
        snapshot, now = self._snapshot(), self.clock()
        held = self._frame
        if held is not None and held.snapshot is snapshot and 0 <= now - held.now < FRAME_REUSE_S:
            return held
        live = tuple(snapshot.list_live(now, LIVE_MAX_AGE_S))
        self._frame = Frame(
            now, snapshot, live,
            tuple(list_headways(self.network, self._scheduled, live, snapshot.departures, now)),
            list_line_freshness(self.network, self._service, snapshot.vehicles.values(), now))
        return self._frame

    def rails(self, route_id: str) -> tuple[Rail, ...]:
        found = self._rails.get(route_id)
        if found is None:
            found = self._rails[route_id] = list_rails(self.network, route_id)
        return found

    @cached_property
    def projection(self) -> Projection:
        return Projection.of(self.network)

    @cached_property
    def shapes(self) -> list[tuple[str, str]]:
        """(route_id, SVG path data) of every shape: drawn once per network."""
        return shape_paths(self.network, self.projection)

    @cached_property
    def lines_at(self) -> Mapping[str, frozenset[str]]:
        """stop_id -> the route ids of the patterns calling there."""
        found: dict[str, set[str]] = {}
        for pattern in self.network.patterns.values():
            for stop_id in pattern.stop_ids:
                found.setdefault(stop_id, set()).add(pattern.route_id)
        return {stop_id: frozenset(routes) for stop_id, routes in found.items()}

    def list_offline_signs(self, now: float, watching_since: float) -> list[OfflineSign]:
        """Electronic signs that stopped polling. One never heard from counts
        only once the service has run ``offline_after_s`` (it has had time to poll)."""
        signs = self.signs
        if signs is None:
            return []
        found = []
        for sign in signs.health.list_offline(signs.registry, now, signs.offline_after_s):
            status = signs.health.find_status(sign.sign_id)
            last = None if status is None else status.last_poll
            if last is None and now - watching_since < signs.offline_after_s:
                continue
            found.append(OfflineSign(sign.sign_id, sign.stop_id, self.lines_at.get(sign.stop_id, frozenset()), last))
        return found


def visible_lines(actor: Actor, view: LiveView, depots: LineDepots) -> frozenset[str]:
    return frozenset(r for r in view.network.routes if decide(actor, Action.VIEW, depots.line(r)).allowed)


def scoped(frame: Frame, lines: frozenset[str]) -> Frame:
    """``frame`` with only the buses and lines in ``lines`` (a bus on no
    trip belongs to no line: only a user of every line sees it)."""
    everything = len(lines) == len(frame.freshness)
    return Frame(frame.now, frame.snapshot,
                 tuple(v for v in frame.live if (v.trip.route_id in lines if v.trip else everything)),
                 tuple(h for h in frame.headways if h.route_id in lines),
                 {r: f for r, f in frame.freshness.items() if r in lines})
