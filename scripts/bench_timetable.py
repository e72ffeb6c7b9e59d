"""Benchmark: timetables rebuilt from observed flow (issue 13), closed loop, on the demo city.

    .venv/bin/python scripts/bench_timetable.py [--day 2026-11-25] [--seed 7] [--time-limit 0.25]
    .venv/bin/python scripts/bench_timetable.py --hubs 5 --no-season   # transfer timing at the 5 busiest hubs
    .venv/bin/python scripts/bench_timetable.py --season-only --season-fleets 60,120 --season-demand 5 \
        --over-capacity 300 --season-cache /tmp/season                 # the season with buses added

What a dispatcher's `transit optimize --day D` does, on a simulated day: the
demo city's weekday simulated with GPS and taps (riders' days chained, reader
clocks off, as in ``bench_flow.py``), tracked without assignments
(``replay_days``), its flow inferred from the taps; then every line rebuilt
(``feeds.timetables.rebuild_run.run_rebuild``: Ceder's method 4, CP-SAT
departures, each line within its vehicles at peak today, blocks by the block
engine from the demo depots). The baseline is the generated timetable itself.

Closed loop: both timetables are simulated with the same riders (the
simulator's origin-destination model of the live day, ``compare_timetables``)
and measured the same way. Targets: a lower average wait and a lower share of
riders on trips over the desired load, with no more vehicles at peak, per line;
all lines in under 10 s, a single line in under 1 s. Then a tourist-season
scenario: no tourist-line trip over capacity. The season is observed in season
(``--season-day``, the simulator's tourist demand on) and compared with the
generated season timetable, which runs extra trips on the tourist lines.
With ``--season-fleets 60,120`` the tourist lines alone are rebuilt again with
that many more vehicles, their demand the taps' times ``--season-demand`` (the
planner's estimate of the riders full buses left; ``--left-behind`` adds the
queues the next buses' taps show) and ``--over-capacity`` as the weight of a
rider over capacity; each run says, per line, the vehicles the engine's own
estimate would need (``capacity`` bindings). ``--season-cache DIR`` keeps the
simulated season day (its simulation and tracking take minutes).

With ``--hubs N`` the weekday rebuild also times transfers at the N busiest
transfer stops of the day (card transfers by alighting stop, hubs at least
``--hub-walk`` apart); their waits before and after are the optimizer's
estimate, labelled as such: the closed-loop simulator has no transfers. With
``--hub-density 5,20`` the hub step is timed again on the engine's timetables
with every transfer row's riders multiplied (denser transfers than the demo's),
within ``--hub-budget`` of wall time as ``transit optimize`` runs it, and, as
the baseline, with CP-SAT's deterministic limits alone (no wall budget).
"""

from __future__ import annotations

import argparse
import json
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table

from feeds.democity import build_demo_feed, stop_demand
from feeds.drafts.make import BaseSchedule
from feeds.replay.runner import ReplayDay, replay_days
from feeds.schedules.depots import demo_city_depots
from feeds.simulator import SimulationParams, simulate_day
from feeds.simulator.closed_loop import closed_loop_table, compare_timetables
from feeds.simulator.measures import TimetableMeasures
from feeds.timetables.hub_run import HubSpec, check_hubs, hub_demand
from feeds.timetables.inputs import demo_tourist_marks
from feeds.timetables.summary import hub_parts
from feeds.timetables.rebuild_run import OptimizeResult, OptimizeRun, run_rebuild
from optimizer.blocks.deadline import Deadline
from optimizer.timetable.hubs import HubParams
from optimizer.timetable.scenarios import Scenario
from optimizer.timetable.settings import Weights
from optimizer.timetable.transfer_timing import time_transfers
from transit.gtfs.feed import load_feed
from transit.flow.day import DayFlow, infer_flow
from transit.flow.transfers import list_transfers
from transit.geo import distance_m
from transit.gtfs.tables import write_tables
from transit.model.network import Network
from transit.model.service_days import DayType, list_trips_on
from transit.privacy import pseudonymise
from transit.records import StopEvent, Tap

DAY_PARAMS = SimulationParams(
    boardings_per_stop_hour=17.5, chained_riders=True,
    reader_clock_sigma_s=5.0, reader_clock_off_share=0.1,
)
KEY = b"bench-timetable-key"


