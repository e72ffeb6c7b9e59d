"""One ``transit optimize`` run, off the event loop: observed data in, a draft out.

Shared by the command and the benchmark (``scripts/bench_timetable.py``), so what
is measured is what a dispatcher gets.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path

from rich.console import Console

from feeds.drafts.make import BaseSchedule, DraftRequest, NewDraft, make_draft
from feeds.schedules.depots import DepotsFileError, DepotSite, read_depots
from feeds.timetables.hub_run import HubReport, HubSpec, check_hubs, hub_kpis, time_hubs
from feeds.timetables.inputs import direction_inputs, load_scenario, service_trips
from optimizer.timetable.capacity import capacity_bindings
from optimizer.timetable.errors import InputError
from optimizer.timetable.hubs import HubParams
from optimizer.timetable.line_changes import LineStudy
from optimizer.timetable.line_study import LineReport, apply_line_study
from optimizer.timetable.scenarios import Scenario, check_scenario
from optimizer.timetable.model import Binding, Construction, DirectionInput, Method
from optimizer.timetable.policy import InputParams
from optimizer.timetable.rebuild import (Rebuilt, RebuildParams, line_cycles, peak_vehicles, rebuild_lines,
                                         short_turn_day)
from optimizer.timetable.settings import Search, Weights
from optimizer.timetable.short_turns import ShortTurnReport, short_turn_report
from transit.flow.day import infer_flow
from transit.model.service_days import active_service_ids
from transit.progress import progress_bar
from transit.model.network import Trip
from transit.records import StopEvent, Tap


class RunRefused(ValueError):
    """The run's options do not fit the schedule; the message says which."""


@dataclass(frozen=True, slots=True)
class OptimizeRun:
    lines: tuple[str, ...] = ()  # none: every line
    scenario: str = "weekday"  # a built-in name or a TOML file
    # Vehicles for the rebuilt lines together, shared by what their frequencies ask
    # for; none: as many as they have at peak today (the sum of each line's peak).
    fleet: int | None = None
    fleet_change: int = 0  # with no ``fleet``: vehicles more (fewer) than the lines have at peak today
    keep_line_fleets: bool = False  # each line keeps its own vehicles at peak today
    method: str = Method.LOAD_PROFILE_CAPPED.value
    construction: str = Construction.CP_SAT.value
    grid_s: int = 60
    time_limit_s: float = 0.25  # CP-SAT on any one direction
    budget_s: float = 3.0  # CP-SAT for the whole run
    depots: Path | None = None
    day: date | None = None  # the observed day, for the record
    depot_sites: tuple[DepotSite, ...] = ()  # given directly (the benchmark), else read from ``depots``
    weights: Weights = Weights()  # of the departure model's objective (configuration [timetable.weights])
    hubs: tuple[HubSpec, ...] = ()  # named hubs whose transfers are timed after the engine
    hub_params: HubParams = HubParams()
    line_study: LineStudy = LineStudy()  # lines changed or added (a study file's [[line_changes]], [[new_lines]])
    short_turns: bool = False  # full trips at the outside's need plus short turns where a stretch is busy
    left_behind: bool = False  # demand also from the queues full buses left (InputParams.left_behind)


@dataclass(frozen=True)
class OptimizeResult:
    draft: NewDraft
    rebuilt: Rebuilt
    inputs: tuple[DirectionInput, ...]
    notes: tuple[str, ...]
    vehicles: dict[str, int] = field(default_factory=dict)  # each line's share of the fleet
    engine_s: float = 0.0  # frequencies and departures of every direction
    hubs: HubReport | None = None  # transfer timing at the named hubs, if any
    lines: tuple[LineReport, ...] = ()  # what the study's line changes did, per direction
    short_turns: tuple[ShortTurnReport, ...] = ()  # directions with short-turn trips (in the draft, beside its KPIs)
    capacity: tuple[Binding, ...] = ()  # lines with trips expected over capacity, and the vehicles they would need


