"""True vehicle movements: each bus runs its block, trip after trip.

Trips are processed in order of scheduled departure, so each trip sees the true
departures of the previous bus of its pattern at every stop: riders accumulate
since then, a late bus boards more, dwells longer and gets later (bunching).
Delays propagate along a block through the minimum layover at the terminal.
A bus may overtake: riders it finds are those who came since the previous
bus (in scheduled order) left the stop, clamped to none if that bus, running
late, leaves after it arrives. A late driver hurries a little, so delays
recover over the layovers instead of growing all day.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from feeds.simulator.demand import DemandModel
from feeds.simulator.params import SimulationParams
from transit.model.network import Network, Pattern, Trip
from transit.model.service_days import to_unix

Progress = Callable[[int, int], None]


NO_RIDERS = np.zeros(0, np.int64)


def block_key(trip: Trip) -> str:
    """The block a trip belongs to; a trip without block_id is a block of its own."""
    return trip.block_id if trip.block_id else f"unblocked:{trip.trip_id}"


@dataclass(frozen=True)
class TripRun:
    """How one trip really ran. Arrays align with the pattern's stops; times are
    Unix seconds; ``loads`` are after departure; rider ``i`` boarded at stop index
    ``rider_from[i]`` and alighted at ``rider_to[i]`` (sorted by ``rider_from``).
    At each stop, ``arrived`` riders came for this bus in ``[waiting_since,
    boarding_at)`` (they join those the previous bus left) and ``left_behind``
    were still waiting when it left: more than none only when it was full.
    ``boarding_at`` is the arrival, except at the first stop where riders board
    until the scheduled departure (the bus may come early). Nobody boards at the
    last stop: an empty window at the arrival."""

    trip: Trip
    vehicle_id: str
    block_id: str
    arrivals: np.ndarray
    departures: np.ndarray
    boardings: np.ndarray
    alightings: np.ndarray
    loads: np.ndarray
    rider_from: np.ndarray
    rider_to: np.ndarray
    waiting_since: np.ndarray
    boarding_at: np.ndarray
    arrived: np.ndarray
    left_behind: np.ndarray


# The random stream a trip draws its running, dwells and riders from.
TripStream = Callable[[Trip], np.random.Generator]


@dataclass(frozen=True)
class VehicleDay:
    """One bus's service day: on the road from ``appear`` to ``leave``."""

    vehicle_id: str
    block_id: str
    appear: float
    leave: float
    runs: tuple[TripRun, ...]


@dataclass(frozen=True, slots=True)
class StopPassage:
    """Ground truth of a bus at one stop of one trip. ``stop_sequence`` is the
    1-based index of the stop in the trip's pattern (not the GTFS stop_sequence).
    A stop passed without stopping has ``arrival == departure``."""

    vehicle_id: str
    block_id: str
    trip_id: str
    stop_sequence: int
    stop_id: str
    arrival: float
    departure: float
    boardings: int
    alightings: int
    load: int


def congestion_factor(hour: float, params: SimulationParams) -> float:
    """Running-time factor at ``hour`` of the service day (1.0 outside the profile)."""
    for start, end, factor in params.congestion:
        if start <= hour < end:
            return factor
    return 1.0


def incident_factor(stop_id: str, hour: float, params: SimulationParams) -> float:
    """Running-time factor of incidents on the way into ``stop_id`` at ``hour``."""
    factor = 1.0
    for incident in params.incidents:
        if incident.start_hour <= hour < incident.end_hour and stop_id in incident.stop_ids:
            factor *= incident.factor
    return factor


def free_speed(trip: Trip, pattern: Pattern, params: SimulationParams) -> float:
    """Metres per second the timetable implies once its dwell allowance is removed."""
    length = pattern.stop_dists[-1] - pattern.stop_dists[0]
    duration = (trip.end - trip.start) * (1.0 - params.schedule_dwell_share)
    if duration <= 0 or length <= 0:
        return params.fallback_speed_mps
    return float(np.clip(length / duration, 2.0, 20.0))