def observed_day(network: Network, tables: dict, day: date, seed: int,
                 params: SimulationParams, console: Console) -> tuple[list[StopEvent], list[Tap]]:
    started = time.perf_counter()
    simulated = simulate_day(network, day, seed=seed, params=params, demand=stop_demand(tables))
    console.print(f"{day}: {len(simulated.taps):,} taps, {len(simulated.reports):,} GPS reports "
                  f"(simulated in {time.perf_counter() - started:.0f} s)")
    started = time.perf_counter()
    events = list(replay_days(network, [ReplayDay(str(day), simulated.reports)]).events)
    console.print(f"tracked without assignments: {len(events):,} stop events in "
                  f"{time.perf_counter() - started:.0f} s")
    taps = [Tap(t.tap_id, t.vehicle_id, t.timestamp, t.medium, pseudonymise(t.account, KEY),
                t.lat, t.lon, t.received_at) for t in simulated.taps]
    return events, taps


def per_line_verdict(network: Network, live: TimetableMeasures, draft: TimetableMeasures,
                     lines: Sequence[str]) -> Table:
    table = Table("line", "wait live", "wait draft", "over d0 live", "over d0 draft", "veh. live",
                  "veh. draft", "full trips", "verdict", title="per line: targets (wait down, over-d0 "
                  "share down, vehicles not up)")
    met = 0
    for route_id in lines:
        a, b = live.lines[route_id], draft.lines[route_id]
        wait_ok = b.mean_wait_s <= a.mean_wait_s
        crowd_ok = b.over_desired_share <= a.over_desired_share
        fleet_ok = b.vehicles_at_peak <= a.vehicles_at_peak
        ok = wait_ok and crowd_ok and fleet_ok
        met += ok
        table.add_row(route_id, f"{a.mean_wait_s / 60:.2f}", f"{b.mean_wait_s / 60:.2f}",
                      f"{a.over_desired_share:.1%}", f"{b.over_desired_share:.1%}", str(a.vehicles_at_peak),
                      str(b.vehicles_at_peak), f"{a.full_trips} -> {b.full_trips}",
                      "met" if ok else "[red]" + ", ".join(
                          w for w, good in (("wait", wait_ok), ("crowding", crowd_ok), ("fleet", fleet_ok))
                          if not good) + "[/red]")
    table.caption = f"{met} of {len(lines)} lines meet all three"
    return table


def busiest_transfer_stops(network: Network, events: list[StopEvent], taps: list[Tap], n: int,
                           apart_m: float) -> list[tuple[str, int]]:
    """The ``n`` stops most card transfers alight at, each at least ``apart_m`` from the others chosen."""
    flow = infer_flow(network, events, taps)
    counts: dict[str, int] = {}
    for t in list_transfers(network, flow.boardings, flow.chains.alightings):
        counts[t.from_stop_id] = counts.get(t.from_stop_id, 0) + 1
    chosen: list[tuple[str, int]] = []
    for stop_id, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        s = network.stops[stop_id]
        if all(distance_m(s.lat, s.lon, network.stops[c].lat, network.stops[c].lon) > apart_m for c, _ in chosen):
            chosen.append((stop_id, count))
        if len(chosen) == n:
            break
    return chosen


def rebuild(network: Network, data: bytes, events: list[StopEvent], taps: list[Tap], day: date,
            scenario: str | Scenario, args: argparse.Namespace, lines: tuple[str, ...] = (),
            hubs: tuple[HubSpec, ...] = (), fleet_change: int = 0) -> OptimizeResult:
    base = BaseSchedule(0, "demo.zip", data, network)
    run = OptimizeRun(lines=lines, scenario=scenario if isinstance(scenario, str) else "weekday",
                      time_limit_s=args.time_limit, day=day, depot_sites=demo_city_depots(),
                      weights=Weights(vehicle_hour=args.vehicle_hour,
                                      over_capacity_per_passenger=args.over_capacity), keep_line_fleets=args.keep_line_fleets,
                      fleet_change=fleet_change, left_behind=args.left_behind,
                      hubs=hubs, hub_params=HubParams(walk_m=args.hub_walk, time_limit_s=args.hub_budget))
    return run_rebuild(base, base, events, taps, run, scenario=None if isinstance(scenario, str) else scenario)