def run_rebuild(base: BaseSchedule, live: BaseSchedule, events: Sequence[StopEvent], taps: Sequence[Tap],
                run: OptimizeRun, console: Console | None = None, scenario: Scenario | None = None) -> OptimizeResult:
    """Infer the flow, build the inputs, time every direction, and make the draft
    (``scenario``: given whole, instead of ``run.scenario``'s name or file)."""
    network = base.network
    try:
        if scenario is None:
            scenario = load_scenario(run.scenario, network)
        else:
            check_scenario(scenario, network.stops, network.routes, f"scenario {scenario.name}")
        hubs = check_hubs(network, run.hubs, run.hub_params)
        flow = infer_flow(network, events, taps) if taps else None
        inputs, notes = direction_inputs(network, flow, events, scenario, InputParams(left_behind=run.left_behind))
        study = apply_line_study(network, inputs, run.line_study, scenario) if run.line_study else None
    except InputError as exc:
        raise RunRefused(str(exc)) from None
    live_inputs = {(d.route_id, d.direction_id): d for d in inputs}
    if study is not None:
        network, inputs = study.network, list(study.inputs)
        notes += study.notes
    inputs = _chosen_lines(inputs, run.lines, set(network.routes))
    day, trips = service_trips(network, scenario)
    today = peak_vehicles(trips)
    new_lines = study.vehicles if study is not None else {}
    line_fleets = {d.route_id: new_lines[d.route_id] if d.route_id in new_lines else today.get(d.route_id, 1)
                   for d in inputs}
    fleet: int | dict[str, int] = (line_fleets if run.keep_line_fleets else
                                   run.fleet if run.fleet is not None else sum(line_fleets.values()) + run.fleet_change)
    if isinstance(fleet, int) and fleet < 1:
        raise RunRefused(f"a fleet of {fleet} vehicles: give at least one")
    if run.short_turns and run.hubs:
        raise RunRefused("short turns with hubs: not run together (timing transfers moves the full trips the "
                         "short turns are timed between); drop --short-turns or the hubs")
    params = RebuildParams(Method(run.method), Construction(run.construction), run.weights,
                           search=Search(grid_s=run.grid_s, time_limit_s=run.time_limit_s), budget_s=run.budget_s,
                           short_turns=run.short_turns)
    started = time.perf_counter()
    rebuilt = _rebuild(inputs, fleet, params, console)
    engine_s = time.perf_counter() - started
    report = None
    if hubs:
        rebuilt, report = time_hubs(network, hubs, flow, rebuilt, run.hub_params, run.weights, run.grid_s)
    services = active_service_ids(network, day)
    service_id = _new_trips_service(services, trips, notes)
    request = DraftRequest(
        service_ids=services, rebuilt=rebuilt.directions, scenario=scenario.name, service_id=service_id,
        params={"method": run.method, "construction": run.construction, "grid_s": run.grid_s,
                "time_limit_s": run.time_limit_s, "budget_s": run.budget_s, "weights": asdict(run.weights), "fleet": fleet, "vehicles": dict(rebuilt.vehicles), "flow_day": str(run.day or ""),
                "service_date": str(day), "short_turns": run.short_turns, **_hub_params(run)},
        depots=run.depot_sites or _depots(run.depots))
    if study is not None:  # the changed lines run the study's patterns (draft_feed writes their rows)
        request = replace(request, live_demand=tuple(
            live_inputs[r.key] for r in rebuilt.directions if r.key in live_inputs))
    network, short_trips = short_turn_day(network, rebuilt, service_id)
    request = replace(request, short_trips=short_trips)
    base = replace(base, network=network)
    draft = make_draft(base, live, request, time.monotonic)
    if report is not None:
        draft = replace(draft, kpis={**draft.kpis, "transfers": hub_kpis(report)})
    turns = _short_turns(rebuilt, trips)
    if turns:
        draft = replace(draft, kpis={**draft.kpis, "short_turns": [asdict(t) for t in turns]})
    over = capacity_bindings([(r.direction, r.timetable.departures_s) for r in rebuilt.directions],
                             line_cycles(inputs),
                             {route: limit.vehicles for route, limit in rebuilt.fleets.items()})
    return OptimizeResult(draft, rebuilt, tuple(inputs), tuple(notes), dict(rebuilt.vehicles), engine_s, report,
                          study.reports if study is not None else (), turns, over)


def _short_turns(rebuilt: Rebuilt, live_trips: Sequence[Trip]) -> tuple[ShortTurnReport, ...]:
    """Each direction with short-turn trips against its live trips (the optimizer's estimate)."""
    live: dict[tuple[str, int], list[int]] = {}
    for trip in live_trips:
        live.setdefault((trip.route_id, trip.direction_id), []).append(trip.start)
    return tuple(short_turn_report(r.direction, rebuilt.short_turns[r.key], r.timetable.departures_s,
                                   sorted(live.get(r.key, ())))
                 for r in rebuilt.directions if r.key in rebuilt.short_turns and rebuilt.short_turns[r.key].trips)


def _hub_params(run: OptimizeRun) -> dict:
    if not run.hubs:
        return {}
    return {"hubs": [{"stop_id": h.stop_id, "walk_m": run.hub_params.walk_m if h.walk_m is None else h.walk_m} for h in run.hubs],
            "hub_params": asdict(run.hub_params)}


def _new_trips_service(services: frozenset[str], trips: Sequence[Trip], notes: list[str]) -> str:
    """The service the new trips run under: the day's only one, else the one
    running most of its trips (and a note: the draft's calendar needs review)."""
    counts = Counter(t.service_id for t in trips)
    chosen = max(sorted(services), key=lambda s: counts[s])
    if len(services) > 1:
        notes.append(f"the day runs services {', '.join(sorted(services))}: the new trips run under "
                     f"{chosen}, so the rebuilt lines' timetable applies on every day {chosen} runs; "
                     "review the calendar before publishing")
    return chosen


def _depots(path: Path | None) -> tuple[DepotSite, ...]:
    try:
        return read_depots(path) if path is not None else ()
    except DepotsFileError as exc:
        raise RunRefused(str(exc)) from None


def _chosen_lines(inputs: list[DirectionInput], lines: Sequence[str], known: set[str]) -> list[DirectionInput]:
    unknown = sorted(set(lines) - known)
    if unknown:
        raise RunRefused(f"--line {', '.join(unknown)}: no such line in the schedule")
    chosen = [d for d in inputs if not lines or d.route_id in lines]
    if not chosen:
        raise RunRefused(f"--line {', '.join(lines)}: no trips on the scenario's service day")
    return chosen


def _rebuild(inputs: list[DirectionInput], fleet: int | dict[str, int], params: RebuildParams,
             console: Console | None) -> Rebuilt:
    if console is None:
        return rebuild_lines(inputs, fleet, params)
    with progress_bar(console, "timing departures") as advance:
        return rebuild_lines(inputs, fleet, params, advance)

