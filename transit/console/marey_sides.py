"""What a draft page's Marey chart of one line direction draws, old side and
new, apart from the networks it came from: each side's trips, the patterns
they run and their stops' names.

``transit optimize`` (``feeds.drafts.make``) keeps these with the draft, one
small row per line direction it changed, so a draft page draws its chart
from a row read in milliseconds instead of building the draft's network and
the compared version's from their GTFS zips (seconds on the demo city). The
same ``draw`` draws a chart from sides taken out of built networks (the
drafts stored before the rows existed), so both ways give one chart.
Pure: trips and patterns in, sides, plain mappings and charts out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from transit.console.marey import Frame, MareyChart, choose_axis, marey_chart
from transit.model.network import Network, Pattern, Trip

DirectionKey = tuple[str, int]  # (route_id, direction_id)


class BadSides(ValueError):
    """A stored side of a Marey chart that does not read back (what is wrong and where)."""


@dataclass(frozen=True, slots=True)
class MareySide:
    trips: tuple[Trip, ...]
    patterns: Mapping[str, Pattern]  # those the trips run
    names: Mapping[str, str]  # stop_id -> name, for those patterns' stops


@dataclass(frozen=True, slots=True)
class DirectionSides:
    old: MareySide  # the compared (live) version's trips
    new: MareySide  # the draft's


def direction_trips(trips: Iterable[Trip], services: frozenset[str], key: DirectionKey) -> list[Trip]:
    """The trips of one line direction that run one of ``services`` (every trip when none is given)."""
    return [t for t in trips if (t.route_id, t.direction_id) == key and (not services or t.service_id in services)]


def side_of(network: Network, trips: Iterable[Trip]) -> MareySide:
    """``trips`` (of ``network``'s patterns) with what drawing them needs from the network."""
    kept = tuple(trips)
    patterns = {t.pattern_id: network.patterns[t.pattern_id] for t in kept}
    stop_ids = {s for p in patterns.values() for s in p.stop_ids}
    return MareySide(kept, patterns, {s: network.stops[s].name for s in sorted(stop_ids) if s in network.stops})


def draw(sides: DirectionSides, window: tuple[int, int] | None = None, frame: Frame = Frame()) -> MareyChart | None:
    """The chart of old and new; its axis the pattern most new trips run (the
    old ones' when the draft has none here). None when neither side has a trip."""
    main = sides.new if sides.new.trips else sides.old
    if not main.trips:
        return None
    axis = choose_axis(main.trips, main.patterns, main.names)
    return marey_chart(axis, sides.old.trips, sides.new.trips, sides.old.patterns, window, frame,
                       new_patterns=sides.new.patterns)


def sides_as_mapping(sides: DirectionSides) -> dict[str, Any]:
    """A JSON-ready form (lists, strings, numbers) that ``sides_from`` reads back."""
    return {"old": _side_mapping(sides.old), "new": _side_mapping(sides.new)}


def sides_from(stored: Mapping[str, Any]) -> DirectionSides:
    """The sides from ``sides_as_mapping``'s form; raises ``BadSides``."""
    try:
        return DirectionSides(_side(stored["old"]), _side(stored["new"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise BadSides(f"stored Marey chart sides do not read back: {exc!r}") from None


def _side_mapping(side: MareySide) -> dict[str, Any]:
    return {
        "trips": [[t.trip_id, t.route_id, t.service_id, t.pattern_id, t.direction_id, t.block_id, t.headsign,
                   list(t.arrivals), list(t.departures)] for t in side.trips],
        "patterns": [[p.pattern_id, p.route_id, p.direction_id, p.shape_id, list(p.stop_ids), list(p.stop_dists),
                      list(p.stop_sequences)] for p in side.patterns.values()],
        "names": dict(side.names),
    }


def _side(stored: Mapping[str, Any]) -> MareySide:
    trips = tuple(Trip(str(t[0]), str(t[1]), str(t[2]), str(t[3]), int(t[4]), None if t[5] is None else str(t[5]),
                       str(t[6]), tuple(int(a) for a in t[7]), tuple(int(d) for d in t[8]))
                  for t in stored["trips"])
    patterns = {str(p[0]): Pattern(str(p[0]), str(p[1]), int(p[2]), str(p[3]), tuple(str(s) for s in p[4]),
                                   tuple(float(d) for d in p[5]), tuple(int(q) for q in p[6]))
                for p in stored["patterns"]}
    missing = {t.pattern_id for t in trips} - patterns.keys()
    if missing:
        raise ValueError(f"trips run patterns not stored: {sorted(missing)}")
    for trip in trips:
        if not len(trip.arrivals) == len(trip.departures) == len(patterns[trip.pattern_id].stop_ids) > 0:
            raise ValueError(f"trip {trip.trip_id}: its times do not match its pattern's stops")
    return MareySide(trips, patterns, {str(k): str(v) for k, v in stored["names"].items()})