def closed_loop(console: Console, network: Network, tables: dict, result: OptimizeResult,
                params: SimulationParams, seed: int, title: str) -> tuple[TimetableMeasures, TimetableMeasures]:
    service_date = date.fromisoformat(result.draft.params["service_date"])
    live_trips = list_trips_on(network, service_date)
    started = time.perf_counter()
    live, draft = compare_timetables(network, live_trips, result.draft.day.trips, service_date, params,
                                     seed=seed, stop_demand=stop_demand(tables))
    console.print(closed_loop_table(network, live, draft, title=f"{title} ({service_date}, closed loop "
                                    f"{time.perf_counter() - started:.0f} s)"))
    return live, draft


def weekday(console: Console, network: Network, tables: dict, data: bytes, args: argparse.Namespace) -> None:
    events, taps = observed_day(network, tables, args.day, args.seed, DAY_PARAMS, console)

    hubs: tuple[HubSpec, ...] = ()
    if args.hubs:
        busiest = busiest_transfer_stops(network, events, taps, args.hubs, 2 * args.hub_walk)
        console.print("hubs (card transfers alighting there): "
                      + ", ".join(f"{stop} {network.stops[stop].name} ({n:,})" for stop, n in busiest))
        hubs = tuple(HubSpec(stop) for stop, _ in busiest)
    else:
        single = rebuild(network, data, events, taps, args.day, "weekday", args, lines=("L01",))
        console.print(f"one line (L01, both directions): engine {single.engine_s:.2f} s (target < 1 s)")
    result = rebuild(network, data, events, taps, args.day, "weekday", args, hubs=hubs)
    if result.hubs is not None:
        for part in hub_parts(result.hubs):
            console.print(part)
    statuses = [r.timetable.status.value for r in result.rebuilt.directions]
    console.print(f"all lines: {len(result.rebuilt.directions)} directions in {result.engine_s:.1f} s "
                  f"(target < 10 s); {statuses.count('optimal')} optimal, {statuses.count('feasible')} "
                  f"feasible at the time limit, {len(result.rebuilt.refused)} refused; "
                  f"blocks: {result.draft.blocks.note}")
    check_draft_feed(console, result)
    live, draft = closed_loop(console, network, tables, result, DAY_PARAMS, args.seed, "weekday")
    console.print(per_line_verdict(network, live, draft, sorted(live.lines)))
    if hubs and args.hub_density:
        engine = rebuild(network, data, events, taps, args.day, "weekday", args)  # the same timetables, no hubs
        console.print(hub_density_table(network, engine, hubs, infer_flow(network, events, taps), args))


def hub_density_table(network: Network, engine: OptimizeResult, specs: tuple[HubSpec, ...], flow: DayFlow,
                      args: argparse.Namespace) -> Table:
    """The hub step with every transfer row's riders multiplied: within the wall
    budget (as ``transit optimize``), and with CP-SAT's deterministic limits only."""
    params = HubParams(walk_m=args.hub_walk, time_limit_s=args.hub_budget)
    rebuilt = engine.rebuilt
    directions = {r.key: r.direction for r in rebuilt.directions}
    hubs = check_hubs(network, specs, params)
    found = hub_demand(network, hubs, flow, list(directions.values()), params).demand
    table = Table("riders x", "search", "wall s", "cpu s", "moved", "transfer wait min/rider (before -> after)",
                  "transfers pass-min", "lines' own", "net", "what bound it",
                  title=f"hub step on denser transfers (budget {args.hub_budget:g} s wall; baseline: no wall budget)")
    for factor in args.hub_density:
        demand = [replace(d, riders=d.riders * factor) for d in found]
        for label, bounded in (("budget", True), ("baseline", False)):
            started, cpu = time.perf_counter(), time.process_time()
            deadline = Deadline.after(args.hub_budget, time.perf_counter) if bounded else None
            timing = time_transfers(directions, {r.key: r.timetable.departures_s for r in rebuilt.directions},
                                    demand, [h.name for h in hubs], grid_s=engine.draft.params["grid_s"],
                                    fleets=rebuilt.fleets, vehicles=rebuilt.vehicles,
                                    weights=Weights(vehicle_hour=args.vehicle_hour,
                                      over_capacity_per_passenger=args.over_capacity), params=params, deadline=deadline)
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            riders = sum(h.riders for h in timing.before)
            mean = [sum(h.riders * (h.mean_wait_s or 0) for h in w) / riders / 60
                    for w in (timing.before, timing.after)]
            own = sum(timing.cost_change.values())
            table.add_row(f"{factor:g}", label, f"{wall:.1f}", f"{cpu:.1f}", str(timing.moved),
                          f"{mean[0]:.2f} -> {mean[1]:.2f}", f"{timing.wait_change_min:+.0f}", f"{own:+.0f}",
                          f"{timing.wait_change_min + own:+.0f}",
                          ", ".join(b.constraint for b in timing.bindings if b.constraint in
                                    ("time_limit", "coordinate", "fleet", "unchanged", "objective")))
    return table


