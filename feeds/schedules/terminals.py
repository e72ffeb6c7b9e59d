"""Terminals: the places where trips start and end, with stops a short walk
apart taken as one (two stands of one bus station, the two sides of a street)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from transit.geo import distance_m
from transit.model.network import Network, Trip


@dataclass(frozen=True, slots=True)
class Place:
    """A terminal (its stops) or a depot (no stops), located by its centre."""

    place_id: str
    name: str
    lat: float
    lon: float
    stop_ids: tuple[str, ...] = ()


def end_stops(network: Network, trip: Trip) -> tuple[str, str]:
    """The stop a trip starts from and the stop it ends at."""
    stops = network.patterns[trip.pattern_id].stop_ids
    return stops[0], stops[-1]


def find_terminals(network: Network, trips: Iterable[Trip], merge_m: float) -> dict[str, Place]:
    """Each first or last stop of the trips -> its terminal. A stop joins the
    first terminal (by stop id) all of whose stops lie within ``merge_m`` of it,
    so any two stops of a terminal are that close; a terminal is named by its
    first stop id."""
    groups: list[list[str]] = []
    for stop in sorted({stop for trip in trips for stop in end_stops(network, trip)}):
        group = next((g for g in groups if all(_apart_m(network, stop, s) <= merge_m for s in g)), None)
        if group is None:
            groups.append([stop])
        else:
            group.append(stop)
    terminal_of: dict[str, Place] = {}
    for group in groups:
        place = _terminal(network, group[0], group)
        terminal_of.update((stop, place) for stop in group)
    return terminal_of


def _terminal(network: Network, first: str, stops: list[str]) -> Place:
    lat = sum(network.stops[s].lat for s in stops) / len(stops)
    lon = sum(network.stops[s].lon for s in stops) / len(stops)
    return Place(first, network.stops[first].name, lat, lon, tuple(stops))


def _apart_m(network: Network, a: str, b: str) -> float:
    sa, sb = network.stops[a], network.stops[b]
    return distance_m(sa.lat, sa.lon, sb.lat, sb.lon)


def straight_m(a: Place, b: Place) -> float:
    return distance_m(a.lat, a.lon, b.lat, b.lon)


def unique_places(terminals: Mapping[str, Place]) -> list[Place]:
    """The terminals once each, by id."""
    return sorted({p.place_id: p for p in terminals.values()}.values(), key=lambda p: p.place_id)
