"""Reading a GTFS zip into raw tables: every value a string, exactly as written.

Raw strings keep line numbers and original values for error messages; typing
happens after the feed is known to be sound.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pandas as pd

from transit.gtfs.problems import FeedProblem

Tables = dict[str, pd.DataFrame]  # file stem ("stops") -> table of strings


def read_tables(data: bytes, source: str) -> tuple[Tables, list[FeedProblem]]:
    """All .txt tables of a GTFS zip; unreadable files become problems."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        return {}, [FeedProblem(source, None, None, None, f"not a readable zip archive: {exc}")]
    tables: Tables = {}
    problems: list[FeedProblem] = []
    with archive:
        for info in archive.infolist():
            # Feeds zipped with their folder still count: use the base name.
            name = info.filename.rsplit("/", 1)[-1]
            if info.is_dir() or not name.endswith(".txt"):
                continue
            try:
                text = archive.read(info).decode("utf-8-sig")
            except (UnicodeDecodeError, zipfile.BadZipFile, OSError) as exc:
                problems.append(FeedProblem(name, None, None, None, f"cannot read file: {exc}"))
                continue
            try:
                table = pd.read_csv(
                    io.StringIO(text),
                    dtype=str,
                    keep_default_na=False,
                    skipinitialspace=True,
                    quoting=csv.QUOTE_MINIMAL,
                )
            except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
                problems.append(FeedProblem(name, None, None, None, f"not valid CSV: {exc}"))
                continue
            table.columns = [str(c).strip() for c in table.columns]
            tables[name[:-4]] = table
    return tables, problems


def write_tables(tables: Tables) -> bytes:
    """Tables back into a GTFS zip (UTF-8, no BOM)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for stem, table in tables.items():
            archive.writestr(f"{stem}.txt", table.to_csv(index=False, lineterminator="\n"))
    return buffer.getvalue()