def check_draft_feed(console: Console, result: OptimizeResult) -> None:
    """The draft as GTFS: MobilityData's rules (gtfs-validator) and our own loader again."""
    reloaded = load_feed(result.draft.feed_zip, "draft.zip").network
    added = len(result.draft.day.added)
    console.print(f"draft GTFS: re-imported with {len(reloaded.trips):,} trips "
                  f"({sum(1 for t in reloaded.trips if t in set(result.draft.day.added)):,} of the {added:,} new)")
    validator = shutil.which("gtfs-validator") or str(Path(sys.executable).with_name("gtfs-validator"))
    if not Path(validator).exists():
        console.print("gtfs-validator not installed: .venv/bin/pip install gtfs-validator")
        return
    with tempfile.TemporaryDirectory() as folder:
        feed = Path(folder) / "draft.zip"
        feed.write_bytes(result.draft.feed_zip)
        run = subprocess.run([validator, "-i", str(feed), "--stdout"], cwd=folder, capture_output=True,
                             text=True, timeout=600, check=True)
    notices = json.loads(run.stdout)["notices"]
    errors = {n["code"]: n.get("totalNotices") for n in notices if n["severity"] == "ERROR"}
    console.print(f"gtfs-validator on the draft: {len(errors)} error codes {errors or ''} (target: none)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--day", type=date.fromisoformat, default=date(2026, 11, 25))
    parser.add_argument("--season-day", type=date.fromisoformat, default=date(2026, 7, 15),
                        help="a weekday of the tourist season")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--season-only", action="store_true", help="only the tourist-season part")
    parser.add_argument("--keep-line-fleets", action="store_true",
                        help="each line keeps its own vehicles (default: the fleet is shared among lines)")
    parser.add_argument("--time-limit", type=float, default=0.25, help="CP-SAT seconds per direction")
    parser.add_argument("--vehicle-hour", type=float, default=Weights().vehicle_hour,
                        help="weight of a vehicle hour, in passenger-minutes of waiting")
    parser.add_argument("--hubs", type=int, default=0, metavar="N",
                        help="time transfers at the day's N busiest transfer stops (weekday)")
    parser.add_argument("--hub-walk", type=float, default=HubParams().walk_m, help="metres gathering a hub's stops")
    parser.add_argument("--hub-budget", type=float, default=HubParams().time_limit_s, help="hub step wall time, s")
    parser.add_argument("--hub-density", type=lambda s: [float(x) for x in s.split(",")], default=[],
                        metavar="X,Y", help="with --hubs: time the hubs again with transfer riders multiplied")
    parser.add_argument("--no-season", action="store_true", help="skip the tourist-season part")
    parser.add_argument("--season-fleets", type=lambda s: [int(x) for x in s.split(",")], default=[],
                        metavar="N,N", help="rebuild the tourist lines alone with N more vehicles each run")
    parser.add_argument("--season-demand", type=float, default=1.0,
                        help="tourist lines' demand multiplier in those runs (riders the taps miss)")
    parser.add_argument("--over-capacity", type=float, default=Weights().over_capacity_per_passenger,
                        help="weight of a passenger over capacity (passenger-minutes)")
    parser.add_argument("--left-behind", action="store_true",
                        help="demand also from the queues full buses left (the next bus's taps)")
    parser.add_argument("--season-cache", type=Path, default=None, metavar="DIR",
                        help="keep the simulated season day's stop events and taps here")
    args = parser.parse_args()
    console = Console(width=220)

    tables = build_demo_feed(args.seed)
    data = write_tables(tables)
    network = load_feed(data, "demo.zip").network
    if not args.season_only:
        weekday(console, network, tables, data, args)
    if args.no_season:
        return
    # The season observed in season: a weekday of July with its tourists (the generated
    # timetable runs the season's extra trips on the tourist lines that day).
    tourist_params = replace(DAY_PARAMS, tourist_season=True)
    events, taps = season_day(network, tables, args, tourist_params, console)
    _, tourist_lines = demo_tourist_marks(network)
    season = Scenario("tourist season (observed)", DayType.WEEKDAY, service_date=args.season_day)
    tourist = rebuild(network, data, events, taps, args.season_day, season, args)
    live, draft = closed_loop(console, network, tables, tourist, tourist_params, args.seed, "tourist season")
    rows = [season_row("generated", live, tourist_lines),
            season_row("optimized, all lines, fleet as today", draft, tourist_lines,
                       sum(b.amount for b in tourist.capacity))]
    lines = tuple(sorted(tourist_lines))
    for change in args.season_fleets:
        # The vehicles the operator adds in season go to the tourist lines: only they are rebuilt,
        # with their vehicles at peak today plus ``change``; their demand the taps' (full bins x1.5)
        # times ``--season-demand``, the planner's estimate of the riders the full buses left.
        planned = replace(season, lines={r: args.season_demand for r in lines})
        tourist = rebuild(network, data, events, taps, args.season_day, planned, args, lines=lines,
                          fleet_change=change)
        for binding in tourist.capacity:
            console.print(f"  capacity (+{change} vehicles): {binding.message}")
        live, draft = closed_loop(console, network, tables, tourist, tourist_params, args.seed,
                                  f"tourist season, tourist lines +{change} vehicles")
        rows.append(season_row(f"tourist lines +{change} vehicles, demand x{args.season_demand:g}"
                               f"{', queues' if args.left_behind else ''}", draft,
                               tourist_lines, sum(b.amount for b in tourist.capacity)))
    table = Table("timetable", "tourist-line trips full", "riders carried", "denied boardings", "gave up", "stranded",
                  "vehicles at peak (tourist lines)", "network vehicles at peak", "more vehicles the engine asks (lines rebuilt)",
                  title=f"tourist season {args.season_day}, tourist lines {', '.join(lines)} "
                        f"(target: no trip full)")
    for row in rows:
        table.add_row(*row)
    console.print(table)


