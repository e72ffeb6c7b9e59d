"""A day's passenger flow from its taps and its buses' stop events.

The steps, each its own module: dwell windows from stop events (``dwells``);
each reader's clock offset from its taps (``clocks``); each tap's boarding stop
once corrected (``boarding``); alighting stops by trip chaining (``chaining``);
every boarding expanded to an alighting pattern, and the loads per segment and
the counts per stop that follow (``loads``). Pure: data in, data out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from transit.flow.boarding import Boarding, Unplaced, place_taps
from transit.flow.chaining import Chains, ChainFailure, chain_boardings
from transit.flow.clocks import ReaderClock, estimate_clock
from transit.flow.dwells import list_dwells
from transit.flow.loads import SegmentLoad, StopFlow, TripFlow, segment_loads, stop_flows, trip_flows
from transit.flow.params import FlowParams
from transit.flow.walk import stop_plane
from transit.model.network import Network
from transit.records import StopEvent, Tap


@dataclass(frozen=True, slots=True)
class FlowCounts:
    """Where the day's taps went; every tap is in exactly one count."""

    taps: int  # distinct tap ids given
    duplicates: int  # further taps repeating a tap id (the first is kept)
    unplaced: Mapping[Unplaced, int]
    chained: int  # placed, with an alighting stop
    unchained: Mapping[ChainFailure, int]  # placed, no alighting stop, by reason

    @property
    def placed(self) -> int:
        return self.taps - sum(self.unplaced.values())

    @property
    def chained_share(self) -> float:
        """Share of all taps with an inferred alighting stop."""
        return self.chained / self.taps if self.taps else 0.0


@dataclass(frozen=True)
class DayFlow:
    clocks: Mapping[str, ReaderClock]  # by vehicle, for every vehicle with taps and trips
    boardings: tuple[Boarding, ...]
    unplaced: Mapping[str, Unplaced]  # by tap_id
    chains: Chains
    trips: tuple[TripFlow, ...]
    loads: tuple[SegmentLoad, ...]
    stops: tuple[StopFlow, ...]
    counts: FlowCounts


def infer_flow(network: Network, events: Iterable[StopEvent], taps: Iterable[Tap],
               params: FlowParams = FlowParams()) -> DayFlow:
    """The flow of the taps, on the trips of the stop events (one service day
    or a few: chains never cross a service day)."""
    dwells = list_dwells(network, events, params)
    unique: dict[str, Tap] = {}
    duplicates = 0
    for tap in taps:
        if tap.tap_id in unique:
            duplicates += 1
        else:
            unique[tap.tap_id] = tap
    by_vehicle: dict[str, list[Tap]] = {}
    for tap in unique.values():
        by_vehicle.setdefault(tap.vehicle_id, []).append(tap)
    clocks = {v: estimate_clock(v, [t.timestamp for t in vehicle_taps], dwells.timelines[v], params)
              for v, vehicle_taps in sorted(by_vehicle.items()) if v in dwells.timelines}
    boardings: list[Boarding] = []
    unplaced: dict[str, Unplaced] = {}
    for vehicle_id, vehicle_taps in sorted(by_vehicle.items()):
        clock = clocks.get(vehicle_id)
        placed = place_taps(vehicle_taps, clock.offset_s if clock else 0.0,
                            dwells.timelines.get(vehicle_id), params)
        for tap, outcome in zip(vehicle_taps, placed):
            if isinstance(outcome, Boarding):
                boardings.append(outcome)
            else:
                unplaced[tap.tap_id] = outcome
    chains = chain_boardings(boardings, network, stop_plane(network), dwells.trips, params)
    flows = trip_flows(network, boardings, chains.alightings, dwells.trips, params)
    counts = FlowCounts(len(unique), duplicates, Counter(unplaced.values()),
                        len(chains.alightings), Counter(chains.failures.values()))
    return DayFlow(clocks, tuple(boardings), unplaced, chains, tuple(flows),
                   tuple(segment_loads(network, flows)),
                   tuple(stop_flows(network, flows, params.bin_s)), counts)
