"""``transit drafts [list] | show ID | export ID --out FILE.zip``: the stored
timetable drafts, one in full, or one's GTFS zip. The command's body, beside
what it runs; the CLI only dispatches to it."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from feeds.drafts.render import draft_report, drafts_table
from transit.store import Pool, WithPool
from transit.store.drafts import DraftNotFound, get_draft, get_draft_zip, list_drafts

# The CLI's exit status for input it cannot use (transit.cli.EXIT_INVALID_INPUT).
EXIT_UNKNOWN_DRAFT = 2


def add_drafts_command(command: Callable[..., argparse.ArgumentParser],
                       add_common: Callable[[argparse.ArgumentParser], None]) -> argparse.ArgumentParser:
    """The ``drafts`` parser, made by ``command``; ``add_common`` adds the
    options every command takes to each action."""
    drafts = command("drafts", help="timetable drafts: list them, show one, export one's GTFS zip")
    common = argparse.ArgumentParser(add_help=False)
    add_common(common)
    actions = drafts.add_subparsers(dest="drafts_command", metavar="ACTION")
    actions.add_parser("list", parents=[common], help="list the drafts (the default)")
    show = actions.add_parser("show", parents=[common], help="one draft: KPIs, trips changed, headways, notes")
    show.add_argument("id", type=int, help="draft id")
    export = actions.add_parser("export", parents=[common], help="write a draft's GTFS zip")
    export.add_argument("id", type=int, help="draft id")
    export.add_argument("--out", type=Path, required=True, metavar="FILE.zip", help="zip file to write")
    return drafts


def run_drafts(args: argparse.Namespace, console: Console, with_pool: WithPool) -> int:
    """The command: tables on stdout; what was written, or the draft not found, on ``console``."""
    action = args.drafts_command or "list"
    out = Console(soft_wrap=True)

    async def work(pool: Pool) -> None:
        if action == "list":
            out.print(drafts_table(await list_drafts(pool)))
        elif action == "show":
            out.print(draft_report(await get_draft(pool, args.id)))
        else:
            data = await get_draft_zip(pool, args.id)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_bytes(data)
            console.print(f"draft {args.id} written to {args.out} ({len(data):,} bytes)")

    try:
        return with_pool(work)
    except DraftNotFound as exc:
        console.print(f"[red]{exc}: see `transit drafts`[/red]", highlight=False)
        return EXIT_UNKNOWN_DRAFT
