"""Study files run on the demo city's simulated day: what `transit study FILE`
prints when that day's stop events and taps are stored.

    PYTHONPATH=. .venv/bin/python scripts/study_demo.py docs/examples/study-line-extension.toml [...]

The day (each study's ``day``, default 2026-11-25) is simulated and tracked
as ``bench_timetable.py`` does (seed 7), once for all the files; each study
then runs as the command runs it (``run_rebuild`` on the generated schedule as
live version, no depots: first-in-first-out blocks) and its summary is printed;
with ``--out DIR`` its draft's GTFS zip is written there (``<file stem>.zip``),
for gtfs-validator.
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path

from rich.console import Console

from feeds.democity import build_demo_feed
from feeds.drafts.make import BaseSchedule
from feeds.timetables.rebuild_run import run_rebuild
from feeds.timetables.study import read_study
from feeds.timetables.summary import optimize_summary
from scripts.bench_timetable import DAY_PARAMS, observed_day
from transit.gtfs.feed import load_feed
from transit.gtfs.tables import write_tables

DEFAULT_DAY = date(2026, 11, 25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, help="write each study's draft GTFS zip into this folder")
    args = parser.parse_args()
    console = Console(width=200)
    tables = build_demo_feed(args.seed)
    data = write_tables(tables)
    network = load_feed(data, "demo.zip").network
    base = BaseSchedule(0, "demo.zip", data, network)
    observed: dict[date, tuple[list, list]] = {}
    for path in args.files:
        study = read_study(path)
        day = study.day or DEFAULT_DAY
        if day not in observed:
            observed[day] = observed_day(network, tables, day, args.seed, DAY_PARAMS, console)
        console.rule(f"transit study {path}")
        started = time.perf_counter()
        result = run_rebuild(base, base, *observed[day], study.run, None, study.scenario)
        console.print(optimize_summary(result, None, time.perf_counter() - started, study.name))
        if args.out is not None:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"{path.stem}.zip").write_bytes(result.draft.feed_zip)


if __name__ == "__main__":
    main()
