"""The replay's passenger flow: each replayed day's taps through the inference
``transit flow build`` runs (``transit.flow.day.infer_flow``, the one path), on
the stop events the replay detected that day."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from feeds.replay.runner import DayResult
from feeds.replay.taps import DayTaps
from transit.flow.day import DayFlow, infer_flow
from transit.model.network import Network


@dataclass(frozen=True)
class ReplayedFlow:
    label: str  # the replayed day's
    taps: DayTaps
    flow: DayFlow
    seconds: float  # wall time of the inference


def infer_replayed_flows(network: Network, days: Sequence[DayResult], taps: Sequence[DayTaps],
                         timer: Callable[[], float] = time.perf_counter) -> list[ReplayedFlow]:
    """The flow of each day's taps on that day's stop events (``taps[i]`` is
    the taps of ``days[i]``)."""
    if len(days) != len(taps):
        raise ValueError(f"{len(taps)} tap file(s) for {len(days)} replayed day(s)")
    flows = []
    for day, day_taps in zip(days, taps):
        started = timer()
        flow = infer_flow(network, day.events, day_taps.taps)
        flows.append(ReplayedFlow(day.label, day_taps, flow, timer() - started))
    return flows
