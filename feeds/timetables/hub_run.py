"""Transfer timing at named hubs in a ``transit optimize`` or ``transit study`` run:
the hubs checked against the schedule, their demand from the day's flow, the
hub model run on the engine's timetables (``optimizer.timetable.transfer_timing``),
and what the draft keeps of it (its KPIs and notes).

The waits reported are the optimizer's estimate (``transfer_waits``): the
closed-loop simulator has no transfers (docs/optimizer.md).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from optimizer.blocks.deadline import Deadline
from optimizer.timetable.hubs import (Hub, HubDemand, HubParams, demand_from_cards, demand_from_profiles,
                                      named_hubs)
from optimizer.timetable.model import Binding, DirectionInput
from optimizer.timetable.rebuild import Rebuilt
from optimizer.timetable.settings import Weights
from optimizer.timetable.transfer_timing import TransferTiming, time_transfers
from transit.flow.day import DayFlow
from transit.flow.transfers import list_transfers
from transit.model.network import Network

ESTIMATE_LABEL = "optimizer estimate (the closed-loop simulator has no transfers)"


@dataclass(frozen=True, slots=True)
class HubSpec:
    stop_id: str
    walk_m: float | None = None  # None: the run's ``HubParams.walk_m``


@dataclass(frozen=True)
class HubReport:
    hubs: tuple[Hub, ...]
    demand: HubDemand
    timing: TransferTiming
    seconds: float  # wall time of the hub step, demand included
    budget_s: float  # the wall time it was given (``HubParams.time_limit_s``)


def check_hubs(network: Network, specs: Sequence[HubSpec], params: HubParams) -> tuple[Hub, ...]:
    """The hubs of ``specs``; ``InputError`` for an unknown stop or a bad walk."""
    walks = {s.stop_id: s.walk_m for s in specs if s.walk_m is not None}
    return named_hubs(network, [s.stop_id for s in specs], params, walks)


def hub_demand(network: Network, hubs: Sequence[Hub], flow: DayFlow | None, inputs: Sequence[DirectionInput],
               params: HubParams) -> HubDemand:
    """From the day's card transfers; lacking any, estimated from the flow; with no flow, none."""
    if flow is None:
        return HubDemand((), "none", ("no passenger flow (no --day with taps): no transfer demand at the hubs",))
    transfers = list_transfers(network, flow.boardings, flow.chains.alightings)
    if transfers:
        return demand_from_cards(network, hubs, transfers, inputs)
    return demand_from_profiles(hubs, inputs, params.od_transfer_share)


def time_hubs(network: Network, hubs: Sequence[Hub], flow: DayFlow | None, rebuilt: Rebuilt,
              params: HubParams, weights: Weights, grid_s: int) -> tuple[Rebuilt, HubReport]:
    """The run's timetables with the hub model's shifts, and its report. The hub
    budget (``params.time_limit_s``) is wall time from here: demand included."""
    started = time.perf_counter()
    deadline = Deadline.after(params.time_limit_s, time.perf_counter)
    directions = {r.key: r.direction for r in rebuilt.directions}
    demand = hub_demand(network, hubs, flow, list(directions.values()), params)
    timing = time_transfers(directions, {r.key: r.timetable.departures_s for r in rebuilt.directions},
                            demand.demand, [h.name for h in hubs], grid_s=grid_s, fleets=rebuilt.fleets,
                            vehicles=rebuilt.vehicles, weights=weights, params=params, deadline=deadline)
    names = ", ".join(h.name for h in hubs)
    shifted = []
    for r in rebuilt.directions:
        new = timing.departures.get(r.key)
        if new is None or new == tuple(sorted(r.timetable.departures_s)):
            shifted.append(r)
            continue
        t = r.timetable
        moved = sum(a != b for a, b in zip(sorted(t.departures_s), new))
        change = timing.cost_change.get(r.key, 0.0)
        note = Binding("transfers", f"{moved} of {len(new)} departures moved up to {params.window_s // 60} min "
                       f"for transfers at hub(s) {names}; the line's own cost {change:+.1f} passenger-minute "
                       "equivalents", moved, "departures")
        objective = None if t.objective is None else t.objective + change
        shifted.append(replace(r, timetable=replace(t, departures_s=new, objective=objective,
                                                    bindings=t.bindings + (note,))))
    report = HubReport(tuple(hubs), demand, timing, time.perf_counter() - started, params.time_limit_s)
    return replace(rebuilt, directions=tuple(shifted)), report


def hub_kpis(report: HubReport) -> dict[str, Any]:
    """What the draft keeps: per hub the transfer riders and waits before and after."""
    timing = report.timing
    rows = []
    for hub, before, after in zip(report.hubs, timing.before, timing.after):
        rows.append({"hub": hub.name, "stops": list(hub.stop_ids), "riders": round(before.riders, 1),
                     "wait_before_s": _round(before.mean_wait_s), "wait_after_s": _round(after.mean_wait_s),
                     "capped_before": round(before.capped_riders, 1), "capped_after": round(after.capped_riders, 1)})
    return {"measured_by": ESTIMATE_LABEL, "demand": report.demand.source,
            "status": None if timing.status is None else timing.status.value, "moved": timing.moved,
            "wait_change_min": round(timing.wait_change_min, 1),
            "cost_change_min": round(sum(timing.cost_change.values()), 1),
            "hubs": rows, "bindings": [b.message for b in timing.bindings], "notes": list(report.demand.notes)}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
