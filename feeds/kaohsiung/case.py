"""The Kaohsiung week as a replay case: planned trips, reports per service day,
vehicle-to-block assignments and the observed truth. Pure: a ``KaohsiungWeek``
in, a ``KaohsiungCase`` out (``files`` writes it).

- A run's service day is the local date of its first fix, or the day before
  for a run starting before 03:00 (GTFS times past 24:00).
- Runs the feed split mid-trip are joined first (``runs.join_split_runs``).
- A run with fewer than ``min_passages`` observed stop passages (a bus
  standing at a terminal, a run off its route) becomes no trip; its reports
  are still replayed, as a live feed would send them.
- Planned times: ``timetable`` (departures of the day, running times of the
  training days), shortened where a trip would end after its block's next
  departure (``end_before_next``).
- Blocks: a vehicle's trips of one service day, in order; the assignments
  give each (service day, vehicle) its block, as the feed's RunUUIDs imply.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

from feeds.kaohsiung.directions import DirectionMap, match_directions
from feeds.kaohsiung.layout import Layout, build_layout
from feeds.kaohsiung.source import KaohsiungWeek, ObservedRun
from feeds.kaohsiung.timetable import (
    ObservedRunPassages, RunningTimes, TimetableParams, first_departure, learn_running_times,
    plan_stop_times,
)
from feeds.kaohsiung.runs import join_split_runs, run_passages
from feeds.kaohsiung.truth import RunPassages, TruthParams
from transit.model.service_days import service_day_origin
from transit.records import VehicleReport
from transit.tracking.scoring import TruePassage

TIMEZONE = "Asia/Taipei"
WEEK = tuple(date(2018, 11, 5) + timedelta(days=n) for n in range(7))
TRAINING = WEEK[:6]
DAY_STARTS_HOUR = 3
# The PTX feed was polled every 30 s: a fix reaches the platform a little after it is taken.
RECEIVE_DELAY_S = 5.0
KMH = 1 / 3.6
# A planned trip is shortened to end before its block's next departure by at most 20%.
MIN_SQUEEZE = 0.8


@dataclass(frozen=True, slots=True)
class CaseParams:
    dates: tuple[date, ...] = WEEK
    training: tuple[date, ...] = TRAINING
    min_passages: int = 3
    truth: TruthParams = TruthParams()
    timetable: TimetableParams = TimetableParams()


@dataclass(frozen=True, slots=True)
class PlannedTrip:
    trip_id: str
    route_id: str
    direction: int
    service_date: date
    block_id: str
    run_id: str
    vehicle_id: str
    arrivals: tuple[int, ...]  # GTFS seconds of the service day, one per pattern stop
    departures: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class RunSummary:
    run_id: str
    vehicle_id: str
    route_id: str
    direction: int
    quality: str
    service_date: date
    trip_id: str | None  # None: the run became no trip
    passages: int
    missed: int  # stops its track never came within reach of


@dataclass(frozen=True, slots=True)
class KaohsiungCase:
    layout: Layout
    directions: DirectionMap
    running_times: RunningTimes
    trips: tuple[PlannedTrip, ...]
    reports: Mapping[date, tuple[VehicleReport, ...]]  # per service date, in fix order
    assignments: Mapping[tuple[date, str], str]  # (service date, vehicle) -> block id
    truth: tuple[TruePassage, ...]  # GTFS stop sequences (pattern index + 1)
    runs: tuple[RunSummary, ...]
    outside: int = 0  # runs whose service date is not among the case's dates
    joined: int = 0  # runs the feed split mid-trip, joined to their first half
    squeezed: int = 0  # planned trips shortened to end before their block's next departure
    overlapping: int = 0  # planned trips that still end after it
    params: CaseParams = field(default_factory=CaseParams)


def service_date_of(t: float, timezone: str = TIMEZONE) -> date:
    """The service day a run starting at ``t`` belongs to."""
    local = datetime.fromtimestamp(t, ZoneInfo(timezone))
    return (local - timedelta(hours=DAY_STARTS_HOUR)).date()


def build_case(week: KaohsiungWeek, params: CaseParams = CaseParams()) -> KaohsiungCase:
    directions = match_directions(week.stops, week.shapes)
    layout = build_layout(week.stops, week.shapes, directions)
    runs = [r for r in week.runs if (r.route_id, r.direction) in layout.patterns]
    days = {r.run_id: service_date_of(r.times[0]) for r in runs}
    split = [r for r in runs if days[r.run_id] in params.dates]
    inside = join_split_runs(split, run_passages(split, layout, params.truth), layout)
    days.update({r.run_id: service_date_of(r.times[0]) for r in inside})
    observed = run_passages(inside, layout, params.truth)
    usable = [r for r in inside if len(observed[r.run_id].passages) >= params.min_passages]
    running_times = learn_running_times(
        (ObservedRunPassages((r.route_id, r.direction), observed[r.run_id].passages)
         for r in usable if days[r.run_id] in params.training),
        TIMEZONE, params.timetable)
    trips, squeezed, overlapping = end_before_next(plan_trips(usable, days, layout, observed, running_times))
    trip_of = {t.run_id: t for t in trips}
    summaries = tuple(
        RunSummary(r.run_id, r.vehicle_id, r.route_id, r.direction, r.quality, days[r.run_id],
                   trip_of[r.run_id].trip_id if r.run_id in trip_of else None,
                   len(observed[r.run_id].passages), observed[r.run_id].missed)
        for r in inside)
    return KaohsiungCase(
        layout=layout, directions=directions, running_times=running_times, trips=trips,
        reports=reports_by_day(inside, days),
        assignments=MappingProxyType({(t.service_date, t.vehicle_id): t.block_id for t in trips}),
        truth=truth_passages(trips, observed), runs=summaries,
        outside=len(runs) - len(split), joined=len(split) - len(inside),
        squeezed=squeezed, overlapping=overlapping, params=params,
    )


def plan_trips(runs: Iterable[ObservedRun], days: Mapping[str, date], layout: Layout,
               observed: Mapping[str, RunPassages], times: RunningTimes) -> tuple[PlannedTrip, ...]:
    """One trip per run, numbered per service day, route and direction in order of departure."""
    planned = []
    for run in runs:
        pattern = layout.patterns[(run.route_id, run.direction)]
        leaves = first_departure(pattern, observed[run.run_id].passages, times)
        arrivals, departures = plan_stop_times(pattern, leaves, times)
        origin = service_day_origin(days[run.run_id], TIMEZONE).timestamp()
        planned.append((days[run.run_id], run.route_id, run.direction, leaves, run,
                        tuple(round(a - origin) for a in arrivals),
                        tuple(round(d - origin) for d in departures)))
    planned.sort(key=lambda p: (p[0], p[1], p[2], p[3], p[4].run_id))
    trips: list[PlannedTrip] = []
    counts: dict[tuple[date, str, int], int] = {}
    for day, route_id, direction, _, run, arrivals, departures in planned:
        n = counts[(day, route_id, direction)] = counts.get((day, route_id, direction), 0) + 1
        stamp = day.strftime("%Y%m%d")
        trips.append(PlannedTrip(f"{stamp}-{route_id}-{direction}-{n:03d}", route_id, direction, day,
                                 f"{stamp}-{run.vehicle_id}", run.run_id, run.vehicle_id,
                                 arrivals, departures))
    return tuple(trips)


def end_before_next(trips: Iterable[PlannedTrip]) -> tuple[tuple[PlannedTrip, ...], int, int]:
    """A plan does not send a bus out before it is back: where a trip's planned
    end falls after its block's next departure (the bus ran faster than the
    median and turned at once), its planned times are shortened to end there,
    when that takes at most ``1 - MIN_SQUEEZE`` of its length. Returns the trips,
    how many were shortened and how many still overlap the next (runs the
    median cannot plan: a bus crawling a few stops, then starting again)."""
    by_block: dict[str, list[PlannedTrip]] = {}
    for trip in trips:
        by_block.setdefault(trip.block_id, []).append(trip)
    fitted: dict[str, PlannedTrip] = {}
    squeezed = overlapping = 0
    for block in by_block.values():
        block.sort(key=lambda t: (t.departures[0], t.trip_id))
        for trip, following in zip(block, block[1:] + [None]):
            fitted[trip.trip_id] = trip
            if following is None or trip.arrivals[-1] <= following.departures[0]:
                continue
            start, length = trip.departures[0], trip.arrivals[-1] - trip.departures[0]
            factor = (following.departures[0] - start) / length
            if factor < MIN_SQUEEZE:
                overlapping += 1
                continue
            squeezed += 1
            fitted[trip.trip_id] = replace(
                trip, arrivals=tuple(start + math.floor((t - start) * factor) for t in trip.arrivals),
                departures=tuple(start + math.floor((t - start) * factor) for t in trip.departures))
    return tuple(fitted[t.trip_id] for t in trips), squeezed, overlapping


def reports_by_day(runs: Iterable[ObservedRun], days: Mapping[str, date]
                   ) -> Mapping[date, tuple[VehicleReport, ...]]:
    """Every fix of every run as a report of its run's service day, carrying
    the run's route and direction as the feed gives them with each fix (PTX
    ``SubRouteUID``, ``Direction``: a trip descriptor without a trip); a
    vehicle's fix shared by two runs is reported once."""
    seen: set[tuple[str, float]] = set()
    by_day: dict[date, list[VehicleReport]] = {}
    for run in runs:
        for t, lat, lon, speed, azimuth in zip(run.times, run.lats, run.lons, run.speeds_kmh,
                                               run.azimuths):
            if (run.vehicle_id, t) in seen:
                continue
            seen.add((run.vehicle_id, t))
            by_day.setdefault(days[run.run_id], []).append(VehicleReport(
                run.vehicle_id, t, lat, lon, speed * KMH, azimuth % 360.0, "replay", t + RECEIVE_DELAY_S,
                route_id=run.route_id, direction_id=run.direction))
    return MappingProxyType({day: tuple(sorted(reports, key=lambda r: (r.timestamp, r.vehicle_id)))
                             for day, reports in sorted(by_day.items())})


def truth_passages(trips: Iterable[PlannedTrip], observed: Mapping[str, RunPassages]
                   ) -> tuple[TruePassage, ...]:
    return tuple(TruePassage(trip.trip_id, p.index + 1, p.arrival, p.departure, trip.vehicle_id)
                 for trip in trips for p in observed[trip.run_id].passages)
