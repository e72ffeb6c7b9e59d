"""The fare taps of replayed days: one file per day (``--taps``), read as
``transit taps import`` reads a back-office file (``feeds.taps.backoffice``):
columns mapped by option, card ids pseudonymised the moment a row is read,
a row that cannot become a tap left out and reported by line number.

A recorded day has no receipt time to hold its taps against (a reader's clock
an hour off is what the inference corrects), so each tap counts as received
when stamped. A transaction id is one tap across the whole replay: a later
day's file repeating one is left out and counted, as a second import would be.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from feeds.taps.backoffice import ImportOptions, RowProblem, TapColumns, TapFileError, read_tap_file
from transit.records import Tap

# In a simulator day folder (``transit simulate --out``), the taps.
SIMULATOR_TAPS = "taps.csv"


@dataclass(frozen=True)
class DayTaps:
    path: Path  # the file read
    rows: int  # data rows read, blank lines aside
    taps: tuple[Tap, ...]  # in file order, one per transaction id
    problems: tuple[RowProblem, ...]  # rows left out, in line order
    repeated: int  # taps left out: their transaction id came in an earlier day's file


def tap_file(path: Path) -> Path:
    """``path`` itself, or a simulator folder's taps file."""
    if path.is_dir():
        for name in (SIMULATOR_TAPS, SIMULATOR_TAPS + ".gz"):
            if (path / name).is_file():
                return path / name
        raise TapFileError(f"{path}: a folder without {SIMULATOR_TAPS}")
    return path


def read_day_taps(paths: Sequence[Path], columns: TapColumns, key: bytes,
                  timezone: str) -> list[DayTaps]:
    """Each day's taps, in the order of ``paths``; times written without an
    offset are local times of ``timezone`` (the network's). Raises
    ``TapFileError`` for a file that cannot be read at all."""
    options = ImportOptions(columns=columns, timezone=timezone)
    seen: set[str] = set()
    days: list[DayTaps] = []
    for path in paths:
        read = read_tap_file(tap_file(path), options, key, None)
        fresh = tuple(t for t in read.taps if t.tap_id not in seen)
        seen.update(t.tap_id for t in fresh)
        days.append(DayTaps(read.path, read.rows, fresh, read.problems,
                            len(read.taps) - len(fresh)))
    return days
