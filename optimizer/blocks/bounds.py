"""Fleet lower bounds: how few vehicles could possibly run the trips.

- ``chain``: the fewest chains of connections that cover every trip (a minimum
  path cover, n minus a maximum matching), depot capacities aside. It knows the
  deadheads and layovers, so it is the tightest of the three. When the search
  caps waits, ``all_waits`` is the same bound without the cap (``waiting_lines``).
- ``deficit``: the deficit function summed over all terminals, i.e. the most
  trips running or in layover at one instant; each needs its own vehicle
  whatever the deadheads.
- ``without_deadheads``: the sum over terminals of each terminal's deficit
  maximum (Ceder's deficit function theorem): the fleet needed if vehicles never
  deadhead between terminals. Not a bound when deadheads are allowed; it shows
  what deadheading saves.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import max_flow

from optimizer.blocks.inputs import BlockingInput
from optimizer.blocks.network import BlockingNetwork


@dataclass(frozen=True, slots=True)
class Deficit:
    peak: int  # most trips running or in layover at once
    peak_at_s: int  # first instant it is reached
    without_deadheads: int
    by_terminal: tuple[tuple[str, int], ...]  # each terminal's deficit maximum, largest first


@dataclass(frozen=True, slots=True)
class FleetBounds:
    chain: int  # over the connections searched
    deficit: Deficit | None = None  # when trips have times and places
    # Fewest vehicles when waits of any length are allowed; set when the search
    # left the long waits out (``max_wait_s``), so ``chain`` may be above it.
    all_waits: int | None = None

    @property
    def best(self) -> int:
        """Vehicles every blocking of the trips needs, whatever its waits."""
        chains = self.chain if self.all_waits is None else self.all_waits
        return max(chains, self.deficit.peak if self.deficit else 0)


def chain_bound(network: BlockingNetwork) -> int:
    """Fewest vehicles covering all trips along connections (connections acyclic)."""
    n = network.trip_count
    if not network.connection_count:
        return n
    flows = max_flow.SimpleMaxFlow()
    source, sink = 2 * n, 2 * n + 1
    trips = np.arange(n)
    # Trip i's end (node i) may hand its vehicle to trip j's start (node n + j).
    flows.add_arcs_with_capacity(np.full(n, source), trips, np.ones(n, dtype=np.int64))
    flows.add_arcs_with_capacity(network.connection_from.astype(np.int64),
                                 n + network.connection_to.astype(np.int64),
                                 np.ones(network.connection_count, dtype=np.int64))
    flows.add_arcs_with_capacity(n + trips, np.full(n, sink), np.ones(n, dtype=np.int64))
    if flows.solve(source, sink) != flows.OPTIMAL:
        raise RuntimeError("max flow failed on a unit-capacity graph")
    return n - int(flows.optimal_flow())


def deficit_function(blocking_input: BlockingInput) -> Deficit | None:
    """The deficit function of timed trips; a vehicle is free again ``min_layover_s``
    after its trip ends (a vehicle freed at t may leave at t)."""
    trips = blocking_input.trips
    if not trips:
        return None
    layover = blocking_input.min_layover_s
    # (time, +1 departure / -1 vehicle free again); at equal times the free vehicle counts first.
    overall = sorted([(t.start_s, 1) for t in trips] + [(t.end_s + layover, -1) for t in trips])
    running, peak, peak_at = 0, 0, overall[0][0]
    for at, change in overall:
        running += change
        if running > peak:
            peak, peak_at = running, at
    per_terminal: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for t in trips:
        per_terminal[t.start_place].append((t.start_s, 1))
        per_terminal[t.end_place].append((t.end_s + layover, -1))
    by_terminal = sorted(((place, _maximum(events)) for place, events in per_terminal.items()),
                         key=lambda item: (-item[1], item[0]))
    return Deficit(peak=peak, peak_at_s=peak_at, without_deadheads=sum(d for _, d in by_terminal),
                   by_terminal=tuple(by_terminal))


def _maximum(events: list[tuple[int, int]]) -> int:
    running, highest = 0, 0
    for _, change in sorted(events):
        running += change
        highest = max(highest, running)
    return highest
