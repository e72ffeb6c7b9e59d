"""A draft schedule version's trips: one service day rebuilt from new timetables.

The line directions given a new ``Timetable`` lose the trips they ran under the
rebuilt services and get one trip per new departure, timed by the direction's
``RunningTimes`` at the departure's bin; every other trip stays as it was.
Blocks come from the vehicle-block engine (at the edge, where terminals and
deadheads are known) or, when it cannot answer in time, from ``fifo_blocks``.

Units: GTFS service-day seconds.
"""

from __future__ import annotations

import dataclasses
import enum
import heapq
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from optimizer.timetable.model import DirectionInput, Timetable
from transit.model.network import Network, Trip

LineDirection = tuple[str, int]  # (route_id, direction_id)


class InvalidDraft(ValueError):
    """New timetables that cannot become trips of the base network; says which and why."""


class BlockSource(enum.StrEnum):
    ENGINE = "engine"  # optimizer.blocks: least-cost blocks with a bound
    FIFO = "fifo"  # first in, first out at each terminal of a line: the fallback


@dataclass(frozen=True, slots=True)
class RebuiltDirection:
    """A line direction's inputs and the timetable the engine made from them."""

    direction: DirectionInput
    timetable: Timetable

    @property
    def key(self) -> LineDirection:
        return (self.direction.route_id, self.direction.direction_id)


@dataclass(frozen=True, slots=True)
class DraftDay:
    """The rebuilt service day: every trip it runs, the new ones included."""

    service_ids: frozenset[str]  # the services whose trips were rebuilt
    service_id: str  # the service the new trips run under
    trips: tuple[Trip, ...]  # by departure, then id
    added: tuple[str, ...]  # ids of the new trips
    removed: tuple[Trip, ...]  # the base trips they replace
    rebuilt: tuple[LineDirection, ...]

    @property
    def rebuilt_routes(self) -> frozenset[str]:
        return frozenset(route for route, _ in self.rebuilt)


@dataclass(frozen=True, slots=True)
class DraftBlocks:
    """New block ids for the trips of the rebuilt lines, and how they were made."""

    block_of: Mapping[str, str]  # trip_id -> block_id
    source: BlockSource
    note: str  # the engine's status and bound, or why the fallback was used


def draft_day(network: Network, service_ids: frozenset[str], rebuilt: Sequence[RebuiltDirection],
              *, service_id: str | None = None) -> DraftDay:
    """The day's trips with ``rebuilt``'s directions replaced. The new trips run
    under ``service_id``, by default the one service of ``service_ids``."""
    new_service = _new_service(service_ids, service_id)
    keys = [r.key for r in rebuilt]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise InvalidDraft(f"line {twice[0][0]} direction {twice[0][1]} has two new timetables: give one")
    replaced = set(keys)
    day = [t for t in network.trips.values() if t.service_id in service_ids]
    removed = tuple(sorted((t for t in day if (t.route_id, t.direction_id) in replaced), key=_order))
    kept = [t for t in day if (t.route_id, t.direction_id) not in replaced]
    new = [trip for r in rebuilt for trip in direction_trips(network, r, new_service)]
    clashes = sorted({t.trip_id for t in new} & set(network.trips) - {t.trip_id for t in removed})
    if clashes:
        raise InvalidDraft(f"new trip id {clashes[0]} is already a trip of the base feed")
    return DraftDay(frozenset(service_ids), new_service, tuple(sorted(kept + new, key=_order)),
                    tuple(t.trip_id for t in sorted(new, key=_order)), removed, tuple(keys))


def with_short_trips(day: DraftDay, trips: Sequence[Trip]) -> DraftDay:
    """The day with short-turn ``trips`` added (their lines' full trips already rebuilt)."""
    clashes = sorted({t.trip_id for t in trips} & {t.trip_id for t in day.trips})
    if clashes:
        raise InvalidDraft(f"short trip id {clashes[0]} is already a trip of the day")
    outside = sorted({(t.route_id, t.direction_id) for t in trips} - set(day.rebuilt))
    if outside:
        raise InvalidDraft(f"short trips on line {outside[0][0]} direction {outside[0][1]}, which was not rebuilt")
    added = set(day.added) | {t.trip_id for t in trips}
    every = sorted((*day.trips, *trips), key=_order)
    return dataclasses.replace(day, trips=tuple(every), added=tuple(t.trip_id for t in every if t.trip_id in added))


