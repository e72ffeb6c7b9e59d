"""A stand-in timetable from observed runs (the operator's schedule is missing).

Each observed run becomes one planned trip. Its departure from the first stop
is the run's observed departure (a dispatcher's plan of the day: when each
bus was sent out); when the first stop was not seen, the first stop seen
minus the planned times to it. Its later stop times are typical times of the
TRAINING days only, so a scored day's timetable knows its departures but
none of its running times. Typical times are 10%-trimmed means, not medians:
segment times are skewed to the long side, and medians per segment add up
to trips 1-2 minutes shorter than the buses take (the planned times would
run early all day, and so would delay carried forward):

- running time of each stop pair (departure from one stop to arrival at the
  next) per route, direction and hour of the day, and dwell at each stop per
  hour (departure - arrival of the observed passage: 0 when the bus was seen
  passing, the stand when it was seen standing);
- an hour with fewer than ``min_observations`` falls back to the pair's (or
  stop's) figure over all hours, then to ``fallback_mps`` over the straight
  line (running) or 0 (dwell).

Hours are local hours of the moment the bus leaves the stop (Asia/Taipei).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from zoneinfo import ZoneInfo

from feeds.kaohsiung.layout import PatternKey, PatternLayout
from feeds.kaohsiung.truth import StopPassage
from transit.model.geometry import haversine_m

StepKey = tuple[str, int, int]  # (route id, direction, stop index: the pair starting there, or the stop)


@dataclass(frozen=True, slots=True)
class TimetableParams:
    min_observations: int = 3
    trim: float = 0.1  # share of the lowest and of the highest times left out of a mean
    fallback_mps: float = 5.0  # 18 km/h: a city bus's usual running speed with stops


@dataclass(frozen=True, slots=True)
class RunningTimes:
    """Typical times learned from the training days (seconds)."""

    timezone: str
    running: Mapping[tuple[StepKey, int], float]  # (pair, hour) -> s
    running_all_day: Mapping[StepKey, float]
    dwell: Mapping[tuple[StepKey, int], float]
    dwell_all_day: Mapping[StepKey, float]
    observations: int  # stop pairs observed
    params: TimetableParams = TimetableParams()


@dataclass(frozen=True, slots=True)
class ObservedRunPassages:
    """The passages of one run, with the pattern it ran."""

    pattern: PatternKey
    passages: tuple[StopPassage, ...]


def learn_running_times(runs: Iterable[ObservedRunPassages], timezone: str,
                        params: TimetableParams = TimetableParams()) -> RunningTimes:
    """Typical times per stop pair (and stop) and hour over ``runs`` (the training days')."""
    zone = ZoneInfo(timezone)
    running: dict[tuple[StepKey, int], list[float]] = {}
    dwell: dict[tuple[StepKey, int], list[float]] = {}
    pairs = 0
    for run in runs:
        route_id, direction = run.pattern
        for p in run.passages:
            if p.index > 0:
                dwell.setdefault(((route_id, direction, p.index), _hour(p.departure, zone)),
                                 []).append(p.departure - p.arrival)
        for a, b in zip(run.passages, run.passages[1:]):
            if b.index == a.index + 1:
                running.setdefault(((route_id, direction, a.index), _hour(a.departure, zone)),
                                   []).append(b.arrival - a.departure)
                pairs += 1
    return RunningTimes(timezone, *_typical(running, params), *_typical(dwell, params), pairs, params)


def _typical(samples: Mapping[tuple[StepKey, int], list[float]], params: TimetableParams
             ) -> tuple[Mapping[tuple[StepKey, int], float], Mapping[StepKey, float]]:
    by_hour = {key: trimmed_mean(v, params.trim) for key, v in samples.items()
               if len(v) >= params.min_observations}
    pooled: dict[StepKey, list[float]] = {}
    for (step, _), values in sorted(samples.items()):
        pooled.setdefault(step, []).extend(values)
    all_day = {step: trimmed_mean(v, params.trim) for step, v in pooled.items()
               if len(v) >= params.min_observations}
    return MappingProxyType(by_hour), MappingProxyType(all_day)


def trimmed_mean(values: Sequence[float], trim: float) -> float:
    """The mean of ``values`` without the lowest and highest ``trim`` share of them."""
    ordered = sorted(values)
    cut = int(len(ordered) * trim)
    kept = ordered[cut:len(ordered) - cut] or ordered
    return sum(kept) / len(kept)


def plan_stop_times(pattern: PatternLayout, departure: float, times: RunningTimes
                    ) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(arrivals, departures) at every stop of ``pattern`` for a trip leaving
    its first stop at ``departure`` (Unix s)."""
    zone = ZoneInfo(times.timezone)
    arrivals, departures = [departure], [departure]
    t = departure
    for index in range(len(pattern.stop_ids) - 1):
        t += _running(pattern, index, _hour(t, zone), times)
        arrivals.append(t)
        if index + 1 < len(pattern.stop_ids) - 1:
            t += _dwell(pattern, index + 1, _hour(t, zone), times)
        departures.append(t)
    return tuple(arrivals), tuple(departures)


def first_departure(pattern: PatternLayout, passages: Sequence[StopPassage],
                    times: RunningTimes) -> float:
    """A run's departure from its first stop: observed, or planned back from its first passage."""
    first = passages[0]
    return first.departure if first.index == 0 else _departure_back(pattern, first, times)


def _departure_back(pattern: PatternLayout, first_seen: StopPassage, times: RunningTimes) -> float:
    """The planned departure from the first stop of a run first seen at a later
    stop: the time seen minus the planned times up to it (at that hour)."""
    zone = ZoneInfo(times.timezone)
    t = first_seen.arrival
    hour = _hour(t, zone)
    for index in range(first_seen.index - 1, -1, -1):
        if index > 0:
            t -= _dwell(pattern, index, hour, times)
        t -= _running(pattern, index, hour, times)
    return t


def _running(pattern: PatternLayout, index: int, hour: int, times: RunningTimes) -> float:
    step = (pattern.route_id, pattern.direction, index)
    found = times.running.get((step, hour), times.running_all_day.get(step))
    if found is not None:
        return found
    (lat0, lon0), (lat1, lon1) = pattern.points[index], pattern.points[index + 1]
    return haversine_m(lat0, lon0, lat1, lon1) / times.params.fallback_mps


def _dwell(pattern: PatternLayout, index: int, hour: int, times: RunningTimes) -> float:
    step = (pattern.route_id, pattern.direction, index)
    return times.dwell.get((step, hour), times.dwell_all_day.get(step, 0.0))


def _hour(t: float, zone: ZoneInfo) -> int:
    return datetime.fromtimestamp(t, zone).hour