def season_day(network: Network, tables: dict, args: argparse.Namespace, params: SimulationParams,
               console: Console) -> tuple[list[StopEvent], list[Tap]]:
    """The observed season day, from ``--season-cache`` when it holds this day and seed."""
    path = args.season_cache / f"season-{args.season_day}-{args.seed}.pickle" if args.season_cache else None
    if path is not None and path.exists():
        console.print(f"season day from {path}")
        return pickle.loads(path.read_bytes())
    found = observed_day(network, tables, args.season_day, args.seed, params, console)
    if path is not None:
        path.write_bytes(pickle.dumps(found))
    return found


def season_row(label: str, measured: TimetableMeasures, tourist_lines: frozenset[str],
               asked: float | None = None) -> tuple[str, ...]:
    on = [measured.lines[r] for r in sorted(tourist_lines) if r in measured.lines]
    return (label, f"{sum(m.full_trips for m in on):,} of {sum(m.trips for m in on):,}",
            f"{sum(m.riders for m in on):,}", f"{sum(m.denied_boardings for m in on):,}",
            f"{sum(m.gave_up for m in on):,.0f}", f"{sum(m.stranded for m in on):,}",
            f"{sum(m.vehicles_at_peak for m in on)}",
            f"{measured.total.vehicles_at_peak}", "-" if asked is None else f"{asked:g}")

if __name__ == "__main__":
    main()
