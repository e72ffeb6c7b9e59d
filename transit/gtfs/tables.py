"""Reading a GTFS zip into raw tables: every value a string, exactly as written.

Raw strings keep line numbers and original values for error messages; typing
happens after the feed is known to be sound.
"""

from __future__ import annotations

import csv
import io
import lzma
import zipfile
import zlib

import pandas as pd

from transit.gtfs.problems import FeedProblem

Tables = dict[str, pd.DataFrame]  # file stem ("stops") -> table of strings

# What zipfile raises for a damaged archive depends on the structure that is
# broken: a bad offset (ValueError: negative seek), an unknown compression method
# (NotImplementedError), an encrypted member (RuntimeError), a corrupt stream
# (zlib.error, lzma.LZMAError, EOFError), a name that is not UTF-8 (ValueError).
_ARCHIVE_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
                   NotImplementedError, RuntimeError, zlib.error, lzma.LZMAError)


def read_tables(data: bytes, source: str) -> tuple[Tables, list[FeedProblem]]:
    """All .txt tables of a GTFS zip; unreadable files become problems."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _ARCHIVE_ERRORS as exc:
        return {}, [FeedProblem(source, None, None, None, f"not a readable zip archive: {exc}")]
    tables: Tables = {}
    problems: list[FeedProblem] = []
    with archive:
        for info in archive.infolist():
            # Feeds zipped with their folder still count: use the base name.
            name = info.filename.rsplit("/", 1)[-1]
            # A name ending in .txt is no folder; ZipInfo.is_dir() fails on an empty name.
            if not name.endswith(".txt"):
                continue
            try:
                text = archive.read(info).decode("utf-8-sig")
            except _ARCHIVE_ERRORS as exc:  # UnicodeDecodeError is a ValueError
                problems.append(FeedProblem(name, None, None, None, f"cannot read file: {exc}"))
                continue
            try:
                # header=None: a line with more fields than the header is then a
                # ParserError naming it; with header=0, pandas quietly turns the extra
                # leading fields of the first line into an index and shifts the columns.
                table = pd.read_csv(
                    io.StringIO(text),
                    header=None,
                    dtype=str,
                    keep_default_na=False,
                    skipinitialspace=True,
                    quoting=csv.QUOTE_MINIMAL,
                )
            except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
                problems.append(FeedProblem(name, None, None, None, f"not valid CSV: {exc}"))
                continue
            columns = [str(c).strip() for c in table.iloc[0]]
            twice = sorted({c for c in columns if columns.count(c) > 1})
            if twice:
                problems.append(FeedProblem(name, 1, twice[0], None, "column named twice"))
                continue
            table = table.iloc[1:].reset_index(drop=True)
            table.columns = columns
            tables[name[:-4]] = table
    return tables, problems


def write_tables(tables: Tables) -> bytes:
    """Tables back into a GTFS zip (UTF-8, no BOM)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for stem, table in tables.items():
            archive.writestr(f"{stem}.txt", table.to_csv(index=False, lineterminator="\n"))
    return buffer.getvalue()