def direction_trips(network: Network, rebuilt: RebuiltDirection, service_id: str) -> list[Trip]:
    """One trip per departure of the new timetable, on the profile's pattern."""
    direction, timetable = rebuilt.direction, rebuilt.timetable
    name = f"line {direction.route_id} direction {direction.direction_id}"
    if (timetable.route_id, timetable.direction_id) != rebuilt.key:
        raise InvalidDraft(f"{name}: its timetable is for line {timetable.route_id} "
                           f"direction {timetable.direction_id}")
    pattern = network.patterns.get(direction.profile.pattern_id)
    if pattern is None or (pattern.route_id, pattern.direction_id) != rebuilt.key:
        raise InvalidDraft(f"{name}: pattern {direction.profile.pattern_id} is not one of its patterns "
                           "in the base feed")
    running = direction.running
    if any(len(row) != len(pattern.stop_ids) for row in running.arrivals + running.departures):
        raise InvalidDraft(f"{name}: running times give {len(running.arrivals[0])} stops, pattern "
                           f"{pattern.pattern_id} has {len(pattern.stop_ids)}")
    departures = sorted(timetable.departures_s)
    if len(set(departures)) < len(departures):
        raise InvalidDraft(f"{name}: two departures at the same time")
    headsign = _headsign(network, pattern.pattern_id)
    trips = []
    for depart in departures:
        b = running.bin_at(depart)
        trips.append(Trip(
            trip_id=new_trip_id(direction.route_id, direction.direction_id, service_id, depart),
            route_id=direction.route_id, service_id=service_id, pattern_id=pattern.pattern_id,
            direction_id=direction.direction_id, block_id=None, headsign=headsign,
            arrivals=tuple(depart + s for s in running.arrivals[b]),
            departures=tuple(depart + s for s in running.departures[b])))
    return trips


def new_trip_id(route_id: str, direction_id: int, service_id: str, depart_s: int) -> str:
    """``<route>-<direction>-<service>-<HHMM>``, with seconds when the departure has any,
    so the same timetable always gets the same ids."""
    hours, rest = divmod(depart_s, 3600)
    minutes, seconds = divmod(rest, 60)
    clock = f"{hours:02d}{minutes:02d}" + (f"{seconds:02d}" if seconds else "")
    return f"{route_id}-{direction_id}-{service_id}-{clock}"


def fifo_blocks(network: Network, trips: Sequence[Trip], layover_s: Mapping[str, int], *,
                label: str, terminal_of: Mapping[str, str] | None = None) -> dict[str, str]:
    """Chain each line's trips first in, first out at its terminals: a trip takes
    the bus that has been ready longest at its first stop's terminal (arrived and
    stood the line's layover, ``layover_s[route_id]``), else a new bus. Blocks are named
    ``<route>-<label>-F<n>``; ``terminal_of`` merges stops into terminals
    (a stop is its own terminal when absent)."""
    place = terminal_of or {}
    block_of: dict[str, str] = {}
    by_route: dict[str, list[Trip]] = defaultdict(list)
    for trip in trips:
        by_route[trip.route_id].append(trip)
    for route_id, route_trips in sorted(by_route.items()):
        # terminal -> (ready at, block): the bus ready first leaves first
        standing: dict[str, list[tuple[int, str]]] = defaultdict(list)
        count = 0
        for trip in sorted(route_trips, key=_order):
            stops = network.patterns[trip.pattern_id].stop_ids
            start, end = place.get(stops[0], stops[0]), place.get(stops[-1], stops[-1])
            queue = standing[start]
            if queue and queue[0][0] <= trip.start:
                block = heapq.heappop(queue)[1]
            else:
                count += 1
                block = f"{route_id}-{label}-F{count:03d}"
            block_of[trip.trip_id] = block
            heapq.heappush(standing[end], (trip.end + layover_s.get(route_id, 0), block))
    return block_of


def with_blocks(day: DraftDay, blocks: DraftBlocks) -> DraftDay:
    """The day with the new block ids on its trips."""
    trips = tuple(dataclasses.replace(t, block_id=blocks.block_of[t.trip_id]) if t.trip_id in blocks.block_of
                  else t for t in day.trips)
    return dataclasses.replace(day, trips=trips)


def _new_service(service_ids: frozenset[str], service_id: str | None) -> str:
    if not service_ids:
        raise InvalidDraft("no service to rebuild: give the services of the day")
    if service_id is None:
        if len(service_ids) > 1:
            raise InvalidDraft(f"the day runs services {', '.join(sorted(service_ids))}: "
                               "name the one the new trips run under")
        return next(iter(service_ids))
    if service_id not in service_ids:
        raise InvalidDraft(f"service {service_id} is not one of the day's ({', '.join(sorted(service_ids))})")
    return service_id


def _headsign(network: Network, pattern_id: str) -> str:
    """The headsign the base trips of the pattern show, else its last stop's name."""
    signs = sorted(t.headsign for t in network.trips.values() if t.pattern_id == pattern_id and t.headsign)
    if signs:
        return signs[0]
    return network.stops[network.patterns[pattern_id].stop_ids[-1]].name


def _order(trip: Trip) -> tuple[int, str]:
    return (trip.start, trip.trip_id)
