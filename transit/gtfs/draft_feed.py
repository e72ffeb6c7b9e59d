"""A draft schedule version as GTFS: the base feed with some trips replaced.

Every file but trips.txt and stop_times.txt is written as the base feed has it
(stops, routes, shapes, calendar, calendar_dates...). Removed trips go with
their stop times; a new trip copies the rows of a base trip of its pattern
(shape, headsign, stop sequences, timepoints, shape_dist_traveled...) with its
own id, service and times; a trip on a pattern no base trip runs (a short turn,
a line changed or new) gets rows written from its pattern
(``transit.gtfs.new_patterns``). Block ids are then set as ``with_blocks`` sets them,
refusing one that another day's trips already use.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import pandas as pd

from transit.gtfs.blocks import with_blocks
from transit.gtfs.feed import read_raw_tables
from transit.gtfs.new_patterns import with_new_patterns
from transit.gtfs.tables import write_tables
from transit.model.network import Network, Trip
from transit.model.service_days import format_gtfs_time


def draft_feed(data: bytes, source: str, network: Network, removed: Collection[str], added: Sequence[Trip],
               block_of: Mapping[str, str]) -> bytes:
    """The base feed ``data`` (built into ``network``) with the ``removed`` trips
    out, the ``added`` ones in (their patterns in ``network``: the base feed's
    and any new ones), and ``block_of``'s block ids; the zip's bytes."""
    tables = read_raw_tables(data, source)
    trips, stop_times = tables["trips"], tables["stop_times"]
    templates = _templates(network, added)
    copied = [t for t in added if t.pattern_id in templates]
    new_trips = [_trip_row(trips, templates[t.pattern_id], t) for t in copied]
    new_times = [_stop_time_rows(stop_times, templates[t.pattern_id], t) for t in copied]
    tables["trips"] = pd.concat([trips[~trips["trip_id"].isin(removed)], *new_trips], ignore_index=True)
    tables["stop_times"] = pd.concat([stop_times[~stop_times["trip_id"].isin(removed)], *new_times],
                                     ignore_index=True)
    tables = with_new_patterns(tables, network, [t for t in added if t.pattern_id not in templates])
    return with_blocks(write_tables(tables), source, block_of, {})


def _templates(network: Network, added: Sequence[Trip]) -> dict[str, str]:
    """A base trip of each pattern the new trips run on that has one (the first by id)."""
    wanted = {t.pattern_id for t in added}
    unknown = sorted(wanted - set(network.patterns))
    if unknown:
        raise ValueError(f"pattern {unknown[0]} is not in the network")
    templates: dict[str, str] = {}
    for trip in sorted(network.trips.values(), key=lambda t: t.trip_id):
        if trip.pattern_id in wanted:
            templates.setdefault(trip.pattern_id, trip.trip_id)
    return templates


def _trip_row(trips: pd.DataFrame, template: str, trip: Trip) -> pd.DataFrame:
    row = trips[trips["trip_id"] == template].head(1).copy()
    row["trip_id"], row["service_id"] = trip.trip_id, trip.service_id
    if "block_id" in row.columns:
        row["block_id"] = ""
    return row


def _stop_time_rows(stop_times: pd.DataFrame, template: str, trip: Trip) -> pd.DataFrame:
    rows = stop_times[stop_times["trip_id"] == template].copy()
    rows = rows.iloc[pd.to_numeric(rows["stop_sequence"]).argsort(kind="stable")]
    if len(rows) != len(trip.arrivals):
        raise ValueError(f"trip {template} has {len(rows)} stop times, trip {trip.trip_id} {len(trip.arrivals)}")
    rows["trip_id"] = trip.trip_id
    rows["arrival_time"] = [format_gtfs_time(s) for s in trip.arrivals]
    rows["departure_time"] = [format_gtfs_time(s) for s in trip.departures]
    return rows
