"""POS reader clocks: the time a reader stamps on a tap is its own.

Readers are set by hand or synchronised rarely, so their clocks drift and some
are minutes off; now and then one is an hour off (set in the wrong season or
zone). The flow inference (``transit.flow.clocks``) estimates these offsets back
from the taps; the simulator keeps the true ones to score it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

import numpy as np

from feeds.simulator.params import SimulationParams
from feeds.simulator.taps import RawTap


def reader_offsets(vehicle_ids: Iterable[str], params: SimulationParams,
                   rng: np.random.Generator) -> dict[str, float]:
    """Seconds each vehicle's reader runs ahead of the true time (negative:
    behind), in vehicle id order; empty when the parameters simulate no offsets."""
    if params.reader_clock_sigma_s <= 0 and params.reader_clock_off_share <= 0:
        return {}
    ids = sorted(set(vehicle_ids))
    offsets = rng.normal(0.0, params.reader_clock_sigma_s, len(ids))
    off = rng.random(len(ids)) < params.reader_clock_off_share
    low, high = params.reader_clock_off_s
    # Log-uniform: a few seconds to minutes are common, an hour is rare.
    size = np.exp(rng.uniform(math.log(low), math.log(high), len(ids)))
    sign = np.where(rng.random(len(ids)) < 0.5, -1.0, 1.0)
    offsets = np.where(off, sign * size, offsets)
    return {v: round(float(o), 3) for v, o in zip(ids, offsets)}


def with_reader_clocks(taps: Sequence[RawTap], offsets: Mapping[str, float]) -> list[RawTap]:
    """``taps`` stamped by their readers' clocks; the receive time stays true."""
    if not offsets:
        return list(taps)
    return [replace(t, timestamp=round(t.timestamp + offsets.get(t.vehicle_id, 0.0), 3))
            for t in taps]
