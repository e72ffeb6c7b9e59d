"""Riders' days: which journeys are the same person's, for trip-chaining studies.

The running simulation decides who boards where and when and where they alight
(stop demand, Poisson arrivals), not who they are. Here the journeys are joined
into riders' days, in boarding order. A boarding is taken by a rider waiting
near its stop (alighted within ``chain_walk_m`` earlier and done with what they
came for), preferably one whose day began near where this trip ends (going
home); failing that, sometimes by any rider waiting near (an errand on the way),
now and then by the rider waiting longest anywhere (who came by other means: a
lift, a bike, a taxi), or else by a new rider whose day begins here.

What comes out is what chaining relies on and where it fails in practice: next
boardings near the last alighting, last trips going home, single-trip days, and
gaps bridged by other modes. Riders who never go home by bus stay open at night.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from feeds.simulator.params import SimulationParams
from feeds.simulator.taps import Journey, RawTap, rider_pool
from transit.flow.walk import stop_plane, stops_within
from transit.model.network import Network
from transit.records import PaymentMedium

# (ready from, entry number, rider): the entry number tells a live entry from
# one left behind in the other queues once its rider has been taken.
Entry = tuple[float, int, int]


@dataclass(frozen=True, slots=True)
class RiderDays:
    """Per journey (aligned with the input): the rider's account and medium."""

    accounts: tuple[str, ...]
    media: tuple[PaymentMedium, ...]
    riders: int


class _Waiting:
    """Riders between trips, queued by when they are ready to ride again: by
    (stop they are near, stop their day began), by stop, and all together."""

    def __init__(self) -> None:
        self.by_stop_home: dict[tuple[str, str], list[Entry]] = {}
        self.by_stop: dict[str, list[Entry]] = {}
        self.anywhere: list[Entry] = []
        self.live_entry: list[int] = []  # rider -> their live entry, -1 while riding
        self._entries = 0

    def new_rider(self) -> int:
        self.live_entry.append(-1)
        return len(self.live_entry) - 1

    def add(self, rider: int, stop: str, home: str, ready: float) -> None:
        entry = (ready, self._entries, rider)
        self.live_entry[rider] = self._entries
        self._entries += 1
        heapq.heappush(self.by_stop_home.setdefault((stop, home), []), entry)
        heapq.heappush(self.by_stop.setdefault(stop, []), entry)
        heapq.heappush(self.anywhere, entry)

    def earliest(self, queues: Sequence[list[Entry] | None], now: float) -> Entry | None:
        """The live entry ready soonest (and by ``now``) among ``queues``."""
        best: Entry | None = None
        for queue in queues:
            if not queue:
                continue
            while queue and self.live_entry[queue[0][2]] != queue[0][1]:
                heapq.heappop(queue)
            if queue and queue[0][0] <= now and (best is None or queue[0] < best):
                best = queue[0]
        return best

    def take(self, entry: Entry) -> int:
        self.live_entry[entry[2]] = -1
        return entry[2]


def chain_riders(network: Network, journeys: Sequence[Journey], params: SimulationParams,
                 rng: np.random.Generator) -> RiderDays:
    """Accounts for ``journeys`` that join them into riders' days (see the module)."""
    near = stops_within(stop_plane(network), params.chain_walk_m)
    accounts, media = rider_pool(len(journeys), params.payment_mix, rng)
    draws = rng.random((len(journeys), 4))
    order = sorted(range(len(journeys)), key=lambda i: (journeys[i].boarded_at, journeys[i].tap_id))
    waiting = _Waiting()
    homes: list[str] = []
    rider_of = [0] * len(journeys)
    for i in order:
        journey, u = journeys[i], draws[i]
        entry = _waiting_rider(waiting, near, journey, u, params)
        if entry is None:
            rider = waiting.new_rider()
            homes.append(journey.board_stop_id)
        else:
            rider = waiting.take(entry)
        rider_of[i] = rider
        if u[2] < params.chain_transfer_share:
            low, high = params.chain_transfer_wait_s
        else:
            low, high = params.chain_activity_s
        ready = journey.alighted_at + low + (high - low) * u[3]
        waiting.add(rider, journey.alight_stop_id, homes[rider], ready)
    return RiderDays(tuple(accounts[r] for r in rider_of), tuple(media[r] for r in rider_of),
                     len(homes))


def _waiting_rider(waiting: _Waiting, near: dict[str, tuple[str, ...]], journey: Journey,
                   u: np.ndarray, params: SimulationParams) -> Entry | None:
    """Who takes this boarding, if anyone already out: see the module docstring."""
    now = journey.boarded_at
    if u[0] < params.chain_elsewhere_share:
        return waiting.earliest([waiting.anywhere], now)
    stops = near.get(journey.board_stop_id, (journey.board_stop_id,))
    homes = near.get(journey.alight_stop_id, (journey.alight_stop_id,))
    # Nearest stops first: riders go on from where they got off if they can.
    groups = [[s] for s in stops] if params.chain_nearest_first else [list(stops)]
    for group in groups:
        going_home = waiting.earliest(
            [waiting.by_stop_home.get((s, h)) for s in group for h in homes], now)
        if going_home is not None:
            return going_home
    if u[1] >= params.chain_onward_share:
        return None
    for group in groups:
        onward = waiting.earliest([waiting.by_stop.get(s) for s in group], now)
        if onward is not None:
            return onward
    return None


def with_rider_days(network: Network, taps: Sequence[RawTap], journeys: Sequence[Journey],
                    params: SimulationParams, rng: np.random.Generator,
                    ) -> tuple[list[RawTap], list[Journey]]:
    """``taps`` and ``journeys`` (aligned, as ``make_taps`` returns them) with
    the accounts of ``chain_riders``."""
    days = chain_riders(network, journeys, params, rng)
    return (
        [replace(t, account=a, medium=m) for t, a, m in zip(taps, days.accounts, days.media)],
        [replace(j, account=a, medium=m) for j, a, m in zip(journeys, days.accounts, days.media)],
    )
