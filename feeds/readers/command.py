"""``transit readers add READER --vehicle V | list | disable READER``: the POS
readers that may push taps (``POST /api/push/taps``), for whoever runs the
service. Every change goes to the audit log as done by ``shell:<os user>``.

``add`` makes the reader's key (256 random bits) and prints it once, on
stdout, for the reader's configuration: only its hash is stored, so a lost key
is replaced by disabling the reader and adding it under a new id. Exit status
0 on success, 2 on input that cannot be used.
"""

from __future__ import annotations

import argparse
import getpass
import secrets
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from rich.text import Text

from transit.console.audit import Act
from transit.readers import Reader, ReaderInputError, check_reader_id, new_reader
from transit.store import Pool, WithPool
from transit.store.readers import (
    ReaderAlreadyDisabled,
    ReaderExists,
    ReaderNotFound,
    add_readers,
    disable_reader,
    list_readers,
)

EXIT_INVALID_INPUT = 2  # transit.cli.EXIT_INVALID_INPUT
SHELL_ROLE = "shell"  # the audit log's role for changes made from the command line
TIMEZONE = "Asia/Shanghai"

Work = Callable[[Pool], Awaitable[None]]


def add_readers_command(command: Callable[..., argparse.ArgumentParser],
                        add_common: Callable[[argparse.ArgumentParser], None]) -> argparse.ArgumentParser:
    """The ``readers`` parser, made by ``command``; ``add_common`` adds the
    options every command takes to each action."""
    readers = command("readers", help="POS readers that push taps: add one, list them, disable one")
    common = argparse.ArgumentParser(add_help=False)
    add_common(common)
    actions = readers.add_subparsers(dest="readers_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", parents=[common], help="register a reader on a bus; its key is "
                             "printed once")
    add.add_argument("reader_id", help="the reader's id, e.g. its serial number (1-64 of A-Z a-z 0-9 . _ : -)")
    add.add_argument("--vehicle", required=True, help="the bus it is mounted on: it pushes taps for "
                     "that bus only")
    add.add_argument("--reason", default="", help="why, for the audit log")
    actions.add_parser("list", parents=[common], help="every reader, with its bus and status")
    disable = actions.add_parser("disable", parents=[common], help="refuse a reader's pushes from now on")
    disable.add_argument("reader_id")
    disable.add_argument("--reason", default="", help="why, for the audit log")
    return readers


def run_readers(args: argparse.Namespace, console: Console, with_pool: WithPool) -> int:
    """The command: the list and a new key on stdout; what changed, or why not, on ``console``."""
    act = Act(f"shell:{getpass.getuser()}", SHELL_ROLE, time.time(), getattr(args, "reason", ""))
    actions = {"add": _add, "disable": _disable, "list": _list}
    try:
        return with_pool(actions[args.readers_command](args, console, act))
    except (ReaderInputError, ReaderExists, ReaderNotFound, ReaderAlreadyDisabled) as exc:
        console.print(Text(str(exc), style="red"))
        return EXIT_INVALID_INPUT


def _add(args: argparse.Namespace, console: Console, act: Act) -> Work:
    # Checked before the database is opened: bad input stops here.
    key = secrets.token_urlsafe(32)
    reader = new_reader(args.reader_id, args.vehicle, key, act.at)

    async def work(pool: Pool) -> None:
        await add_readers(pool, [reader], act)
        console.print(Text(f"reader {reader.reader_id} added on vehicle {reader.vehicle_id}; its key "
                           "(shown once, only its hash is kept) on the next line"))
        Console(soft_wrap=True).print(Text(key))

    return work


def _disable(args: argparse.Namespace, console: Console, act: Act) -> Work:
    reader_id = check_reader_id(args.reader_id)

    async def work(pool: Pool) -> None:
        await disable_reader(pool, reader_id, act)
        console.print(Text(f"reader {reader_id} disabled; its pushes are refused within seconds"))

    return work


def _list(args: argparse.Namespace, console: Console, act: Act) -> Work:
    async def work(pool: Pool) -> None:
        Console(soft_wrap=True).print(readers_table(await list_readers(pool)))

    return work


def readers_table(readers: list[Reader]) -> Table:
    table = Table("reader", "vehicle", "status", "added")
    for reader in readers:
        status = "active" if reader.active else f"disabled {_when(reader.disabled_at)}"
        table.add_row(*(Text(cell) for cell in (reader.reader_id, reader.vehicle_id, status,
                                                _when(reader.created_at))))
    return table


def _when(at: float | None) -> str:
    return "" if at is None else datetime.fromtimestamp(at, ZoneInfo(TIMEZONE)).strftime("%Y-%m-%d %H:%M")