def run_day(
    network: Network,
    service_date: date,
    trips: Sequence[Trip],
    vehicle_of_block: Mapping[str, str],
    demand: DemandModel,
    params: SimulationParams,
    rng: np.random.Generator,
    progress: Progress | None = None,
) -> tuple[list[VehicleDay], int]:
    """Run ``trips`` (in order of scheduled departure) on their blocks' vehicles.
    Returns the vehicles' days and the riders still waiting at the end."""
    ran, left_behind = run_trips(network, service_date, trips, vehicle_of_block, demand,
                                 params, lambda _: rng, progress)
    runs: dict[str, list[TripRun]] = {}
    for run in ran:
        runs.setdefault(run.block_id, []).append(run)
    days = []
    for block, block_runs in runs.items():
        first, last = block_runs[0], block_runs[-1]
        days.append(
            VehicleDay(
                vehicle_id=first.vehicle_id,
                block_id=block,
                appear=float(first.arrivals[0]) - float(rng.uniform(*params.appear_before_s)),
                leave=float(last.departures[-1]) + params.linger_after_s,
                runs=tuple(block_runs),
            )
        )
    days.sort(key=lambda d: d.vehicle_id)
    return days, left_behind


def run_trips(
    network: Network,
    service_date: date,
    trips: Sequence[Trip],
    vehicle_of_block: Mapping[str, str],
    demand: DemandModel,
    params: SimulationParams,
    stream: TripStream,
    progress: Progress | None = None,
) -> tuple[list[TripRun], int]:
    """Run ``trips`` (in order of scheduled departure) on their blocks' vehicles,
    each drawing from ``stream(trip)``. Returns the runs in the order they ran
    and the riders still waiting at the end."""
    origin = to_unix(service_date, 0, network.timezone)
    ready: dict[str, float] = {}  # block -> earliest next departure (Unix)
    last_departure: dict[str, np.ndarray] = {}  # pattern -> per stop, Unix
    left_behind: dict[str, np.ndarray] = {}  # pattern -> riders still waiting per stop
    runs: list[TripRun] = []
    for done, trip in enumerate(trips, start=1):
        pattern = network.patterns[trip.pattern_id]
        count = len(pattern.stop_ids)
        if trip.pattern_id not in last_departure:
            last_departure[trip.pattern_id] = np.full(count, -np.inf)
            left_behind[trip.pattern_id] = np.zeros(count, dtype=np.int64)
        block = block_key(trip)
        run = _run_trip(
            trip, pattern, vehicle_of_block[block], block, origin + trip.start,
            ready.get(block, -np.inf), origin, demand, params, stream(trip),
            last_departure[trip.pattern_id], left_behind[trip.pattern_id],
        )
        ready[block] = float(run.departures[-1]) + params.min_layover_s
        runs.append(run)
        if progress is not None:
            progress(done, len(trips))
    return runs, int(sum(w.sum() for w in left_behind.values()))


def _run_trip(
    trip: Trip,
    pattern: Pattern,
    vehicle_id: str,
    block: str,
    scheduled: float,
    ready: float,
    origin: float,
    demand: DemandModel,
    params: SimulationParams,
    rng: np.random.Generator,
    last_departure: np.ndarray,
    left_behind: np.ndarray,
) -> TripRun:
    """One trip, stop by stop; updates its pattern's ``last_departure``, ``left_behind``."""
    count = len(pattern.stop_ids)
    speed = free_speed(trip, pattern, params)
    trip_factor = float(rng.lognormal(0.0, params.trip_factor_sigma))
    segment_noise = rng.lognormal(0.0, params.segment_sigma, size=count)
    arrivals, departures, since, boarding_at = (np.zeros(count) for _ in range(4))
    boardings, alightings, loads, arrived = (np.zeros(count, dtype=np.int64) for _ in range(4))
    destined = np.zeros(count, dtype=np.int64)  # riders on board by alighting stop
    rider_from: list[np.ndarray] = []
    rider_to: list[np.ndarray] = []
    load = 0
    for i in range(count):
        if i == 0:
            arrival = max(scheduled, ready)
        else:
            # Buses may overtake between stops; the riders a bus then finds are
            # clamped below (see the module docstring).
            arrival = departures[i - 1] + _running_s(
                trip, pattern, i, departures[i - 1], origin, speed,
                (trip_factor, segment_noise[i]), params)
        alight = int(destined[i])
        load -= alight
        boarding_at[i] = arrival
        to, since[i], arrived[i] = (NO_RIDERS, arrival, 0) if i == count - 1 else _board(
            trip.pattern_id, i, arrival, origin, load, demand, params, rng, last_departure,
            left_behind)
        board = len(to)
        if board:
            destined += np.bincount(to, minlength=count)
            rider_from.append(np.full(board, i))
            rider_to.append(to)
        dwell = _dwell_s(board, alight, params, rng)
        departure = max(scheduled, ready + dwell) if i == 0 else arrival + dwell
        arrival = departure - dwell if i == 0 else arrival
        load += board
        arrivals[i], departures[i] = arrival, departure
        boardings[i], alightings[i], loads[i] = board, alight, load
        last_departure[i] = max(last_departure[i], departure)
    return TripRun(
        trip=trip, vehicle_id=vehicle_id, block_id=block, arrivals=arrivals,
        departures=departures, boardings=boardings, alightings=alightings, loads=loads,
        rider_from=np.concatenate(rider_from) if rider_from else np.zeros(0, np.int64),
        rider_to=np.concatenate(rider_to) if rider_to else np.zeros(0, np.int64),
        waiting_since=since, boarding_at=boarding_at, arrived=arrived,
        left_behind=left_behind.copy(),
    )


