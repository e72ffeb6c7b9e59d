"""Simulate one service day: vehicles, true movements, GPS reports, taps, truth.

Pure: the same network, day, seed and parameters give the same ``SimulatedDay``.
Independent random streams (running, GPS, taps, fleet, riders, reader clocks)
are spawned from the seed, so changing a GPS knob does not change how buses ran.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from feeds.simulator.demand import StopDemand, build_demand
from feeds.simulator.gps import GpsCounts, ShapeArrays, vehicle_reports, vehicle_track
from feeds.simulator.params import SimulationParams
from feeds.simulator.pos_clocks import reader_offsets, with_reader_clocks
from feeds.simulator.riders import with_rider_days
from feeds.simulator.running import (
    Progress, StopPassage, VehicleDay, block_key, list_passages, run_day,
)
from feeds.simulator.taps import Journey, RawTap, make_taps
from transit.model.network import Network
from transit.model.service_days import list_trips_on
from transit.records import VehicleReport


@dataclass(frozen=True, slots=True)
class Vehicle:
    vehicle_id: str
    plate: str


class FleetTooSmall(ValueError):
    """More blocks run on the day than vehicles were given."""

    def __init__(self, blocks: int, vehicles: int) -> None:
        super().__init__(f"{blocks} blocks to run but only {vehicles} vehicles")
        self.blocks = blocks
        self.vehicles = vehicles


def default_fleet(size: int) -> tuple[Vehicle, ...]:
    """Vehicles "TC0001"... with plates "陕B·D0001"..."""
    return tuple(Vehicle(f"TC{n:04d}", f"陕B·D{n:04d}") for n in range(1, size + 1))


@dataclass(frozen=True, slots=True)
class SimulationStats:
    vehicles: int
    trips: int
    reports: int  # delivered, duplicates included
    noisy: int  # fixes degraded beyond the everyday GPS sigma
    jumps: int  # single fixes hundreds of metres to km away
    dropouts: int  # gaps with no reports
    dropped: int  # fixes lost in those gaps
    duplicates: int  # reports received twice
    late: int  # reports uploaded from a blind-zone backlog
    passengers: int
    left_behind: int  # riders still waiting at the end (full buses, last trips)


@dataclass(frozen=True)
class SimulatedDay:
    service_date: date
    reports: tuple[VehicleReport, ...]  # ordered by received_at
    taps: tuple[RawTap, ...]  # ordered by received_at
    passages: tuple[StopPassage, ...]  # by vehicle, trip, stop
    journeys: tuple[Journey, ...]  # by tap_id
    assignments: Mapping[str, str]  # vehicle_id -> block_id
    plates: Mapping[str, str]  # vehicle_id -> plate, for the vehicles that ran
    stats: SimulationStats
    # vehicle_id -> seconds its POS reader runs ahead; empty when not simulated
    reader_offsets: Mapping[str, float] = field(default_factory=dict)


def simulate_day(
    network: Network,
    service_date: date,
    *,
    seed: int,
    params: SimulationParams = SimulationParams(),
    demand: StopDemand | None = None,
    vehicles: Sequence[Vehicle] | None = None,
    progress: Progress | None = None,
) -> SimulatedDay:
    """Run every trip of ``service_date`` and return what the feeds would send
    and what really happened. Each block gets one vehicle, drawn from
    ``vehicles`` (default: a fleet the size of the day's blocks) in a seeded
    order. Raises ``FleetTooSmall`` when there are fewer vehicles than blocks."""
    # Streams are spawned by index, so the later ones (riders, reader clocks)
    # leave the earlier ones, and so every day simulated before them, as they were.
    running_rng, gps_rng, taps_rng, fleet_rng, *riders_and_clocks = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)
    )
    trips = list_trips_on(network, service_date)
    blocks = list(dict.fromkeys(block_key(t) for t in trips))  # by first departure
    fleet = tuple(vehicles) if vehicles is not None else default_fleet(len(blocks))
    if len(fleet) < len(blocks):
        raise FleetTooSmall(len(blocks), len(fleet))
    order = fleet_rng.permutation(len(fleet))[: len(blocks)]
    vehicle_of_block = {b: fleet[i].vehicle_id for b, i in zip(blocks, order.tolist())}

    model = build_demand(network, trips, service_date, params, demand)
    days, left_behind = run_day(network, service_date, trips, vehicle_of_block, model, params,
                   running_rng, progress)

    shapes = ShapeArrays(network)
    reports, counts = _fleet_reports(days, network, shapes, params, gps_rng)

    taps, journeys, offsets = _day_taps(network, service_date, days, shapes, params,
                                        (taps_rng, *riders_and_clocks))

    passages = [
        p for vehicle in days for run in vehicle.runs
        for p in list_passages(run, network.patterns[run.trip.pattern_id])
    ]
    plates = {v.vehicle_id: v.plate for v in fleet}
    stats = SimulationStats(
        vehicles=len(days), trips=len(trips), reports=counts.reports, noisy=counts.noisy,
        jumps=counts.jumps, dropouts=counts.dropouts, dropped=counts.dropped,
        duplicates=counts.duplicates, late=counts.late, passengers=len(journeys),
        left_behind=left_behind,
    )
    return SimulatedDay(
        service_date=service_date,
        reports=tuple(reports),
        taps=tuple(taps),
        passages=tuple(passages),
        journeys=tuple(journeys),
        assignments={d.vehicle_id: d.block_id for d in days},
        plates={d.vehicle_id: plates[d.vehicle_id] for d in days},
        stats=stats,
        reader_offsets=offsets,
    )


def _day_taps(network: Network, service_date: date, days: Sequence[VehicleDay],
              shapes: ShapeArrays, params: SimulationParams,
              rngs: Sequence[np.random.Generator],
              ) -> tuple[list[RawTap], list[Journey], dict[str, float]]:
    """Taps in the order the service receives them, journeys by tap id, and
    the readers' clock offsets; ``rngs``: the taps', riders' and clocks' streams."""
    taps_rng, riders_rng, clocks_rng = rngs
    taps, journeys = make_taps(network, service_date, days, shapes, params, taps_rng)
    if params.chained_riders:
        taps, journeys = with_rider_days(network, taps, journeys, params, riders_rng)
    offsets = reader_offsets((d.vehicle_id for d in days), params, clocks_rng)
    taps = with_reader_clocks(taps, offsets)
    taps.sort(key=lambda t: (t.received_at, t.tap_id))
    return taps, journeys, offsets


def _fleet_reports(days: Sequence[VehicleDay], network: Network, shapes: ShapeArrays,
                   params: SimulationParams, rng: np.random.Generator,
                   ) -> tuple[list[VehicleReport], GpsCounts]:
    """Every vehicle's GPS reports, in the order the service receives them."""
    reports: list[VehicleReport] = []
    counts = GpsCounts()
    for vehicle in days:
        track = vehicle_track(vehicle, network, shapes, params.deadhead_speed_mps)
        vehicle_reps, vehicle_counts = vehicle_reports(vehicle.vehicle_id, track, params, rng)
        reports.extend(vehicle_reps)
        counts += vehicle_counts
    reports.sort(key=lambda r: (r.received_at, r.vehicle_id, r.timestamp))
    return reports, counts
