"""The closed-loop check of a drafted timetable (issue 13): the draft and the
live timetable run in the simulator against the same riders, and what riders
got is measured the same way for both, beside the optimizer's own estimate.

The demand is built once, from the live timetable's day: the simulator shares
a stop's riders among the patterns serving it by their trips that day, so a
demand rebuilt from the draft would send more riders to the lines it adds
trips to, and the comparison would no longer be fair.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from rich.table import Table

from feeds.simulator.demand import StopDemand, build_demand
from feeds.simulator.measures import DESIRED_LOAD, ServiceMeasures, TimetableMeasures, measure_service
from feeds.simulator.params import SimulationParams
from feeds.simulator.service import simulate_service
from transit.model.network import Network, Trip


def compare_timetables(
    network: Network,
    live_trips: Sequence[Trip],
    draft_trips: Sequence[Trip],
    service_date: date,
    params: SimulationParams = SimulationParams(),
    seed: int = 0,
    *,
    stop_demand: StopDemand | None = None,
    desired_load: float = DESIRED_LOAD,
) -> tuple[TimetableMeasures, TimetableMeasures]:
    """The live and the draft timetable's measures on ``service_date``, both run
    with the demand of the live trips (``stop_demand``: the stops' weights, as
    for ``simulate_day``) and the same ``seed``. Draft trips must run patterns
    the live timetable runs (the demand has riders for those only)."""
    if not live_trips:
        raise ValueError(f"the live timetable has no trips on {service_date}: no demand to compare with")
    demand = build_demand(network, live_trips, service_date, params, stop_demand)

    def measure(trips: Sequence[Trip]) -> TimetableMeasures:
        run = simulate_service(network, service_date, trips, demand, params, seed=seed)
        return measure_service(run, demand, capacity=params.capacity,
                               desired_load=desired_load, seed=seed)

    return measure(live_trips), measure(draft_trips)


# (heading, figure as text): the rows' columns, each shown "live -> draft".
_COLUMNS: tuple[tuple[str, Callable[[ServiceMeasures], str]], ...] = (
    ("trips", lambda m: f"{m.trips:,}"),
    ("riders", lambda m: f"{m.riders:,}"),
    ("mean wait min", lambda m: f"{m.mean_wait_s / 60:.1f}"),
    ("p95 wait min", lambda m: f"{m.p95_wait_s / 60:.1f}"),
    ("denied", lambda m: f"{m.denied_boardings:,}"),
    ("gave up", lambda m: f"{m.gave_up:,.0f}"),
    ("load factor mean/p95/max", lambda m: f"{m.mean_load_factor:.2f}/{m.p95_load_factor:.2f}/"
                                           f"{m.max_load_factor:.2f}"),
    ("over desired", lambda m: f"{100 * m.over_desired_share:.1f}%"),
    ("vehicles at peak", lambda m: f"{m.vehicles_at_peak}"),
    ("vehicle h", lambda m: f"{m.vehicle_hours:,.1f}"),
)


def closed_loop_table(network: Network, live: TimetableMeasures, draft: TimetableMeasures,
                      title: str = "closed loop: live -> draft") -> Table:
    """Per line, then the network: each figure as "live -> draft", "=" when the
    same. A line only one side runs shows "-" on the other."""
    table = Table("line", *(heading for heading, _ in _COLUMNS), title=title)
    for route_id in sorted(set(live.lines) | set(draft.lines)):
        route = network.routes.get(route_id)
        name = route.short_name if route is not None else route_id
        table.add_row(name, *_cells(live.lines.get(route_id), draft.lines.get(route_id)))
    table.add_section()
    table.add_row("all lines", *_cells(live.total, draft.total), style="bold")
    return table


def _cells(live: ServiceMeasures | None, draft: ServiceMeasures | None) -> list[str]:
    cells = []
    for _, show in _COLUMNS:
        before = show(live) if live is not None else "-"
        after = show(draft) if draft is not None else "-"
        cells.append(f"{before} =" if before == after else f"{before} -> {after}")
    return cells