def _board(pattern_id: str, i: int, arrival: float, origin: float, load: int,
           demand: DemandModel, params: SimulationParams, rng: np.random.Generator,
           last_departure: np.ndarray, left_behind: np.ndarray,
           ) -> tuple[np.ndarray, float, int]:
    """The destinations of the riders who board at stop ``i`` (as many as fit),
    when the riders who came for this bus began to arrive, and how many came;
    the rest stay in ``left_behind``."""
    # Riders came since the previous bus of this pattern left (none if it
    # left after we arrived: we overtook it), within their patience.
    since = max(last_departure[i], arrival - params.max_wait_s)
    expected = demand.expected_arrivals(pattern_id, i, since - origin, arrival - origin)
    arrived = int(rng.poisson(expected))
    waiting = int(left_behind[i]) + arrived
    board = min(waiting, params.capacity - load)
    left_behind[i] = waiting - board
    since = min(since, arrival)
    if not board:
        return NO_RIDERS, since, arrived
    return demand.draw_destinations(pattern_id, i, board, rng), since, arrived


def _running_s(trip: Trip, pattern: Pattern, i: int, left: float, origin: float, speed: float,
               draws: tuple[float, float], params: SimulationParams) -> float:
    """Running time from stop ``i - 1`` (left at ``left``) to stop ``i``: free
    speed slowed by the hour's congestion, incidents and this trip's and
    segment's draws, less a late bus's hurry."""
    trip_factor, segment_noise = draws
    hour = (left - origin) / 3600.0
    late = left - (origin + trip.departures[i - 1])
    hurry = 1.0 - min(params.catch_up_max, max(late, 0.0) / params.catch_up_scale_s)
    running = (pattern.stop_dists[i] - pattern.stop_dists[i - 1]) / speed
    running *= congestion_factor(hour, params) * trip_factor * segment_noise * hurry
    return running * incident_factor(pattern.stop_ids[i], hour, params)


def _dwell_s(board: int, alight: int, params: SimulationParams, rng: np.random.Generator) -> float:
    if not (board or alight):
        return 0.0
    dwell = float(rng.uniform(*params.dwell_base_s))
    return dwell + board * params.dwell_per_boarding_s + alight * params.dwell_per_alighting_s


def list_passages(run: TripRun, pattern: Pattern) -> list[StopPassage]:
    """The true passages of one trip, in stop order."""
    block = "" if run.block_id.startswith("unblocked:") else run.block_id
    return [
        StopPassage(
            vehicle_id=run.vehicle_id,
            block_id=block,
            trip_id=run.trip.trip_id,
            stop_sequence=i + 1,
            stop_id=stop_id,
            arrival=float(run.arrivals[i]),
            departure=float(run.departures[i]),
            boardings=int(run.boardings[i]),
            alightings=int(run.alightings[i]),
            load=int(run.loads[i]),
        )
        for i, stop_id in enumerate(pattern.stop_ids)
    ]
