"""A day of a stored schedule as the blocking engine's input: terminals as
places, deadheads between every two places (terminals and depots) by the
straight-line model of ``BlockingParams``, the depots, the layover and the
waiting cap. Costs go to the engine in fen."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from feeds.schedules.depots import DepotSite
from feeds.schedules.params import FEN_PER_YUAN, BlockingParams
from feeds.schedules.terminals import Place, end_stops, find_terminals, straight_m, unique_places
from optimizer.blocks import BlockingInput, CostRates, Deadhead, Depot
from optimizer.blocks import Trip as TimedTrip
from transit.model.network import Network, Trip

DEPOT_PLACE_PREFIX = "depot:"


@dataclass(frozen=True, eq=False)
class ScheduleProblem:
    """What the engine gets, and what the figures and files about its answer need."""

    blocking_input: BlockingInput
    network: Network
    trips: Mapping[str, Trip]  # the day's trips by id
    terminal_of: Mapping[str, Place]  # first or last stop -> its terminal
    depots: Mapping[str, Place]  # depot name -> its place
    params: BlockingParams

    def start_place(self, trip_id: str) -> Place:
        return self.terminal_of[end_stops(self.network, self.trips[trip_id])[0]]

    def end_place(self, trip_id: str) -> Place:
        return self.terminal_of[end_stops(self.network, self.trips[trip_id])[1]]

    def trip_km(self, trip_id: str) -> float:
        """Revenue kilometres: along the shape from the first stop to the last."""
        dists = self.network.patterns[self.trips[trip_id].pattern_id].stop_dists
        return (dists[-1] - dists[0]) / 1000.0


def schedule_problem(network: Network, trips: Sequence[Trip], depots: Sequence[DepotSite],
                     params: BlockingParams) -> ScheduleProblem:
    """The blocking problem of ``trips`` (one service day's) run from ``depots``."""
    terminal_of = find_terminals(network, trips, params.terminal_merge_m)
    depot_places = {d.name: Place(DEPOT_PLACE_PREFIX + d.name, d.name, d.lat, d.lon) for d in depots}
    places = unique_places(terminal_of) + list(depot_places.values())
    deadheads = tuple(Deadhead(a.place_id, b.place_id, params.drive_s(straight_m(a, b)),
                               params.deadhead_fen(straight_m(a, b)))
                      for a in places for b in places if a.place_id != b.place_id)
    timed = tuple(TimedTrip(t.trip_id, terminal_of[end_stops(network, t)[0]].place_id, t.start,
                            terminal_of[end_stops(network, t)[1]].place_id, t.end, t.route_id) for t in trips)
    blocking_input = BlockingInput(
        trips=timed,
        depots=tuple(Depot(d.name, d.capacity, depot_places[d.name].place_id) for d in depots),
        deadheads=deadheads,
        costs=CostRates(vehicle=params.vehicle_yuan * FEN_PER_YUAN,
                        idle_per_hour=params.idle_yuan_per_hour * FEN_PER_YUAN),
        min_layover_s=params.min_layover_s,
        max_wait_s=params.max_wait_s,
        interlining=params.interlining,
    )
    return ScheduleProblem(blocking_input, network, {t.trip_id: t for t in trips}, terminal_of,
                           depot_places, params)
