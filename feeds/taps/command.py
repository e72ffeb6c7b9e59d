"""``transit taps import FILE``: a fare back-office file into the taps table.

The command's body, beside what it runs (the CLI only parses arguments): read
and pseudonymise the file before touching the database (a file that cannot be
read stops here), store its good rows in one transaction, skipping transaction
ids already stored, and report the rows left out by line number. Exit status 0
when every row was imported or already there, 1 when some rows were left out.
"""

from __future__ import annotations

import argparse
import logging
import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rich.console import Console

from feeds.replay.sources import parse_column_map
from feeds.taps.backoffice import ImportOptions, TapColumns, TapFile, TapFileError, read_tap_file
from transit.records import PaymentMedium
from transit.store.taps import insert_taps

_log = logging.getLogger(__name__)

# Problems shown one per line; the rest are counted.
SHOWN_PROBLEMS = 20


class TapImportError(ValueError):
    """An option or file the import cannot use; the message says which and why."""


def read_for_import(args: argparse.Namespace, pseudonym_key: str) -> TapFile:
    """The file of ``args.file`` read as the options say, received now."""
    try:
        options = ImportOptions(
            columns=parse_column_map(args.columns, TapColumns()),
            timezone=_timezone(args.timezone),
            time_format=args.time_format,
            encoding=args.encoding,
            media=parse_media(args.media),
        )
        return read_tap_file(args.file, options, pseudonym_key.encode("utf-8"), time.time())
    except (ValueError, TapFileError) as exc:
        raise TapImportError(str(exc)) from None


def parse_media(text: str) -> dict[str, PaymentMedium]:
    """``VALUE=medium,...`` (e.g. ``1=card,2=wechat``) -> the file's values to ours."""
    media: dict[str, PaymentMedium] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        value, sep, medium = (x.strip() for x in item.partition("="))
        accepted = ", ".join(m.value for m in PaymentMedium)
        if not sep or not value or medium not in {m.value for m in PaymentMedium}:
            raise ValueError(f"--media: expected VALUE=MEDIUM with MEDIUM one of {accepted}, "
                             f"not {item!r}")
        media[value] = PaymentMedium(medium)
    return media


def _timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"--timezone: unknown time zone {name!r}") from None
    return name


async def store_tap_file(pool: object, read: TapFile, console: Console) -> int:
    """Store the good rows of ``read`` through ``pool`` (an asyncpg pool, typed
    loosely: asyncpg stays in the store); print what happened to every row."""
    stored = await insert_taps(pool, read.taps) if read.taps else 0  # type: ignore[arg-type]
    already = len(read.taps) - stored
    console.print(f"{read.path}: {read.rows:,} rows; {stored:,} taps stored, {already:,} "
                  f"already stored (same transaction id), {len(read.problems):,} left out",
                  highlight=False, soft_wrap=True)
    for problem in read.problems[:SHOWN_PROBLEMS]:
        console.print(f"  line {problem.line}: {problem.reason}", highlight=False, soft_wrap=True)
    if len(read.problems) > SHOWN_PROBLEMS:
        console.print(f"  ... and {len(read.problems) - SHOWN_PROBLEMS:,} more", highlight=False,
                      soft_wrap=True)
    _log.info("taps_imported file=%s rows=%d stored=%d already=%d left_out=%d", read.path,
              read.rows, stored, already, len(read.problems),
              extra={"event": "taps_imported", "stored": stored, "left_out": len(read.problems)})
    return 1 if read.problems else 0
