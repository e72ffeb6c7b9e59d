"""`transit users add | list | disable` on a real database: the password from a
file (never the command line), roles with scopes, bad input exiting 2 with
the reason, and every change in the audit log as done from the shell."""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Callable
from pathlib import Path

import pytest

from transit.cli import EXIT_INVALID_INPUT, main
from transit.console.passwords import verify_password
from transit.store.audit import list_audit
from transit.store.embedded import create_pool
from transit.store.users import find_login

Transit = Callable[..., int]


@pytest.fixture
def transit(empty_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Transit:
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    monkeypatch.setenv("COLUMNS", "240")

    def run(*args: str) -> int:
        return main(["--data-dir", str(tmp_path / "data"), *args])

    return run


async def _stored(dsn: str) -> tuple[str, list[tuple[str, str, str, str]]]:
    pool = await create_pool(dsn)
    try:
        found = await find_login(pool, "wang")
        entries = await list_audit(pool, 10)
        return ("" if found is None else found[1]), [(e.actor, e.role, e.action, e.reason) for e in entries]
    finally:
        await pool.close()


def test_users_are_added_listed_and_disabled(transit: Transit, empty_database_url: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    secret = tmp_path / "password"
    secret.write_text("东风路 7 depot!\n", encoding="utf-8")
    assert transit("users", "add", "Wang", "--role", "dispatcher:lines=1,2", "--role", "viewer",
                   "--display-name", "王芳 [bold]", "--password-file", str(secret), "--reason", "new hire") == 0
    assert "user wang added: viewer, dispatcher:lines=1,2" in capsys.readouterr().err
    password_hash, entries = asyncio.run(_stored(empty_database_url))
    assert verify_password(password_hash, "东风路 7 depot!")  # the file's first line, without its newline
    shell = f"shell:{getpass.getuser()}"
    assert entries == [(shell, "shell", "add_user", "new hire")]

    assert transit("users", "list") == 0
    listed = " ".join(capsys.readouterr().out.split())
    assert "│ wang │ 王芳 [bold] │ viewer, dispatcher:lines=1,2 │ active │" in listed  # markup shown, not applied

    assert transit("users", "disable", "wang", "--reason", "left") == 0
    assert "user wang disabled" in capsys.readouterr().err
    assert transit("users", "list") == 0
    assert "disabled 20" in capsys.readouterr().out
    password_hash, entries = asyncio.run(_stored(empty_database_url))
    assert password_hash == "" and entries[0] == (shell, "shell", "disable_user", "left")


@pytest.mark.parametrize(("args", "says"), [
    (("add", "wang", "--role", "boss"), "unknown role 'boss'"),
    (("add", "wang", "--role", "admin:depots=north"), "admin is granted over everything"),
    (("add", "wang ming", "--role", "viewer"), "username 'wang ming'"),
    (("add", "wang", "--role", "viewer", "--password-file", "short"), "at least 10 characters"),
    (("add", "wang", "--role", "viewer", "--password-file", "missing"), "--password-file"),
    (("add", "wang", "--role", "viewer"), "no terminal to ask the password on"),
    (("disable", "zhao"), "no user 'zhao'"),
])
def test_bad_input_exits_2_saying_why(transit: Transit, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], says: str) -> None:
    (tmp_path / "short").write_text("short\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert transit("users", *args) == EXIT_INVALID_INPUT
    assert says in " ".join(capsys.readouterr().err.split())


def test_a_second_user_of_the_same_name_exits_2(transit: Transit, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    secret = tmp_path / "password"
    secret.write_text("a long enough password", encoding="utf-8")
    assert transit("users", "add", "li", "--role", "admin", "--password-file", str(secret)) == 0
    assert transit("users", "add", "LI", "--role", "viewer", "--password-file", str(secret)) == EXIT_INVALID_INPUT
    assert "user 'li' already exists" in capsys.readouterr().err
