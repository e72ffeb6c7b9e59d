"""The deadheads of blocks in the Transit Operational Data Standard (TODS / ODS
v1.0, Deadheads module): ``deadheads.txt`` (one row per empty move, tied to its
block and to the trip before or after it), ``deadhead_times.txt`` (where it
leaves and arrives, and when) and ``ops_locations.txt`` (the depots).

A move is written where the vehicle changes stop: out of the depot, between
two trips that do not end and start at the same stop, back to the depot. It
leaves as soon as the trip before ends (a pull-out: so as to arrive as the
first trip leaves) and takes the straight-line model's time between the stops.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from feeds.schedules.blocking import ScheduleProblem
from feeds.schedules.kpis import VehicleBlock
from feeds.schedules.terminals import Place, end_stops, straight_m
from transit.model.service_days import format_gtfs_time

DEADHEADS_COLUMNS = ("deadhead_id", "service_id", "block_id", "shape_id", "to_trip_id", "from_trip_id",
                     "to_deadhead_id", "from_deadhead_id")
DEADHEAD_TIMES_COLUMNS = ("deadhead_id", "arrival_time", "departure_time", "ops_location_id", "stop_id",
                          "location_sequence", "shape_dist_traveled")
OPS_LOCATIONS_COLUMNS = ("ops_location_id", "ops_location_code", "ops_location_name", "ops_location_desc",
                         "ops_location_lat", "ops_location_lon")

Rows = list[tuple[str, ...]]
Table = tuple[tuple[str, ...], Rows]  # columns, rows


@dataclass(frozen=True, slots=True)
class _Move:
    service_id: str
    from_trip: str  # "" out of the depot
    to_trip: str  # "" back to the depot
    origin: tuple[str, str]  # (ops_location_id, stop_id), one of them empty
    destination: tuple[str, str]
    leaves_s: int
    arrives_s: int


def tods_tables(problem: ScheduleProblem, blocks: Iterable[VehicleBlock]) -> dict[str, Table]:
    """File stem -> (columns, rows) of the three TODS deadhead files."""
    deadheads: Rows = []
    times: Rows = []
    for block in blocks:
        for number, move in enumerate(_moves(problem, block), start=1):
            deadhead_id = f"{block.block_id}-dh{number}"
            deadheads.append((deadhead_id, move.service_id, block.block_id, "", move.to_trip,
                              move.from_trip, "", ""))
            times.append((deadhead_id, format_gtfs_time(move.leaves_s), format_gtfs_time(move.leaves_s),
                          *move.origin, "0", ""))
            times.append((deadhead_id, format_gtfs_time(move.arrives_s), format_gtfs_time(move.arrives_s),
                          *move.destination, "1", ""))
    locations: Rows = [(_ops_location(depot), "", depot.name, "depot", f"{depot.lat:.6f}", f"{depot.lon:.6f}")
                       for depot in sorted(problem.depots.values(), key=lambda d: d.name)]
    return {"deadheads": (DEADHEADS_COLUMNS, deadheads),
            "deadhead_times": (DEADHEAD_TIMES_COLUMNS, times),
            "ops_locations": (OPS_LOCATIONS_COLUMNS, locations)}


def _moves(problem: ScheduleProblem, block: VehicleBlock) -> list[_Move]:
    trips, network, params = problem.trips, problem.network, problem.params
    depot = problem.depots[block.depot]
    first, last = trips[block.trip_ids[0]], trips[block.trip_ids[-1]]
    first_stop, last_stop = end_stops(network, first)[0], end_stops(network, last)[1]
    out_s = params.drive_s(straight_m(depot, _stop_place(problem, first_stop)))
    moves = [_Move(first.service_id, "", first.trip_id, (_ops_location(depot), ""), ("", first_stop),
                   first.start - out_s, first.start)]
    for before, after in pairwise(trips[t] for t in block.trip_ids):
        leaves, arrives = end_stops(network, before)[1], end_stops(network, after)[0]
        if leaves != arrives:
            drive = params.drive_s(straight_m(_stop_place(problem, leaves), _stop_place(problem, arrives)))
            moves.append(_Move(after.service_id, before.trip_id, after.trip_id, ("", leaves),
                               ("", arrives), before.end, before.end + drive))
    back_s = params.drive_s(straight_m(_stop_place(problem, last_stop), depot))
    moves.append(_Move(last.service_id, last.trip_id, "", ("", last_stop), (_ops_location(depot), ""),
                       last.end, last.end + back_s))
    return moves


def _stop_place(problem: ScheduleProblem, stop_id: str) -> Place:
    stop = problem.network.stops[stop_id]
    return Place(stop_id, stop.name, stop.lat, stop.lon, (stop_id,))


def _ops_location(depot: Place) -> str:
    return depot.place_id
