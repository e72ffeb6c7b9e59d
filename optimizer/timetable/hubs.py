"""Named transfer hubs, and the riders changing lines there, per pair of line
directions and time bin.

A hub is a named stop and every stop within a walk of it (``HubParams.walk_m``,
straight line). A transfer at a hub is a rider who gets off one line direction
at one of its stops and boards another line's direction at one of its stops;
the walk between the two takes ``distance / walk_speed``, at least
``min_transfer_s`` (off one bus and to the door of the next, even at one stop).

Demand comes from the day's card transfers (``transit.flow.transfers``), each
counted in the time bin of its arrival at the hub; lacking them (taps not
chained into riders' days), it is estimated from the load profiles' alightings
and boardings at the hub (the flow's origin-destination expansion): a share
``od_transfer_share`` of the riders alighting from a direction change lines,
spread over the other lines' directions by their boardings there. That share is
an assumption, and the notes say so. Units: seconds (service-day seconds for
instants), metres, passengers.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from optimizer.timetable.errors import InputError
from optimizer.timetable.model import DirectionInput, LoadProfile
from transit.flow.transfers import Transfer
from transit.geo import distance_m
from transit.model.network import Network
from transit.model.service_days import to_unix

LineDirection = tuple[str, int]  # (route_id, direction_id)


@dataclass(frozen=True, slots=True)
class HubParams:
    walk_m: float = 300.0  # stops within this of the named stop belong to its hub
    walk_speed_m_s: float = 1.0  # a rider with bags crossing a street, not a brisk walker
    min_transfer_s: int = 60  # off one bus and to the next one's door, even at the same stop
    max_wait_s: int = 600  # waits are capped here: a rider who would wait longer takes another way
    window_s: int = 180  # a departure moves at most this much either way
    time_limit_s: float = 5.0  # wall time for the hub step (its edge sets the deadline), shared by the directions
    od_transfer_share: float = 0.2  # with no card transfers: share of alighting riders who change lines


@dataclass(frozen=True, slots=True)
class Hub:
    name: str  # the named stop's id
    stop_ids: tuple[str, ...]  # the named stop first, then the others within the walk, by id
    walk_s: Mapping[tuple[str, str], int]  # (alighting stop, boarding stop) -> walk time


@dataclass(frozen=True, slots=True)
class TransferDemand:
    """Riders getting off ``arriving`` at its stop ``arrive_index`` (of the
    direction's timed pattern) in one bin and boarding ``departing`` at its stop
    ``depart_index``, ``walk_s`` later at the earliest."""

    hub: str
    arriving: LineDirection
    arrive_index: int
    departing: LineDirection
    depart_index: int
    walk_s: int
    bin_start_s: int  # of the arrival at the hub
    bin_s: int
    riders: float


@dataclass(frozen=True)
class HubDemand:
    demand: tuple[TransferDemand, ...]
    source: str  # "cards", "estimate" or "none"
    notes: tuple[str, ...]


def named_hubs(network: Network, stop_ids: Sequence[str], params: HubParams = HubParams(),
               walks_m: Mapping[str, float] | None = None) -> tuple[Hub, ...]:
    """A hub per named stop: it and the stops within ``params.walk_m`` (or the
    hub's own walk in ``walks_m``). Raises ``InputError`` naming every unknown
    stop, or a stop named twice."""
    unknown = [s for s in stop_ids if s not in network.stops]
    if unknown:
        raise InputError(f"hub stop {', '.join(unknown)}: no such stop in the schedule "
                         f"(stop ids as in stops.txt, e.g. {next(iter(sorted(network.stops)), '?')})", "hubs")
    twice = sorted({s for s in stop_ids if list(stop_ids).count(s) > 1})
    if twice:
        raise InputError(f"hub stop {twice[0]} is named twice: name each hub once", "hubs")
    walks = {name: (walks_m or {}).get(name, params.walk_m) for name in stop_ids}
    for name, walk_m in walks.items():
        if not (walk_m >= 0 and params.walk_speed_m_s > 0):
            raise InputError(f"hub {name}: a walk of {walk_m} m at {params.walk_speed_m_s} m/s: give a walk of "
                             "0 m or more and a positive speed", "hub_walk_m")
    hubs = []
    for name in stop_ids:
        centre = network.stops[name]
        near = sorted(s.stop_id for s in network.stops.values() if s.stop_id != name
                      and distance_m(centre.lat, centre.lon, s.lat, s.lon) <= walks[name])
        members = (name, *near)
        walk = {}
        for a in members:
            for b in members:
                sa, sb = network.stops[a], network.stops[b]
                metres = distance_m(sa.lat, sa.lon, sb.lat, sb.lon)
                walk[(a, b)] = max(params.min_transfer_s, math.ceil(metres / params.walk_speed_m_s))
        hubs.append(Hub(name, members, walk))
    return tuple(hubs)


def demand_from_cards(network: Network, hubs: Sequence[Hub], transfers: Sequence[Transfer],
                      inputs: Sequence[DirectionInput]) -> HubDemand:
    """Card transfers between two stops of one hub, both directions rebuilt
    (``inputs``), counted per pair of directions and bin of the arrival."""
    by_key = {(d.route_id, d.direction_id): d for d in inputs}
    riders: dict[tuple, float] = defaultdict(float)
    days, outside = set(), 0
    for t in transfers:
        hub = next((h for h in hubs if t.from_stop_id in h.stop_ids and t.to_stop_id in h.stop_ids), None)
        if hub is None:
            continue
        came, goes = network.trips[t.from_trip_id], network.trips[t.to_trip_id]
        a, b = by_key.get((came.route_id, came.direction_id)), by_key.get((goes.route_id, goes.direction_id))
        ai = None if a is None else _index(a.profile, hub, t.from_stop_id, arriving=True)
        bj = None if b is None else _index(b.profile, hub, t.to_stop_id, arriving=False)
        if a is None or b is None or ai is None or bj is None:
            outside += 1
            continue
        days.add(t.service_date)
        arrival = t.arrival - to_unix(t.service_date, 0, network.timezone)
        start = a.profile.start_s + math.floor((arrival - a.profile.start_s) / a.profile.bin_s) * a.profile.bin_s
        walk = hub.walk_s[(a.profile.stop_ids[ai], b.profile.stop_ids[bj])]
        riders[(hub.name, (a.route_id, a.direction_id), ai, (b.route_id, b.direction_id), bj, walk, start,
                a.profile.bin_s)] += 1.0
    per_day = max(len(days), 1)
    demand = tuple(TransferDemand(*key, riders=n / per_day) for key, n in sorted(riders.items()))
    notes = [f"transfer demand: {sum(riders.values()):,.0f} card transfers at the hubs"
             + (f" over {per_day} days (per day)" if per_day > 1 else "")]
    if outside:
        notes.append(f"{outside:,} card transfers at the hubs involve a line direction not rebuilt or "
                     "not calling there on its timed pattern: left out")
    return HubDemand(demand, "cards", tuple(notes))


def demand_from_profiles(hubs: Sequence[Hub], inputs: Sequence[DirectionInput], share: float) -> HubDemand:
    """The estimate used without card transfers: per bin, ``share`` of the riders
    alighting from a direction at the hub go on to the other lines' directions
    there, in proportion to the riders those board there."""
    if not 0 < share <= 1:
        raise InputError(f"transfer share {share}: give a share above 0, at most 1", "od_transfer_share")
    demand = []
    for hub in hubs:
        calls = [(d, _index(d.profile, hub, None, arriving=True), _index(d.profile, hub, None, arriving=False))
                 for d in inputs]
        for a, ai, _ in calls:
            if ai is None:
                continue
            for b_bin, start in enumerate(_bin_starts(a.profile)):
                off = _alighting(a.profile, b_bin, ai)
                # Profiles are binned by the departure from the first stop: at the hub
                # the bin is later by the running time to it.
                at_hub = start + a.running.arrivals[a.running.bin_at(start)][ai]
                boards = {(b.route_id, b.direction_id): (b, bj, _boarding(b, at_hub, bj))
                          for b, _, bj in calls if bj is not None and b.route_id != a.route_id}
                total = sum(n for _, _, n in boards.values())
                if off <= 0 or total <= 0:
                    continue
                for key, (b, bj, n) in sorted(boards.items()):
                    if n > 0:
                        walk = hub.walk_s[(a.profile.stop_ids[ai], b.profile.stop_ids[bj])]
                        demand.append(TransferDemand(hub.name, (a.route_id, a.direction_id), ai, key, bj, walk,
                                                     at_hub, a.profile.bin_s, share * off * n / total))
    notes = (f"no card transfers inferred (taps not chained into riders' days): transfer demand estimated "
             f"from the flow's alightings and boardings at the hubs, {share:.0%} of alighting riders "
             "assumed to change lines (an assumption, not a measurement)",)
    return HubDemand(tuple(demand), "estimate", notes)


def _index(profile: LoadProfile, hub: Hub, stop_id: str | None, *, arriving: bool) -> int | None:
    """Where the timed pattern calls at the hub: at ``stop_id`` if it does, else at
    the hub's first stop it serves. Riders get off after the first stop and board
    before the last."""
    stops = profile.stop_ids
    allowed = range(1, len(stops)) if arriving else range(0, len(stops) - 1)
    wanted = [stop_id] if stop_id is not None and stop_id in stops else list(hub.stop_ids)
    for stop in wanted:
        found = [i for i in allowed if stops[i] == stop]
        if found:
            return found[-1] if arriving else found[0]
    return None


def _bin_starts(profile: LoadProfile) -> list[int]:
    return [profile.start_s + b * profile.bin_s for b in range(profile.bins)]


def _alighting(profile: LoadProfile, b: int, i: int) -> float:
    """Riders getting off at stop ``i`` in bin ``b``: the load in, plus those
    boarding there, less the load out."""
    loads, boards = profile.loads[b], profile.boardings[b]
    out = loads[i] if i < len(loads) else 0.0
    return max(0.0, loads[i - 1] + boards[i] - out)


def _boarding(direction: DirectionInput, at_stop_s: int, j: int) -> float:
    """Riders boarding the direction at stop ``j`` in the bin whose trips are there at ``at_stop_s``."""
    profile = direction.profile
    leave = at_stop_s - direction.running.departures[direction.running.bin_at(at_stop_s)][j]
    b = (leave - profile.start_s) // profile.bin_s
    if not 0 <= b < profile.bins:
        return 0.0
    return profile.boardings[b][j]
