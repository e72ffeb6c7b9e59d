"""A line study applied to the engine's inputs: changed line directions and new
lines in, each with what the change did (km, stops, riders, running time).

Pure: the day's inputs as ``direction_inputs`` built them (the live geometry)
come in; out come the study's inputs (changed directions replaced, new lines'
added), the network holding their patterns (``<pattern>~study``), and a report
per direction. The rest of the run times them like any other line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from optimizer.timetable.bins import TimeBins
from optimizer.timetable.errors import InputError
from optimizer.timetable.line_changes import LineChange, LineStudy, NewLine, check_known, edit_stops
from optimizer.timetable.line_demand import (DEFAULT_RIDE_KM, StopTaps, day_shape, mean_ride_km, reshaped_demand,
                                             stop_taps)
from optimizer.timetable.line_geometry import Leg, leg_lengths, study_network, study_pattern
from optimizer.timetable.line_running import day_speeds_kmh, kept_positions, reshaped_running, speed_running
from optimizer.timetable.model import DirectionInput, RunningTimes
from optimizer.timetable.policy import InputParams, fit_periods
from optimizer.timetable.profiles import given_profile
from optimizer.timetable.scenarios import Scenario, apply_periods
from transit.geo import distance_m
from transit.model.network import Network, Pattern, Route

BUS = 3  # GTFS route_type


@dataclass(frozen=True, slots=True)
class LineReport:
    """What a change did to one line direction (``before`` figures are 0 for a new line)."""

    route_id: str
    direction_id: int
    stops_before: int
    stops_after: int
    added: tuple[str, ...]
    removed: tuple[str, ...]
    km_before: float
    km_after: float
    straight_legs: int  # legs measured as the crow flies: no shape runs between their stops
    trip_min_before: float  # mean over the day's bins
    trip_min_after: float
    riders_before: float  # boardings a day
    riders_after: float
    moved: float  # riders walking from a stop no longer served to one of the line
    lost: float  # riders with no stop of the line within the walk (or a ride that vanished)
    gained: float  # riders on and off at the new stops


@dataclass(frozen=True)
class StudyLines:
    network: Network  # with the study's patterns and new lines
    inputs: tuple[DirectionInput, ...]  # the study's, in route then direction order
    reports: tuple[LineReport, ...]
    notes: tuple[str, ...]
    vehicles: Mapping[str, int]  # the new lines' own vehicles, added to the fleet


def apply_line_study(network: Network, inputs: Sequence[DirectionInput], study: LineStudy, scenario: Scenario,
                     params: InputParams = InputParams()) -> StudyLines:
    check_known(study, network.stops, network.routes)
    by_key = {(d.route_id, d.direction_id): d for d in inputs}
    taps = stop_taps(inputs, params.bin_s)
    day_ride = mean_ride_km([d.profile for d in inputs]) or DEFAULT_RIDE_KM
    changed: dict[tuple[str, int], DirectionInput] = {}
    patterns: list[Pattern] = []
    reports, notes = [], []
    for change in study.changes:
        key = (change.route_id, change.direction_id)
        if key not in by_key:
            raise InputError(f"line_changes: {change.where} runs no trip on the scenario's service day",
                             "line_changes.direction")
        found, pattern, report, more = _changed(network, by_key[key], change, study.walk_m, taps, day_ride)
        changed[key] = found
        patterns.append(pattern)
        reports.append(report)
        notes += more
    routes = []
    for line in study.new_lines:
        routes.append(Route(line.route_id, line.route_id, line.name or f"study line {line.route_id}", BUS))
        for direction_id, stops in enumerate((line.stops, line.return_stops)):
            found, pattern, report, more = _new_direction(network, inputs, line, direction_id, stops, scenario,
                                                          params, taps, day_ride)
            changed[(line.route_id, direction_id)] = found
            patterns.append(pattern)
            reports.append(report)
            notes += more
    merged = {**by_key, **changed}
    return StudyLines(study_network(network, patterns, routes), tuple(merged[k] for k in sorted(merged)),
                      tuple(reports), tuple(notes), {line.route_id: line.vehicles for line in study.new_lines})


def _changed(network: Network, live: DirectionInput, change: LineChange, walk_m: float, taps: StopTaps,
             day_ride: float) -> tuple[DirectionInput, Pattern, LineReport, list[str]]:
    old = network.patterns[live.profile.pattern_id]
    stops = edit_stops(old.stop_ids, change)
    legs = leg_lengths(network, stops, old)
    km = [leg.km for leg in legs]
    positions = kept_positions(old.stop_ids, stops)
    walk_to = [_walk_to(network, stop, i, positions, stops, walk_m) for i, stop in enumerate(old.stop_ids)]
    bins = TimeBins(live.profile.start_s, live.profile.bin_s, live.profile.bins)
    fresh, notes = _new_stop_boardings(stops, positions, bins, taps, change.boardings_per_day,
                                       day_shape([live.profile], bins), change.where)
    pattern = study_pattern(change.route_id, change.direction_id, stops, legs, old)
    demand = reshaped_demand(live.profile, pattern.pattern_id, stops, km, walk_to, fresh,
                             mean_ride_km([live.profile]) or day_ride)
    running = reshaped_running(live.running, live.profile.segment_km, positions, km, change.where)
    found = replace(live, profile=demand.profile, running=running)
    kept = {old.stop_ids[p] for p in positions if p is not None}
    report = LineReport(change.route_id, change.direction_id, len(old.stop_ids), len(stops),
                        tuple(s for s, p in zip(stops, positions) if p is None),
                        tuple(s for s in old.stop_ids if s not in kept), live.profile.route_km, sum(km),
                        _straight(legs), _mean_trip_min(live.running), _mean_trip_min(running),
                        demand.riders_before, demand.riders_after, demand.moved, demand.lost, demand.gained)
    return found, pattern, report, notes


def _new_direction(network: Network, inputs: Sequence[DirectionInput], line: NewLine, direction_id: int,
                   stops: Sequence[str], scenario: Scenario, params: InputParams, taps: StopTaps,
                   day_ride: float) -> tuple[DirectionInput, Pattern, LineReport, list[str]]:
    where = f"new line {line.route_id} direction {direction_id}"
    first = line.first_departure_s if line.first_departure_s is not None else _median(
        [d.first_departure_s for d in inputs], where, "first")
    last = line.last_departure_s if line.last_departure_s is not None else _median(
        [d.last_departure_s for d in inputs], where, "last")
    bins = TimeBins.covering(first, last, params.bin_s)
    legs = leg_lengths(network, stops, None)
    km = [leg.km for leg in legs]
    shape = day_shape([d.profile for d in inputs], bins)
    per_stop = None if line.boardings_per_day is None else line.boardings_per_day / (len(stops) - 1)
    table, notes = _new_stop_boardings(stops, [None] * len(stops), bins, taps, per_stop, shape, where)
    table[:, -1] = 0.0  # nobody boards at the last stop
    pattern = study_pattern(line.route_id, direction_id, stops, legs, None)
    profile = given_profile(pattern.pattern_id, stops, km, bins, table, line.mean_ride_km or day_ride)
    speeds = [line.speed_kmh] * bins.count if line.speed_kmh else day_speeds_kmh(inputs, bins)
    running = speed_running(bins, km, speeds)
    periods = apply_periods(fit_periods(params.policies(scenario.day_type), first, last), scenario)
    found = DirectionInput(line.route_id, direction_id, profile, running, periods, first, last,
                           params.vehicle_capacity, params.min_layover_s)
    riders = float(np.sum(profile.boardings))
    report = LineReport(line.route_id, direction_id, 0, len(stops), tuple(stops), (), 0.0, sum(km),
                        _straight(legs), 0.0, _mean_trip_min(running), 0.0, riders, 0.0, 0.0, riders)
    return found, pattern, report, notes


def _new_stop_boardings(stops: Sequence[str], positions: Sequence[int | None], bins: TimeBins, taps: StopTaps,
                        per_day: float | None, shape: np.ndarray, where: str) -> tuple[np.ndarray, list[str]]:
    """Boardings per bin at each stop new to the line (0 at stops it keeps):
    ``per_day`` spread by ``shape``, else its share of the taps there."""
    table = np.zeros((bins.count, len(stops)))
    notes = []
    for k, (stop, position) in enumerate(zip(stops, positions)):
        if position is not None:
            continue
        if per_day is not None:
            table[:, k] = per_day * shape
        else:
            table[:, k] = taps.share(stop, bins)
            if not taps.directions.get(stop):
                notes.append(f"{where}: no line serves {stop} today: no taps to estimate its riders from "
                             "(none counted; give boardings_per_day)")
    return table, notes


def _walk_to(network: Network, stop: str, index: int, positions: Sequence[int | None], stops: Sequence[str],
             walk_m: float) -> int | None:
    """Where old stop ``index`` (``stop``) has its riders now: itself when kept, else
    the nearest stop of the line within ``walk_m``, else None."""
    if index in positions:
        return positions.index(index)
    here = network.stops[stop]
    near = [(distance_m(here.lat, here.lon, network.stops[s].lat, network.stops[s].lon), k)
            for k, s in enumerate(stops)]
    metres, k = min(near)
    return k if metres <= walk_m else None


def _median(values: Sequence[int], where: str, which: str) -> int:
    if not values:
        raise InputError(f"{where}: no line runs that day to take a {which} departure from: give {which}",
                         f"new_lines.{which}")
    return int(np.median(values)) // 60 * 60


def _straight(legs: Sequence[Leg]) -> int:
    return sum(1 for leg in legs if leg.along == "straight")


def _mean_trip_min(running: RunningTimes) -> float:
    return float(np.mean([row[-1] for row in running.arrivals])) / 60.0
