"""Everything the engine needs for each line direction of a service day:
demand, running times, periods, first and last departures.

A line direction may run several patterns (short turns, branches); its main
pattern, the one with the most trips that day, stands for it, and the notes
say so. First and last departures are those of all its trips. Pure: the
schedule's trips of the day, the day's flow and stop events come in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from optimizer.timetable.bins import TimeBins, clock
from optimizer.timetable.errors import InputError
from optimizer.timetable.model import DirectionInput, Period
from optimizer.timetable.policy import InputParams, fit_periods
from optimizer.timetable.profiles import Censoring, empty_bins, observed_profile
from optimizer.timetable.running import TripTimes, estimate_running, observed_by_pattern, scheduled_times
from optimizer.timetable.scenarios import Scenario, apply_periods, apply_scenario, check_scenario
from transit.flow.loads import TripFlow
from transit.model.network import Network, Pattern, Trip
from transit.records import StopEvent

Direction = tuple[str, int]  # (route_id, direction_id)


@dataclass(frozen=True, slots=True)
class DirectionData:
    """What was observed of one line direction, and its scheduled trips."""

    route_id: str
    direction_id: int
    pattern: Pattern  # the main one
    trips: tuple[Trip, ...]  # every scheduled trip of the direction that day, any pattern
    flows: tuple[TripFlow, ...]  # of the main pattern's trips
    observed: tuple[TripTimes, ...]  # of the main pattern's trips


def main_pattern(network: Network, trips: Sequence[Trip]) -> tuple[Pattern, list[str]]:
    """The pattern most of ``trips`` (one line direction) run, and a note when
    there are others; a pattern of fewer than two stops is refused."""
    counts = Counter(t.pattern_id for t in trips)
    pattern_id, count = min(counts.items(), key=lambda item: (-item[1], item[0]))
    pattern = network.patterns[pattern_id]
    where = f"line {pattern.route_id} direction {pattern.direction_id}"
    if len(pattern.stop_ids) < 2:
        raise InputError(f"{where}: pattern {pattern_id} has {len(pattern.stop_ids)} stop "
                         f"({', '.join(pattern.stop_ids)}): a timetable needs two stops or more",
                         "stops")
    notes = []
    if len(counts) > 1:
        notes.append(f"{where}: {len(counts)} patterns; demand and running times of the main "
                     f"one, {pattern_id} ({count} of {len(trips)} trips)")
    return pattern, notes


def direction_input(data: DirectionData, scenario: Scenario, params: InputParams,
                    timezone: str, days: int = 1) -> tuple[DirectionInput, list[str]]:
    """The engine's input for one line direction, and notes on what stands in for what."""
    where = f"line {data.route_id} direction {data.direction_id}"
    starts = sorted(t.start for t in data.trips)
    first, last = starts[0], starts[-1]
    bins = TimeBins.covering(first, last, params.bin_s)
    notes = []
    censoring = Censoring(0.95 * params.vehicle_capacity, params.censored_demand_factor,
                          left_behind=params.left_behind)
    observed = observed_profile(data.pattern, data.flows, bins, timezone, days, censoring)
    if observed.censored and params.censored_demand_factor != 1.0:
        notes.append(f"{where}: trips ran full in {bins.labels(observed.censored)}: riders left behind are "
                     f"not in the taps, demand there taken as {params.censored_demand_factor:g}x what boarded")
    if observed.queued:
        notes.append(f"{where}: {observed.queued:.0f} riders a day added from the queues full buses left "
                     f"(the next bus's taps over the stop's usual rate)")
    if observed.outside:
        notes.append(f"{where}: {observed.outside} observed trips left outside the service "
                     f"span {clock(first)}-{clock(last)} are not in the profile")
    profile = apply_scenario(observed.profile, scenario, data.route_id)
    if empty := empty_bins(profile):
        notes.append(f"{where}: no demand data in {bins.labels(empty)} (kept at zero)")
    main_trips = [scheduled_times(t) for t in data.trips if t.pattern_id == data.pattern.pattern_id]
    running = estimate_running(data.pattern, data.observed, main_trips, bins, params.min_observed_trips)
    if running.scheduled_bins:
        few = params.min_observed_trips
        notes.append(f"{where}: running times from the schedule in {bins.labels(running.scheduled_bins)} "
                     f"({'no observed trip' if few == 1 else f'fewer than {few} observed trips'})")
    periods = fit_periods(params.policies(scenario.day_type), first, last)
    if params.keep_live_headways:
        periods, widened = _widen_to_live(periods, starts)
        notes += [f"{where}: {note}" for note in widened]
    periods = apply_periods(periods, scenario)
    return DirectionInput(data.route_id, data.direction_id, profile, running.running, periods,
                          first, last, params.vehicle_capacity, params.min_layover_s), notes


def _widen_to_live(periods: tuple[Period, ...], starts: Sequence[int]) -> tuple[tuple[Period, ...], list[str]]:
    """Each period's max headway at least the longest gap between live
    departures overlapping it, with a note for each period widened."""
    widened, notes = [], []
    for period in periods:
        gaps = [b - a for a, b in zip(starts, starts[1:]) if a < period.end_s and b > period.start_s]
        longest = max(gaps, default=0)
        if longest > period.max_headway_s:
            notes.append(f"{period.name} max headway {period.max_headway_s // 60} min widened to "
                         f"the live timetable's {longest / 60:g} min")
            period = replace(period, max_headway_s=longest,
                             min_headway_s=min(period.min_headway_s, longest))
        widened.append(period)
    return tuple(widened), notes


def list_direction_inputs(network: Network, trips: Iterable[Trip], flows: Iterable[TripFlow],
                          events: Iterable[StopEvent], scenario: Scenario,
                          params: InputParams = InputParams()) -> tuple[list[DirectionInput], list[str]]:
    """The engine's input for every line direction of ``trips`` (the schedule's
    trips of one service day), from the flows and stop events of observed days,
    in route then direction order; and notes on what stands in for what."""
    check_scenario(scenario, network.stops, network.routes)
    flows = list(flows)
    days = len({f.key[0] for f in flows}) or 1
    data, notes = list_direction_data(network, trips, flows, observed_by_pattern(network, events))
    inputs = []
    for direction in data:
        found, direction_notes = direction_input(direction, scenario, params, network.timezone, days)
        inputs.append(found)
        notes += direction_notes
    return inputs, notes


def list_direction_data(network: Network, trips: Iterable[Trip], flows: Iterable[TripFlow],
                        observed: Mapping[str, Sequence[TripTimes]]) -> tuple[list[DirectionData], list[str]]:
    """Each line direction of ``trips`` with its main pattern's flows and
    observed trips (``observed`` by pattern id), in route then direction order."""
    by_direction: dict[Direction, list[Trip]] = {}
    for trip in trips:
        by_direction.setdefault((trip.route_id, trip.direction_id), []).append(trip)
    flows_by_pattern: dict[str, list[TripFlow]] = {}
    for flow in flows:
        trip = network.trips.get(flow.key[1])
        if trip is not None:
            flows_by_pattern.setdefault(trip.pattern_id, []).append(flow)
    found, notes = [], []
    for (route_id, direction_id), direction_trips in sorted(by_direction.items()):
        pattern, pattern_notes = main_pattern(network, direction_trips)
        notes += pattern_notes
        found.append(DirectionData(route_id, direction_id, pattern, tuple(direction_trips),
                                   tuple(flows_by_pattern.get(pattern.pattern_id, ())),
                                   tuple(observed.get(pattern.pattern_id, ()))))
    return found, notes
