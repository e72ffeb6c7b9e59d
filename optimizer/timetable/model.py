"""What the timetable engine reads and writes, for one line direction.

Units: times are GTFS service-day seconds (may pass 86 400), durations seconds,
distances kilometres, loads passengers, frequencies vehicles per hour. The time
axis is cut into equal bins (``bin_s``, usually 3600 s as in Ceder's examples);
bin ``b`` covers ``[start_s + b * bin_s, start_s + (b + 1) * bin_s)``.

Shared by the four parts of the engine: demand and running times come in
(``DirectionInput``), frequencies come out of ``frequencies`` (``FrequencyPlan``),
departure times out of ``departures`` (``Timetable``), and every refusal is a
``Binding``: the constraint that binds, in the planner's terms, and by how much.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Period:
    """A span of the service day with its own service policy (AM peak, midday...)."""

    name: str
    start_s: int
    end_s: int  # exclusive
    max_headway_s: int  # policy headway: the longest gap the operator allows
    min_headway_s: int  # the shortest gap worth running (bunching, terminal space)
    desired_load: float  # d0: passengers per vehicle wanted at the peak-load point


@dataclass(frozen=True, slots=True)
class LoadProfile:
    """Passengers on board across each segment of one pattern, per time bin.

    ``loads[b][i]`` is the passengers carried from stop ``i`` to stop ``i + 1``
    by the trips that leave the first stop in bin ``b``; ``boardings[b][i]`` the
    passengers boarding at stop ``i`` on them. Segment ``i`` is ``segment_km[i]``
    long, so a profile's area in bin ``b`` is ``sum(loads[b][i] * segment_km[i])``
    passenger-km.
    """

    pattern_id: str
    stop_ids: tuple[str, ...]
    segment_km: tuple[float, ...]  # len(stop_ids) - 1
    start_s: int
    bin_s: int
    loads: tuple[tuple[float, ...], ...]  # [bin][segment]
    boardings: tuple[tuple[float, ...], ...]  # [bin][stop]

    @property
    def bins(self) -> int:
        return len(self.loads)

    @property
    def route_km(self) -> float:
        return sum(self.segment_km)


@dataclass(frozen=True, slots=True)
class RunningTimes:
    """How long a trip takes, by the bin it leaves the first stop in.

    ``arrivals[b][i]`` and ``departures[b][i]`` are offsets from the trip's
    departure at stop 0 (so ``departures[b][0] == 0``); ``arrivals[b][-1]`` is
    the trip time.
    """

    start_s: int
    bin_s: int
    arrivals: tuple[tuple[int, ...], ...]  # [bin][stop]
    departures: tuple[tuple[int, ...], ...]  # [bin][stop]

    def trip_time_s(self, depart_s: int) -> int:
        return self.arrivals[self.bin_at(depart_s)][-1]

    def bin_at(self, t: int) -> int:
        b = (t - self.start_s) // self.bin_s
        return min(max(b, 0), len(self.arrivals) - 1)


@dataclass(frozen=True, slots=True)
class DirectionInput:
    """Everything the engine needs to time one line direction."""

    route_id: str
    direction_id: int
    profile: LoadProfile
    running: RunningTimes
    periods: tuple[Period, ...]  # in order, covering first to last departure
    first_departure_s: int
    last_departure_s: int
    vehicle_capacity: float  # c: seated plus standing
    layover_s: int  # minimum at each terminal before the next trip of a vehicle


class Method(enum.StrEnum):
    """Ceder's four ways to size a frequency from passenger counts."""

    MAX_LOAD_DAILY = "max_load_daily"  # Method 1: the day's peak-load point
    MAX_LOAD_HOURLY = "max_load_hourly"  # Method 2: each bin's peak-load point
    LOAD_PROFILE = "load_profile"  # Method 3: profile area over route length
    LOAD_PROFILE_CAPPED = "load_profile_capped"  # Method 4: ...never over capacity


@dataclass(frozen=True, slots=True)
class BinFrequency:
    bin_start_s: int
    by_method: dict[Method, float]  # vehicles per hour each method asks for
    peak_load: float  # at this bin's peak-load point
    peak_segment: int | None  # index of that segment; None where the bin has no demand data
    short_turn: tuple[int, int] | None  # first and last segment worth a short turn, if any


@dataclass(frozen=True, slots=True)
class FrequencyPlan:
    """The frequency of each bin by every method, and the one chosen."""

    route_id: str
    direction_id: int
    method: Method
    bins: tuple[BinFrequency, ...]
    parameters: dict[str, float]  # what the methods were given: d0, c, policy frequency...
    daily_peak_segment: int | None = None  # the day's peak-load point (None: no demand data at all)
    daily_peak_load: float = 0.0  # passengers across it over the day
    bindings: tuple[Binding, ...] = ()  # what the plan had to assume (``no_demand``...)

    def chosen(self) -> tuple[float, ...]:
        return tuple(b.by_method[self.method] for b in self.bins)

    def headways_s(self) -> tuple[float, ...]:
        """The headway each chosen frequency implies (every frequency is at least the policy's)."""
        return tuple(3600.0 / f for f in self.chosen())


@dataclass(frozen=True, slots=True)
class Binding:
    """A constraint that decides (or forbids) the answer, and by how much.

    ``constraint`` is a stable key (``fleet``, ``max_headway``, ``min_headway``,
    ``first_last``, ``capacity``, ``time_limit``...); ``amount`` is in ``unit``
    (vehicles, seconds, passengers); ``message`` is the sentence a planner reads.
    """

    constraint: str
    message: str
    amount: float = 0.0
    unit: str = ""
    period: str | None = None


class Infeasible(ValueError):
    """No timetable meets the constraints; ``bindings`` say which and by how much."""

    def __init__(self, bindings: tuple[Binding, ...]) -> None:
        super().__init__("; ".join(b.message for b in bindings))
        self.bindings = bindings


class Construction(enum.StrEnum):
    """How departure times are set from the frequencies."""

    CP_SAT = "cp_sat"  # the CP-SAT model (departures.optimize_departures)
    EVEN_HEADWAY = "even_headway"  # Ceder's even headways with smooth transitions
    EVEN_LOAD = "even_load"  # Ceder's even average load at the peak-load point


class Status(enum.StrEnum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"  # the time limit came first: best found, with its bound
    CONSTRUCTED = "constructed"  # a classic construction, no solver


@dataclass(frozen=True, slots=True)
class Timetable:
    """Departures of one line direction from its first stop, and how they were found."""

    route_id: str
    direction_id: int
    departures_s: tuple[int, ...]
    construction: str  # "even_headway", "even_load", "cp_sat"
    status: Status
    objective: float | None = None
    bound: float | None = None  # proven lower bound on the objective
    bindings: tuple[Binding, ...] = ()  # what held the answer back

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None:
            return None
        return 0.0 if self.objective == 0 else (self.objective - self.bound) / abs(self.objective)
