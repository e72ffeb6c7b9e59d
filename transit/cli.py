"""`transit`: the command line for operators, dispatchers and planners."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import sys
import warnings
from collections.abc import Callable
from datetime import date, datetime, time
from functools import partial
from pathlib import Path

from rich.console import Console
from rich.table import Table

from feeds.flow.command import add_flow_command
from feeds.drafts.command import add_drafts_command
from feeds.timetables.command import add_optimize_command, add_study_command
from feeds.readers.command import add_readers_command
from feeds.users.command import add_users_command
from feeds.replay.arguments import add_replay_arguments
from transit.cli_support import EXIT_INVALID_INPUT, Command
from transit.cli_support import add_common as _add_common
from transit.cli_support import with_database as _with_database
from feeds.schedules.depots import DepotsFileError
from transit.config import Config, ConfigError, load_config
from transit.gtfs.problems import InvalidFeed

DESCRIPTION = """\
Real-time bus scheduling and passenger information (reference city: Tongchuan).

Start here:   transit demo          the whole service on a generated city, live buses
Schedules:    transit import-gtfs FEED.zip, transit versions, transit export-gtfs OUT.zip
Check a feed: transit validate FEED.zip   (no database needed)
Accuracy:     transit simulate ..., transit replay ...   (score tracking and predictions)
Stop signs:   transit posters --out DIR   (a poster with a QR code per stop)
Blocks:       transit blocks --version N | --mdvsp FILE.inp   (vehicle blocks, with a lower bound)
Fare taps:    transit taps import FILE.csv   (the fare back office's files, idempotent)
POS readers:  transit readers add READER --vehicle V | list | disable READER   (who may push taps live)
Flow:         transit flow build --day D, transit flow export --day D --out DIR
Timetables:   transit optimize [--day D] [--line R] [--scenario S] [--fleet N]   (a draft from observed flow)
              transit study FILE.toml   (a what-if beside the live version)
Drafts:       transit drafts [show ID | export ID --out FILE.zip]   (rebuilt timetables to approve)
Console:      transit users add NAME --role ROLE[:lines=R1,R2] | list | disable NAME   (at /console/)

With no DATABASE_URL the service starts its own PostgreSQL under --data-dir.
"""

def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = load_config(
            args.config, data_dir=args.data_dir, database_url=getattr(args, "database_url", None),
            seed=getattr(args, "seed", None), speed=getattr(args, "speed", None),
            http_port=getattr(args, "port", None), http_host=getattr(args, "host", None),
        )
    except ConfigError as exc:
        Console(stderr=True).print(f"[red]configuration: {exc}[/red]", highlight=False)
        return EXIT_INVALID_INPUT
    _configure_logging(config, long_running=args.command in ("demo", "serve"))
    console = Console(stderr=True)
    try:
        return int(args.run(args, config, console) or 0)
    except (InvalidFeed, DepotsFileError) as exc:  # a bad line-depots file stops the start, saying why
        console.print(f"[red]{exc}[/red]", highlight=False)
        return EXIT_INVALID_INPUT
    except KeyboardInterrupt:
        return 130


def _configure_logging(config: Config, *, long_running: bool) -> None:
    """Services log at the configured level; one-shot commands speak through
    their own output and log only warnings."""
    logging.basicConfig(
        level=config.log_level if long_running else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # pgserver logs every pg_ctl call at INFO; its failures still come through.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="transit", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    _add_common(parser, None)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # Common options are accepted after the command too (`transit demo --data-dir X`).
    common = argparse.ArgumentParser(add_help=False)
    _add_common(common, argparse.SUPPRESS)
    command = partial(sub.add_parser, parents=[common])

    _add_service_commands(command)
    _add_schedule_commands(command)
    _add_replay_command(command)
    _add_posters_command(command)
    _add_blocks_command(command)
    _add_taps_command(command)
    add_flow_command(command, partial(_add_common, default=argparse.SUPPRESS)).set_defaults(run=_database_command("feeds.flow.command", "run_flow"))
    add_drafts_command(command, partial(_add_common, default=argparse.SUPPRESS)).set_defaults(run=_database_command("feeds.drafts.command", "run_drafts"))
    add_optimize_command(command).set_defaults(run=_database_command("feeds.timetables.command", "run_optimize"))
    add_study_command(command).set_defaults(run=_database_command("feeds.timetables.command", "run_study"))
    add_users_command(command, partial(_add_common, default=argparse.SUPPRESS)).set_defaults(run=_database_command("feeds.users.command", "run_users"))
    add_readers_command(command, partial(_add_common, default=argparse.SUPPRESS)).set_defaults(run=_database_command("feeds.readers.command", "run_readers"))
    return parser


def _add_service_commands(command: Command) -> None:
    demo = command("demo", help="run the whole service on the generated demo city with a simulated fleet")
    _add_http(demo)
    demo.add_argument("--seed", type=int, help="seed of the demo city and the simulation (default 7)")
    demo.add_argument("--speed", type=float, help="simulated seconds per real second (default 1)")
    demo.add_argument("--start", type=_clock_time, help="simulated time of day to start at, HH:MM "
                      "(default: now in Asia/Shanghai, or 06:30 at night)")
    demo.add_argument("--day", type=date.fromisoformat, help="service day to simulate, YYYY-MM-DD (default today)")
    demo.set_defaults(run=_run_demo)

    serve = command("serve", help="run the service on the live schedule version")
    _add_http(serve)
    serve.set_defaults(run=_run_serve)


def _add_schedule_commands(command: Command) -> None:
    imp = command("import-gtfs", help="check a GTFS zip and store it as a new schedule version")
    imp.add_argument("feed", type=Path, help="GTFS zip file")
    imp.add_argument("--no-live", action="store_true", help="store it without making it the live version")
    imp.set_defaults(run=_run_import)

    exp = command("export-gtfs", help="write a stored schedule version out as a GTFS zip")
    exp.add_argument("out", type=Path, help="zip file to write")
    exp.add_argument("--version", type=int, help="version id (default: the live version)")
    exp.set_defaults(run=_run_export)

    versions = command("versions", help="list stored schedule versions")
    versions.set_defaults(run=_run_versions)

    validate = command("validate", help="check a GTFS zip without importing it")
    validate.add_argument("feed", type=Path)
    validate.set_defaults(run=_run_validate)

    city = command("demo-city", help="generate the Tongchuan-like demo city as a GTFS zip")
    city.add_argument("out", type=Path, help="zip file to write")
    city.add_argument("--seed", type=int)
    city.set_defaults(run=_run_demo_city)

    sim = command("simulate", help="simulate a day of the fleet and passengers into files, with ground truth")
    sim.add_argument("--day", type=date.fromisoformat, required=True, help="service day, YYYY-MM-DD")
    sim.add_argument("--out", type=Path, required=True, help="folder to write reports, taps and truth to")
    sim.add_argument("--feed", type=Path, help="GTFS zip to simulate (default: the demo city)")
    sim.add_argument("--seed", type=int)
    sim.set_defaults(run=_run_simulate)


def _add_replay_command(command: Command) -> None:
    replay = command("replay", help="replay recorded days of GPS reports through live tracking, "
                     "with a score against truth")
    add_replay_arguments(replay)
    replay.set_defaults(run=_run_replay)


def _add_posters_command(command: Command) -> None:
    posters = command("posters", help="write a printable poster per stop (name, lines, first/last bus, "
                      "QR code to the stop page), from the live schedule or --gtfs")
    posters.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write posters to")
    posters.add_argument("--size", choices=("A4", "A3"), default="A4", help="paper size (default A4)")
    posters.add_argument("--format", choices=("svg", "pdf"), default="svg", help="file format (default svg)")
    posters.add_argument("--base-url", help="public address of the service that the QR codes point at "
                         "(default: http://HOST:PORT of the configuration)")
    posters.add_argument("--stops", nargs="+", metavar="STOP_ID", help="only these stops (default: all)")
    posters.add_argument("--gtfs", type=Path, help="GTFS zip to use instead of the live schedule version")
    posters.add_argument("--day", type=date.fromisoformat,
                         help="service day whose first/last buses are printed, YYYY-MM-DD (default today)")
    posters.set_defaults(run=_run_posters)


def _add_blocks_command(command: Command) -> None:
    blocks = command("blocks", help="chain trips into vehicle blocks at least cost, with a bound and the gap")
    source = blocks.add_mutually_exclusive_group(required=True)
    source.add_argument("--version", type=int, metavar="N", help="block a stored version's typical day")
    source.add_argument("--draft", type=int, metavar="ID", help="block a timetable draft's typical day "
                        "(see `transit drafts`)")
    source.add_argument("--mdvsp", type=Path, metavar="FILE", help="block a benchmark instance (.inp, or a "
                        ".zip holding one; a bounds.txt beside it adds the proven optimum)")
    blocks.add_argument("--time-limit", type=float, default=60.0, metavar="S",
                        help="seconds to search; then the best blocking and its bound (default 60)")
    blocks.add_argument("--depots", type=Path, metavar="FILE", help="CSV name,lat,lon,capacity (default: demo)")
    blocks.add_argument("--day-type", choices=("weekday", "saturday", "sunday"), default="weekday")
    blocks.add_argument("--max-wait", type=float, metavar="MIN", help="longest wait searched (min, default 90)")
    blocks.add_argument("--interlining", choices=("any", "shared_terminal", "none"), default="any",
                        help="may a bus run another line's trip next: anywhere, at a shared terminal, never")
    blocks.add_argument("--out", type=Path, metavar="FILE.zip", help="write the version with the new block_ids")
    blocks.add_argument("--tods", action="store_true", help="with --out: add the TODS deadhead files")
    blocks.set_defaults(run=_run_blocks)


def _add_taps_command(command: Command) -> None:
    taps = command("taps", help="fare taps: import the fare back office's files")
    common = argparse.ArgumentParser(add_help=False)
    _add_common(common, argparse.SUPPRESS)
    actions = taps.add_subparsers(dest="taps_command", required=True, metavar="ACTION")
    imp = actions.add_parser("import", parents=[common], help="store a back-office CSV of "
                             "payments; rows already stored (same transaction id) are skipped")
    imp.add_argument("file", type=Path, help="CSV (or .csv.gz), one payment per row")
    imp.add_argument("--columns", default="", metavar="FIELD=COLUMN,...",
                     help="column names, e.g. txn_id=流水号,card_id=卡号 (fields: txn_id card_id "
                     "time vehicle_id medium line_id amount transfer lat lon; the last five optional)")
    imp.add_argument("--timezone", default="Asia/Shanghai", help="of times written without an "
                     "offset (default Asia/Shanghai)")
    imp.add_argument("--time-format", metavar="STRPTIME", help="e.g. %%Y%%m%%d%%H%%M%%S "
                     "(default: Unix seconds or ISO 8601)")
    imp.add_argument("--encoding", default="utf-8", help="of the file, e.g. gb18030 (default utf-8)")
    imp.add_argument("--media", default="", metavar="VALUE=MEDIUM,...",
                     help="the file's medium codes, e.g. 1=card,2=wechat,3=alipay")
    imp.set_defaults(run=_run_taps_import)


def _add_http(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="HTTP port (default 8080)")


def _clock_time(text: str) -> time:
    return datetime.strptime(text, "%H:%M").time()


def _run_import(args: argparse.Namespace, config: Config, console: Console) -> int:
    from transit.gtfs.feed import load_feed_file
    from transit.progress import steps
    from transit.versions import import_feed

    started = datetime.now()
    with steps(console, f"checking {args.feed}") as note:
        feed = load_feed_file(args.feed, note)
    for warning in feed.warnings:
        console.print(f"[yellow]{warning}[/yellow]", highlight=False)

    async def store(pool: object) -> None:
        version_id = await import_feed(pool, feed, make_live=not args.no_live)  # type: ignore[arg-type]
        seconds = (datetime.now() - started).total_seconds()
        counts = ", ".join(f"{v} {k}" for k, v in feed.summary().items())
        state = "stored (not live)" if args.no_live else "live"
        console.print(f"version {version_id} {state}: {counts} ({seconds:.1f} s)")

    return _with_database(config, store)


def _run_export(args: argparse.Namespace, config: Config, console: Console) -> int:
    from transit.gtfs.feed import export_feed
    from transit.store import schedules

    async def export(pool: object) -> int:
        version = (
            await schedules.get_version(pool, args.version)  # type: ignore[arg-type]
            if args.version is not None
            else await schedules.find_live_version(pool)  # type: ignore[arg-type]
        )
        if version is None:
            console.print("[red]no live schedule version: import one with `transit import-gtfs`[/red]")
            return 1
        data = await schedules.get_feed_zip(pool, version.id)  # type: ignore[arg-type]
        await asyncio.to_thread(export_feed, data, args.out)
        console.print(f"version {version.id} written to {args.out}")
        return 0

    try:
        return _with_database(config, export)
    except LookupError as exc:
        console.print(f"[red]{exc}[/red]")
        return 1


def _run_versions(args: argparse.Namespace, config: Config, console: Console) -> int:
    from transit.store import schedules

    async def show(pool: object) -> None:
        table = Table("id", "live", "imported", "source", "service", "stops", "trips")
        for v in await schedules.list_versions(pool):  # type: ignore[arg-type]
            table.add_row(
                str(v.id), "yes" if v.is_live else "", v.imported_at.strftime("%Y-%m-%d %H:%M"),
                v.source, f"{v.service_start} .. {v.service_end}",
                str(v.summary.get("stops", "")), str(v.summary.get("trips", "")),
            )
        Console().print(table)

    return _with_database(config, show)


def _run_validate(args: argparse.Namespace, config: Config, console: Console) -> int:
    from transit.gtfs.feed import load_feed_file

    feed = load_feed_file(args.feed)
    for warning in feed.warnings:
        console.print(f"[yellow]{warning}[/yellow]", highlight=False)
    counts = ", ".join(f"{v} {k}" for k, v in feed.summary().items())
    console.print(f"{args.feed}: no errors ({counts})")
    return 0


def _run_demo_city(args: argparse.Namespace, config: Config, console: Console) -> int:
    from feeds.democity import write_demo_feed

    path = write_demo_feed(args.out, seed=config.seed)
    console.print(f"demo city (seed {config.seed}) written to {path}")
    return 0


def _run_simulate(args: argparse.Namespace, config: Config, console: Console) -> int:
    from transit.demo import simulate_to_files

    return simulate_to_files(config, args.day, args.out, args.feed, console)


def _run_demo(args: argparse.Namespace, config: Config, console: Console) -> int:
    from transit.bootstrap import run_service

    asyncio.run(run_service(config, console, demo=True, day=args.day, start=args.start))
    return 0


def _run_serve(args: argparse.Namespace, config: Config, console: Console) -> int:
    from transit.bootstrap import run_service

    asyncio.run(run_service(config, console, demo=False))
    return 0


def _run_replay(args: argparse.Namespace, config: Config, console: Console) -> int:
    from feeds.replay.command import ReplayInputError, run_replay

    try:
        return run_replay(args, console, config.pseudonym_key.encode("utf-8"))
    except ReplayInputError as exc:
        console.print(f"[red]{exc}[/red]", highlight=False)
        return EXIT_INVALID_INPUT


def _run_blocks(args: argparse.Namespace, config: Config, console: Console) -> int:
    from feeds.mdvsp.command import BlocksInputError, run_blocks
    from feeds.schedules.command import ScheduleBlocksError, run_version_blocks

    try:
        if args.mdvsp is not None:
            return run_blocks(args, console)
        return run_version_blocks(args, console, partial(_with_database, config))
    except (BlocksInputError, ScheduleBlocksError) as exc:
        console.print(f"[red]{exc}[/red]", highlight=False)
        return EXIT_INVALID_INPUT


def _run_taps_import(args: argparse.Namespace, config: Config, console: Console) -> int:
    from feeds.taps.command import TapImportError, read_for_import, store_tap_file

    try:
        read = read_for_import(args, config.pseudonym_key)
    except TapImportError as exc:
        console.print(f"[red]{exc}[/red]", highlight=False, soft_wrap=True)
        return EXIT_INVALID_INPUT
    return _with_database(config, store_tap_file, read, console)


def _database_command(module: str, name: str) -> Callable[[argparse.Namespace, Config, Console], int]:
    """A command whose ``run(args, console, with_database)`` lives in ``module``,
    imported only when it runs (start-up stays fast for the others)."""

    def run(args: argparse.Namespace, config: Config, console: Console) -> int:
        return int(getattr(importlib.import_module(module), name)(args, console, partial(_with_database, config)))

    return run


def _run_posters(args: argparse.Namespace, config: Config, console: Console) -> int:
    from signage.poster_command import UnknownStops, run_posters

    try:
        return run_posters(args, console, partial(_with_database, config),
                           f"http://{config.http_host}:{config.http_port}")
    except UnknownStops as exc:
        console.print(f"[red]{exc}[/red]", highlight=False)
        return EXIT_INVALID_INPUT


if __name__ == "__main__":
    sys.exit(main())
