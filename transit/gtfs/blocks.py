"""A stored feed written back with new vehicle blocks: ``trips.txt``'s block_id
replaced for the trips given, every other value as stored, and extra files
(the TODS deadheads) added beside the GTFS ones."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from transit.gtfs.feed import read_raw_tables
from transit.gtfs.tables import write_tables

ExtraFiles = Mapping[str, tuple[Sequence[str], Sequence[Sequence[str]]]]  # stem -> (columns, rows)


class BlockIdClash(ValueError):
    """A new block id is already the block of a trip that keeps its own."""


def with_blocks(data: bytes, source: str, block_of: Mapping[str, str], extra: ExtraFiles) -> bytes:
    """The feed zip with ``block_of[trip_id]`` as those trips' block_id."""
    tables = read_raw_tables(data, source)
    trips = tables["trips"].copy()
    if "block_id" not in trips.columns:
        trips["block_id"] = ""
    new = trips["trip_id"].map(block_of)
    kept = set(trips.loc[new.isna(), "block_id"]) - {""}
    clashes = sorted(kept & set(block_of.values()))
    if clashes:
        raise BlockIdClash(f"new block id(s) {', '.join(clashes[:5])} already belong to trips of other "
                           "days in the feed: their vehicles would be joined")
    trips["block_id"] = new.fillna(trips["block_id"])
    tables["trips"] = trips
    for stem, (columns, rows) in extra.items():
        tables[stem] = pd.DataFrame([list(row) for row in rows], columns=list(columns), dtype=str)
    return write_tables(tables)
