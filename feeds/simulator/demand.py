"""Origin-destination demand: who arrives at which stop when, and where they go.

Riders arrive at a stop as a Poisson process whose rate follows the time of day
(AM and PM peaks) and, for tourist stops, a midday surge on weekends and in the
tourist season. A stop's riders are shared among the patterns serving it in
proportion to their trips that day, and wait for a bus of their pattern. Each
rider alights downstream, chosen by the stop's attraction and a distance decay.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from feeds.simulator.params import SimulationParams
from transit.model.network import Network, Trip

# stop_id -> (everyday weight, tourist weight); any positive scale.
StopDemand = Mapping[str, tuple[float, float]]

GRID_STEP_S = 300.0


def everyday_profile(hours: np.ndarray) -> np.ndarray:
    """Relative everyday arrival rate by hour of the service day, about 1 off-peak."""
    h = np.mod(hours, 24.0)
    peaks = 1.6 * np.exp(-0.5 * ((h - 7.5) / 0.9) ** 2) + 1.2 * np.exp(
        -0.5 * ((h - 17.75) / 1.1) ** 2
    )
    night = (h < 6.0) | (h >= 22.0)
    return np.where(night, 0.2, 1.0) * (0.8 + peaks)


def tourist_profile(hours: np.ndarray) -> np.ndarray:
    """Relative tourist arrival rate: a broad midday hump."""
    h = np.mod(hours, 24.0)
    return 1.5 * np.exp(-0.5 * ((h - 12.5) / 2.5) ** 2)


def tourist_multiplier(day: date, params: SimulationParams) -> float:
    """Tourist weights count ``tourist_surge`` times on weekends and in season."""
    return params.tourist_surge if params.tourist_season or day.weekday() >= 5 else 1.0


def normalised_weights(
    stop_ids: Sequence[str], demand: StopDemand | None
) -> dict[str, tuple[float, float]]:
    """Weights scaled so the average stop has everyday weight 1 (tourist weights
    keep their ratio to it). No demand given: every stop 1, no tourists; a stop
    missing from the mapping counts as (1, 0) before scaling."""
    if demand is None:
        return {s: (1.0, 0.0) for s in stop_ids}
    raw = {s: demand.get(s, (1.0, 0.0)) for s in stop_ids}
    mean = float(np.mean([w[0] for w in raw.values()])) if raw else 1.0
    scale = 1.0 / mean if mean > 0 else 1.0
    return {s: (max(e, 0.0) * scale, max(t, 0.0) * scale) for s, (e, t) in raw.items()}


@dataclass(frozen=True)
class PatternDemand:
    """Arrival curves and destination choice of one pattern's stops."""

    cumulative: np.ndarray  # (stops, grid): expected arrivals from the grid start
    destination_cdf: tuple[np.ndarray, ...]  # per stop i: CDF over stops i+1..


@dataclass(frozen=True)
class DemandModel:
    grid: np.ndarray  # service-day seconds
    patterns: Mapping[str, PatternDemand]

    def expected_arrivals(self, pattern_id: str, stop_index: int, t0: float, t1: float) -> float:
        """Expected riders arriving for ``pattern_id`` at the stop in [t0, t1)."""
        if t1 <= t0:
            return 0.0
        curve = self.patterns[pattern_id].cumulative[stop_index]
        return float(np.interp(t1, self.grid, curve) - np.interp(t0, self.grid, curve))

    def expected_arrivals_in(self, pattern_id: str, stop_index: int, t0: np.ndarray,
                             t1: np.ndarray) -> np.ndarray:
        """``expected_arrivals`` over many windows ``[t0[k], t1[k])`` at once."""
        curve = self.patterns[pattern_id].cumulative[stop_index]
        return np.maximum(np.interp(t1, self.grid, curve) - np.interp(t0, self.grid, curve), 0.0)

    def draw_arrival_times(
        self, pattern_id: str, stop_index: int, since: np.ndarray, until: np.ndarray,
        counts: np.ndarray, rng: np.random.Generator,
    ) -> np.ndarray:
        """When ``counts[k]`` riders came to the stop in each window
        ``[since[k], until[k])`` (service-day seconds), following its arrival
        rate: window after window, in time order within each."""
        curve = self.patterns[pattern_id].cumulative[stop_index]
        window = np.repeat(np.arange(len(counts)), counts)
        # Sorting window + draw keeps the windows in order and sorts within each.
        share = np.sort(window + rng.random(len(window))) - window
        low, high = np.interp(since, self.grid, curve), np.interp(until, self.grid, curve)
        expected = low[window] + share * (high - low)[window]
        times = np.interp(expected, curve, self.grid)
        return np.clip(times, since[window], until[window])

    def draw_destinations(
        self, pattern_id: str, stop_index: int, count: int, rng: np.random.Generator
    ) -> np.ndarray:
        """Alighting stop indices (all > stop_index) for ``count`` boarders."""
        cdf = self.patterns[pattern_id].destination_cdf[stop_index]
        picks = np.searchsorted(cdf, rng.random(count) * cdf[-1], side="right")
        return stop_index + 1 + np.minimum(picks, len(cdf) - 1)


def build_demand(
    network: Network,
    trips: Sequence[Trip],
    day: date,
    params: SimulationParams,
    demand: StopDemand | None = None,
) -> DemandModel:
    """The day's demand over the patterns that ``trips`` use."""
    end = max((t.end for t in trips), default=0) + 7200.0
    grid = np.arange(0.0, end + GRID_STEP_S, GRID_STEP_S)
    hours = (grid[:-1] + GRID_STEP_S / 2) / 3600.0
    everyday, tourist = everyday_profile(hours), tourist_profile(hours)
    surge = tourist_multiplier(day, params)
    weights = normalised_weights(list(network.stops), demand)
    per_second = params.boardings_per_stop_hour / 3600.0

    trips_per_pattern: dict[str, int] = {}
    for trip in trips:
        trips_per_pattern[trip.pattern_id] = trips_per_pattern.get(trip.pattern_id, 0) + 1
    # Trips of the day that can pick a rider up at each stop (not at their last stop).
    served: dict[str, int] = {}
    for pid, n in trips_per_pattern.items():
        for stop_id in network.patterns[pid].stop_ids[:-1]:
            served[stop_id] = served.get(stop_id, 0) + n

    patterns: dict[str, PatternDemand] = {}
    for pid, n in trips_per_pattern.items():
        pattern = network.patterns[pid]
        count = len(pattern.stop_ids)
        cumulative = np.zeros((count, len(grid)))
        for i, stop_id in enumerate(pattern.stop_ids[:-1]):
            e, t = weights.get(stop_id, (1.0, 0.0))
            rate = per_second * (e * everyday + surge * t * tourist) * n / served[stop_id]
            cumulative[i, 1:] = np.cumsum(rate * GRID_STEP_S)
        dists = np.asarray(pattern.stop_dists, float)
        attraction = np.array(
            [weights.get(s, (1.0, 0.0))[0] + surge * weights.get(s, (1.0, 0.0))[1]
             for s in pattern.stop_ids]
        )
        cdfs = []
        for i in range(count - 1):
            ahead = dists[i + 1:] - dists[i]
            choice = (attraction[i + 1:] + 1e-3) * np.exp(-ahead / params.mean_ride_m)
            cdfs.append(np.cumsum(choice))
        cdfs.append(np.zeros(1))
        patterns[pid] = PatternDemand(cumulative, tuple(cdfs))
    return DemandModel(grid, patterns)
