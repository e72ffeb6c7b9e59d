"""``transit users add NAME --role ROLE[:lines=..|:depots=..] ... | list | disable NAME``:
the console's users, for whoever runs the service (the first admin is made
here). Every change goes to the audit log as done by ``shell:<os user>``.

The password is asked at the terminal (twice) or read from the first line of
``--password-file``; never from the command line, where ``ps`` and the shell's
history would show it. Exit status 0 on success, 2 on input that cannot be used.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from rich.text import Text

from transit.console.access import GrantError, parse_grant
from transit.console.audit import Act
from transit.console.passwords import PasswordRejected, check_new_password, hash_password
from transit.console.users import User, UserInputError, new_user
from transit.store import Pool, WithPool
from transit.store.users import UserAlreadyDisabled, UserExists, UserNotFound, add_user, disable_user, list_users

# The CLI's exit status for input it cannot use (transit.cli.EXIT_INVALID_INPUT).
EXIT_INVALID_INPUT = 2
SHELL_ROLE = "shell"  # the audit log's role for changes made from the command line
TIMEZONE = "Asia/Shanghai"


class UsersInputError(ValueError):
    """A role, name or password the command cannot use; says which and why."""


def add_users_command(command: Callable[..., argparse.ArgumentParser],
                      add_common: Callable[[argparse.ArgumentParser], None]) -> argparse.ArgumentParser:
    """The ``users`` parser, made by ``command``; ``add_common`` adds the
    options every command takes to each action."""
    users = command("users", help="console users: add one, list them, disable one")
    common = argparse.ArgumentParser(add_help=False)
    add_common(common)
    actions = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", parents=[common], help="add a user (the password is asked, or "
                             "read from --password-file)")
    add.add_argument("username", help="1-64 of a-z 0-9 . _ -")
    add.add_argument("--role", action="append", required=True, metavar="ROLE[:SCOPE]",
                     help="viewer, dispatcher, planner, approver, sign_operator or admin; over all lines "
                     "(default), lines=R1,R2 or depots=D1,D2, e.g. dispatcher:lines=1,2 (repeat for more)")
    add.add_argument("--display-name", default="", help="the name pages show (default: the username)")
    add.add_argument("--password-file", type=Path, metavar="FILE",
                     help="read the password from the file's first line instead of asking")
    add.add_argument("--reason", default="", help="why, for the audit log")
    actions.add_parser("list", parents=[common], help="every user, with roles and status")
    disable = actions.add_parser("disable", parents=[common], help="disable a user and end their sessions")
    disable.add_argument("username")
    disable.add_argument("--reason", default="", help="why, for the audit log")
    return users


def read_password(args: argparse.Namespace, username: str) -> str:
    """The new password, from ``--password-file`` or asked twice at the terminal; checked."""
    if args.password_file is not None:
        try:
            lines = args.password_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsersInputError(f"--password-file {args.password_file}: {exc}") from None
        password = lines[0] if lines else ""
    elif not sys.stdin.isatty():
        raise UsersInputError("no terminal to ask the password on: give --password-file FILE")
    else:
        password = getpass.getpass(f"password for {username}: ")
        if getpass.getpass("again: ") != password:
            raise UsersInputError("the two passwords differ")
    try:
        check_new_password(password, username)
    except PasswordRejected as exc:
        raise UsersInputError(str(exc)) from None
    return password


Work = Callable[[Pool], Awaitable[None]]


def run_users(args: argparse.Namespace, console: Console, with_pool: WithPool) -> int:
    """The command: the list on stdout; what changed, or why not, on ``console``."""
    act = Act(f"shell:{getpass.getuser()}", SHELL_ROLE, time.time(), getattr(args, "reason", ""))
    actions = {"add": _add, "disable": _disable, "list": _list}
    try:
        return with_pool(actions[args.users_command](args, console, act))
    except (GrantError, UserInputError, UsersInputError, UserExists, UserNotFound, UserAlreadyDisabled) as exc:
        console.print(Text(str(exc), style="red"))
        return EXIT_INVALID_INPUT


def _add(args: argparse.Namespace, console: Console, act: Act) -> Work:
    # Checked and hashed before the database is opened: bad input stops here.
    user = new_user(args.username, args.display_name, [parse_grant(text) for text in args.role])
    password_hash = hash_password(read_password(args, user.username))

    async def work(pool: Pool) -> None:
        added = await add_user(pool, user, password_hash, act)
        console.print(Text(f"user {added.username} added: {', '.join(map(str, added.grants))}"))

    return work


def _disable(args: argparse.Namespace, console: Console, act: Act) -> Work:
    username = args.username.strip().lower()

    async def work(pool: Pool) -> None:
        await disable_user(pool, username, act)
        console.print(Text(f"user {username} disabled; their sessions ended"))

    return work


def _list(args: argparse.Namespace, console: Console, act: Act) -> Work:
    async def work(pool: Pool) -> None:
        Console(soft_wrap=True).print(users_table(await list_users(pool)))

    return work


def users_table(users: list[User]) -> Table:
    """Names as plain text: a display name is whatever an admin typed, never markup."""
    table = Table("username", "display name", "roles", "status", "added")
    for user in users:
        status = "active" if user.active else f"disabled {_when(user.disabled_at)}"
        table.add_row(*(Text(cell) for cell in (user.username, user.display_name,
                                                ", ".join(map(str, user.grants)), status, _when(user.created_at))))
    return table


def _when(at: float | None) -> str:
    return "" if at is None else datetime.fromtimestamp(at, ZoneInfo(TIMEZONE)).strftime("%Y-%m-%d %H:%M")
