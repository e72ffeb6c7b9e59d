"""``transit blocks --mdvsp FILE``: block a benchmark instance, with progress and
a summary (fleet, cost, lower bound, gap). Bad input raises ``BlocksInputError``
with the sentence to show (the CLI exits 2)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from feeds.mdvsp.files import MdvspFileError, instance_name, read_bounds, read_instance_text
from optimizer.blocks import (
    Blocking,
    Deadline,
    InvalidBlockingInput,
    MdvspFormatError,
    OutOfTime,
    block_network,
    parse_mdvsp,
)
from transit.progress import steps


class BlocksInputError(ValueError):
    """An instance the engine cannot block; the message says which and why."""


def run_blocks(args: argparse.Namespace, console: Console) -> int:
    """The command: ``console`` for progress, stdout for the summary."""
    path: Path = args.mdvsp
    if not args.time_limit > 0:
        raise BlocksInputError(f"--time-limit {args.time_limit:g}: give a number of seconds above 0")
    started = time.monotonic()
    deadline = Deadline.after(args.time_limit, time.monotonic)
    try:
        network = parse_mdvsp(read_instance_text(path))
        with steps(console, f"blocking {path.name}") as status:

            def note(step: str) -> None:
                """Each step on its own line (the log of the search) and on the status line."""
                console.print(f"  {step}", highlight=False)
                status(step)

            blocking = block_network(network, deadline, note=note)
    except (MdvspFileError, MdvspFormatError, InvalidBlockingInput, OutOfTime) as exc:
        raise BlocksInputError(f"{path}: {exc}") from None
    seconds = time.monotonic() - started
    Console(soft_wrap=True).print(_summary(instance_name(path), blocking, seconds, _known_optimum(path)))
    return 0


def _known_optimum(path: Path) -> int | None:
    """The proven optimum from a ``bounds.txt`` beside the instance, if there is one."""
    bounds_file = path.parent / "bounds.txt"
    if not bounds_file.is_file():
        return None
    lower, upper = read_bounds(bounds_file).get(instance_name(path), (None, None))
    return upper if lower == upper else None


def _summary(name: str, blocking: Blocking, seconds: float, optimum: int | None) -> Table:
    table = Table("", name, show_header=True)
    by_depot = ", ".join(f"{depot} {count}" for depot, count in sorted(blocking.fleet_by_depot().items()))
    table.add_row("status", f"{blocking.status.value} ({blocking.method})")
    table.add_row("fleet", f"{blocking.fleet} ({by_depot}); at least {blocking.fleet_bounds.best} "
                  "(fewest chains of connections)")
    table.add_row("cost", f"{blocking.cost:,}")
    lp = f" (LP bound {blocking.lp_bound:,.1f})" if blocking.lp_bound is not None else ""
    table.add_row("lower bound", f"{blocking.lower_bound:,}{lp}")
    table.add_row("gap", f"{blocking.gap:,} ({100 * blocking.relative_gap:.4f}%)")
    if blocking.baseline_cost is not None:
        table.add_row("greedy baseline", f"{blocking.baseline_cost:,} "
                      f"(+{100 * (blocking.baseline_cost / blocking.cost - 1):.2f}%)")
    if optimum is not None:
        versus = " = ours" if optimum == blocking.cost else f"; ours is {blocking.cost - optimum:+,}"
        table.add_row("proven optimum (bounds.txt)", f"{optimum:,}{versus}")
    table.add_row("time", f"{seconds:.2f} s")
    return table
