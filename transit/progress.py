"""Progress bars for long command-line work (rich), kept out of library code:
the core takes a plain callback, the CLI turns it into a bar."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


@contextmanager
def progress_bar(console: Console, description: str) -> Iterator[Callable[[int, int], None]]:
    """A callback ``(done, total)`` that drives one bar."""
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=False,
    ) as progress:
        task = progress.add_task(description, total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield advance


@contextmanager
def steps(console: Console, description: str) -> Iterator[Callable[[str], None]]:
    """A callback naming each finished step, shown on one status line."""
    with console.status(description) as status:

        def note(step: str) -> None:
            status.update(f"{description}: {step} done")

        yield note
