"""Where a live rider is expected to get off, learned from a built day.

Live taps say where riders boarded, never where they will alight. A built
service day (``transit flow build``) holds the origin-destination matrix per
line and hour of boarding (``od.stop_od``): chained journeys and every other
boarding spread by the day's alighting patterns, the one answer the loads use.
So for a rider boarding pattern ``p`` at stop index ``i`` in hour ``h`` the
shares of the later stops are the riders of that line and hour from ``i``'s
stop to each later stop of ``p``; with fewer than ``min_riders`` of them, the
same over the whole day; with none (no day built, a new line), evenly over
the later stops, and the answer says it was not learned.

Pure: the network and the OD rows come in as arguments.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from transit.flow.od import OdFlow
from transit.model.network import Network

# Fewer riders than this from a stop in an hour do not speak for it (as
# ``FlowParams.min_chained`` for the loads): the whole day's are taken.
MIN_RIDERS = 5.0


@dataclass(frozen=True, slots=True)
class Shares:
    """Expected alighting shares by stop index of the pattern (zero up to the
    boarding stop, summing to 1 unless no stop follows it)."""

    by_stop: tuple[float, ...]
    learned: bool  # from a built day; False: spread evenly over the later stops


class AlightingShares:
    """Alighting shares per (pattern, hour of the service day, boarding stop
    index), from one built day's OD rows (or none), memoised."""

    def __init__(self, network: Network, od: Iterable[OdFlow] = (),
                 min_riders: float = MIN_RIDERS) -> None:
        self._network = network
        self._min = min_riders
        self._by_hour: dict[tuple[str, int, str], dict[str, float]] = {}
        self._by_day: dict[tuple[str, str], dict[str, float]] = {}
        for row in od:
            for riders in (self._by_hour.setdefault((row.route_id, row.hour, row.origin_stop_id), {}),
                           self._by_day.setdefault((row.route_id, row.origin_stop_id), {})):
                riders[row.destination_stop_id] = riders.get(row.destination_stop_id, 0.0) + row.riders
        self.learned_from = bool(self._by_day)  # False: no built day, every share is even
        self._memo: dict[tuple[str, int, int], Shares] = {}

    def find(self, pattern_id: str, hour: int, index: int) -> Shares:
        """The shares of a boarding at stop ``index`` of ``pattern_id`` in ``hour``."""
        key = (pattern_id, hour, index)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._shares(pattern_id, hour, index)
        return found

    def _shares(self, pattern_id: str, hour: int, index: int) -> Shares:
        pattern = self._network.patterns[pattern_id]
        stops = pattern.stop_ids
        origin = stops[index]
        for riders in (self._by_hour.get((pattern.route_id, hour, origin)),
                       self._by_day.get((pattern.route_id, origin))):
            if riders:
                counts = _later_counts(stops, index, riders)
                total = sum(counts)
                if total >= self._min:
                    return Shares(tuple(c / total for c in counts), True)
        later = len(stops) - index - 1
        return Shares(tuple(0.0 if i <= index else 1.0 / later for i in range(len(stops))), False)


def _later_counts(stops: tuple[str, ...], index: int, riders: dict[str, float]) -> list[float]:
    """Riders to each stop after ``index``; a stop a loop serves twice gets
    them at its first call after the boarding."""
    counts = [0.0] * len(stops)
    seen = set()
    for i in range(index + 1, len(stops)):
        if stops[i] not in seen:
            seen.add(stops[i])
            counts[i] = riders.get(stops[i], 0.0)
    return counts
