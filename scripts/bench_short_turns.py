"""Benchmark: short turns built (issue 13) on the demo city's simulated weekday.

    PYTHONPATH=. .venv/bin/python scripts/bench_short_turns.py [--day 2026-11-25] [--seed 7] [--cache FILE]

The day is simulated and tracked as ``bench_timetable.py`` does, its flow
inferred from the taps and the engine's inputs built (``direction_inputs``,
the weekday scenario). The lines where a short turn is planned (some period's
bins mostly hint one stretch) are then rebuilt twice, in the same run: without
short turns (the baseline) and with them (``RebuildParams.short_turns``), each
by the even-headway construction (Ceder's frequencies as they are) and by
CP-SAT (the engine's default), each line within its own vehicles at peak today.

Printed per direction and in total: vehicle hours in service (a short trip
counts only its stretch's time), and the optimizer's own estimate of waits and
loads on the stretch and outside it (``short_turns.split_estimate``, the
``kpis.crowding`` model). ``--cache`` keeps the built inputs (a pickle) so a
second run skips the simulation.
"""

from __future__ import annotations

import argparse
import pickle
import time
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table

from feeds.democity import build_demo_feed
from feeds.timetables.inputs import demo_tourist_marks, direction_inputs, service_trips
from optimizer.timetable.frequencies import frequency_plan
from optimizer.timetable.model import Construction, DirectionInput, Method
from optimizer.timetable.rebuild import RebuildParams, peak_vehicles, rebuild_lines
from optimizer.timetable.scenarios import builtin_scenario
from optimizer.timetable.short_turns import SplitEstimate, plan_short_turns, split_estimate
from scripts.bench_timetable import DAY_PARAMS, observed_day
from transit.flow.day import infer_flow
from transit.gtfs.feed import load_feed
from transit.gtfs.tables import write_tables


def day_inputs(day: date, seed: int, console: Console) -> tuple[list[DirectionInput], dict[str, int]]:
    tables = build_demo_feed(seed)
    network = load_feed(write_tables(tables), "demo.zip").network
    events, taps = observed_day(network, tables, day, seed, DAY_PARAMS, console)
    scenario = builtin_scenario("weekday", *demo_tourist_marks(network))
    inputs, _ = direction_inputs(network, infer_flow(network, events, taps), events, scenario)
    return inputs, peak_vehicles(service_trips(network, scenario)[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--day", type=date.fromisoformat, default=date(2026, 11, 25))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cache", type=Path, help="pickle of the built inputs: read if present, else written")
    args = parser.parse_args()
    console = Console(width=200)
    if args.cache is not None and args.cache.is_file():
        inputs, today = pickle.loads(args.cache.read_bytes())
    else:
        inputs, today = day_inputs(args.day, args.seed, console)
        if args.cache is not None:
            args.cache.write_bytes(pickle.dumps((inputs, today)))
    planned = {(d.route_id, d.direction_id): plan_short_turns(d, frequency_plan(d, Method.LOAD_PROFILE_CAPPED))
               for d in inputs}
    lines = sorted({key[0] for key, turns in planned.items() if turns})
    console.print(f"{len(inputs)} directions; a short turn planned on {sum(map(bool, planned.values()))} "
                  f"directions of {len(lines)} lines: {', '.join(lines)}")
    chosen = [d for d in inputs if d.route_id in lines]
    fleets = {line: today.get(line, 1) for line in lines}
    for construction in (Construction.EVEN_HEADWAY, Construction.CP_SAT):
        runs = {}
        for short_turns in (False, True):
            started = time.perf_counter()
            runs[short_turns] = rebuild_lines(chosen, fleets, RebuildParams(construction=construction,
                                                                            short_turns=short_turns))
            console.print(f"{construction.value}, short turns {'on' if short_turns else 'off'}: "
                          f"{time.perf_counter() - started:.1f} s")
        console.print(_table(construction, chosen, planned, runs))


def _table(construction: Construction, inputs: list[DirectionInput], planned: dict, runs: dict) -> Table:
    table = Table("line", "dir", "stretch", "full trips", "short trips", "veh. h", "wait stretch (min)",
                  "wait outside (min)", "max/p95 load stretch", "max/p95 load outside",
                  title=f"{construction.value}: without -> with short turns (the optimizer's estimate)")
    totals = [0.0, 0.0]
    for direction in inputs:
        key = (direction.route_id, direction.direction_id)
        if not planned[key]:
            continue
        # The stretch of the first period planned; the estimate splits the day there.
        first, last = planned[key][0].first_segment, planned[key][0].last_segment
        timed = {on: {r.key: r.timetable.departures_s for r in runs[on].directions} for on in runs}
        if key not in timed[False] or key not in timed[True]:
            continue
        shorts = runs[True].short_turns[key].trips if key in runs[True].short_turns else ()
        before = split_estimate(direction, timed[False][key], (), first, last)
        after = split_estimate(direction, timed[True][key], shorts, first, last)
        totals[0] += before.vehicle_hours
        totals[1] += after.vehicle_hours
        stops = direction.profile.stop_ids
        table.add_row(*key[:1], str(key[1]), f"{stops[first]}-{stops[last + 1]}",
                      f"{len(timed[False][key])} -> {len(timed[True][key])}", str(len(shorts)),
                      f"{before.vehicle_hours:.1f} -> {after.vehicle_hours:.1f}",
                      _wait(before, after, "stretch"), _wait(before, after, "outside"),
                      _load(before, after, "stretch"), _load(before, after, "outside"))
    table.add_row("all", "", "", "", "", f"{totals[0]:.1f} -> {totals[1]:.1f}", "", "", "", "")
    return table


def _wait(before: SplitEstimate, after: SplitEstimate, part: str) -> str:
    a, b = getattr(before, part).expected_wait_s, getattr(after, part).expected_wait_s
    return "-" if a is None or b is None else f"{a / 60:.2f} -> {b / 60:.2f}"


def _load(before: SplitEstimate, after: SplitEstimate, part: str) -> str:
    a, b = getattr(before, part), getattr(after, part)
    return f"{a.max_load_factor:.2f}/{a.p95_load_factor:.2f} -> {b.max_load_factor:.2f}/{b.p95_load_factor:.2f}"


if __name__ == "__main__":
    main()
