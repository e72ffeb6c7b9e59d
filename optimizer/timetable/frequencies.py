"""Frequencies of one line direction by Ceder's four methods, side by side.

Sources: A. Ceder, "Bus frequency determination using passenger count data",
Transportation Research Part A 18(5-6):439-453, 1984; A. Ceder, *Public Transit
Planning and Operation*, chapter "Frequency and headway determination" (CRC Press).

Notation (Ceder's): bin ``j`` lies in a period with desired load ``d0_j`` (passengers
per vehicle at the peak point, Ceder's load factor times capacity, ``gamma_j * c``)
and policy frequency ``F_mj = 3600 / max_headway_s``; ``P_ij`` is the number of
passengers across segment ``i`` on the trips of bin ``j``; segment ``i`` is ``l_i`` km,
the route ``L = sum_i l_i``; ``c`` is the vehicle capacity; ``h`` the bin length in
hours (1 in Ceder's hourly examples; it turns a bin's passengers into an hourly
rate, so every frequency is in vehicles per hour, fractional as Ceder gives them):

* Method 1, max load over the day (point check at the daily peak-load point):
  ``F1_j = max(P_{i*j} / (d0_j h), F_mj)``, ``i* = argmax_i sum_j P_ij``.
* Method 2, max load per bin (the bin's own peak-load point):
  ``F2_j = max(P_mj / (d0_j h), F_mj)``, ``P_mj = max_i P_ij``.
* Method 3, load profile (ride check): ``F3_j = max(A_j / (d0_j L h), F_mj)``,
  ``A_j = sum_i P_ij l_i`` passenger-km: the average load along the route is d0_j.
* Method 4, load profile with a cap and Ceder's level-of-service criterion:
  ``F4_j = max(A_j / (d0_j L h), P_mj / (c h), F_mj, Fb_j)``, where ``Fb_j`` is the
  least ``F`` for which ``sum of l_i over {i : P_ij > F d0_j h} <= beta L``: no vehicle
  is over capacity on average, and at most a share ``beta`` of the route length
  (0.2 by default; course exercises on the chapter use 20 %) carries more than ``d0_j``.

So ``F2 >= F1`` and ``F4 >= F3`` in every bin. Method 1 is the only one that is not
monotone in the loads: more passengers elsewhere can move the daily peak-load point
to a segment that is lighter in some bin (docs/optimizer.md shows it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from optimizer.timetable.frequency_checks import clock, direction_problems, is_observed
from optimizer.timetable.model import (BinFrequency, Binding, DirectionInput, FrequencyPlan, Infeasible, Method,
                                       Period)

HOUR_S = 3600
DEFAULT_OVERLOAD_SHARE = 0.2  # Ceder's beta: route share allowed over d0 (method 4)
SHORT_TURN_SPARE_SHARE = 0.2  # route share a short turn must leave out to be worth hinting
_KM_TOLERANCE = 1e-9  # segment lengths are summed in floating point


@dataclass(frozen=True, slots=True)
class BinPolicy:
    """What one bin is sized against: Ceder's ``d0_j``, ``c``, ``F_mj`` and ``beta``."""

    desired_load: float  # d0, passengers per vehicle
    capacity: float  # c, passengers per vehicle
    min_frequency: float  # F_m, vehicles per hour (3600 / policy headway)
    bin_h: float = 1.0  # bin length in hours: loads are passengers per bin
    overload_share: float = DEFAULT_OVERLOAD_SHARE  # beta

    def rate(self, load: float, per_vehicle: float) -> float:
        """Vehicles per hour that carry a bin's ``load`` passengers at ``per_vehicle`` each."""
        return load / (per_vehicle * self.bin_h)


def max_load_daily_frequency(load_at_daily_peak: float, policy: BinPolicy) -> float:
    """Method 1: the bin's load at the day's peak-load point over ``d0``, floored at the policy."""
    return max(policy.rate(load_at_daily_peak, policy.desired_load), policy.min_frequency)


def max_load_hourly_frequency(loads: Sequence[float], policy: BinPolicy) -> float:
    """Method 2: the bin's own peak load over ``d0``, floored at the policy."""
    return max(policy.rate(max(loads), policy.desired_load), policy.min_frequency)


def load_profile_frequency(loads: Sequence[float], segment_km: Sequence[float], policy: BinPolicy) -> float:
    """Method 3: the profile's area over ``d0`` times the route length, floored at the policy."""
    return max(_average_load_frequency(loads, segment_km, policy), policy.min_frequency)


def load_profile_capped_frequency(loads: Sequence[float], segment_km: Sequence[float], policy: BinPolicy) -> float:
    """Method 4: method 3, but no vehicle over capacity and at most ``beta`` of the route over ``d0``."""
    return max(_average_load_frequency(loads, segment_km, policy), policy.rate(max(loads), policy.capacity),
               policy.min_frequency, overload_frequency(loads, segment_km, policy))


def overload_frequency(loads: Sequence[float], segment_km: Sequence[float], policy: BinPolicy) -> float:
    """Ceder's level of service: the least frequency at which the segments whose average load
    per vehicle exceeds ``d0`` add up to at most ``overload_share`` of the route length."""
    allowed_km = policy.overload_share * sum(segment_km) + _KM_TOLERANCE
    least = max(loads)
    for load in sorted(set(loads), reverse=True):
        # At F = load / (d0 h) exactly the segments loaded above ``load`` are over d0.
        if sum(km for p, km in zip(loads, segment_km) if p > load) > allowed_km:
            break
        least = load
    return policy.rate(least, policy.desired_load)


def short_turn_hint(loads: Sequence[float], segment_km: Sequence[float], policy: BinPolicy) -> tuple[int, int] | None:
    """First and last segment a short turn should serve, or None when the profile is not concentrated.

    If every other trip turned short, the route beyond the turn would get half the
    service; a segment carrying at most half the peak load then loads its vehicles no
    more than the peak point does. So the stretch is the shortest run of segments
    holding every segment above half the peak load, and a short turn is hinted when
    (a) the route outside it is at least ``SHORT_TURN_SPARE_SHARE`` of the length, and
    (b) half the service the peak needs, ``P_m / (2 d0 h)``, still meets the policy
    frequency, so the outer segments keep their policy headway.
    """
    peak = max(loads)
    heavy = [i for i, load in enumerate(loads) if load > peak / 2]
    if not heavy:
        return None
    first, last = heavy[0], heavy[-1]
    route_km = sum(segment_km)
    spare_km = route_km - sum(segment_km[first:last + 1])
    concentrated = spare_km + _KM_TOLERANCE >= SHORT_TURN_SPARE_SHARE * route_km
    outer_keeps_policy = policy.rate(peak, policy.desired_load) / 2 >= policy.min_frequency
    return (first, last) if concentrated and outer_keeps_policy else None


def bin_frequencies(loads: Sequence[float], segment_km: Sequence[float], daily_peak_segment: int,
                    policy: BinPolicy) -> dict[Method, float]:
    """The four methods for one bin, in vehicles per hour."""
    return {
        Method.MAX_LOAD_DAILY: max_load_daily_frequency(loads[daily_peak_segment], policy),
        Method.MAX_LOAD_HOURLY: max_load_hourly_frequency(loads, policy),
        Method.LOAD_PROFILE: load_profile_frequency(loads, segment_km, policy),
        Method.LOAD_PROFILE_CAPPED: load_profile_capped_frequency(loads, segment_km, policy),
    }


def daily_peak_load_point(loads: Sequence[Sequence[float]]) -> tuple[int, float] | None:
    """The segment carrying the most passengers over the observed bins, and that number.

    Ties go to the first segment along the route; None when no bin was observed."""
    observed = [row for row in loads if is_observed(row)]
    if not observed:
        return None
    totals = [sum(column) for column in zip(*observed)]
    segment = max(range(len(totals)), key=totals.__getitem__)
    return segment, totals[segment]


def frequency_plan(direction: DirectionInput, method: Method, *,
                   overload_share: float = DEFAULT_OVERLOAD_SHARE) -> FrequencyPlan:
    """Every bin of the periods' span sized by all four methods, ``method`` chosen.

    Bins on the profile's grid run from the first period's start to the last one's
    end; a bin with no demand data (NaN loads, or past the profile) runs its period's
    policy headway, and each period with such bins gets a ``no_demand`` binding.
    Raises ``Infeasible`` naming every problem of the input (see ``frequency_checks``).
    """
    problems = direction_problems(direction, overload_share)
    if problems:
        raise Infeasible(tuple(problems))
    profile = direction.profile
    daily = daily_peak_load_point(profile.loads)
    bins: list[BinFrequency] = []
    missing: dict[Period, list[int]] = {}  # bins without demand data, by period
    for start_s, period in bin_periods(direction.periods, profile.start_s, profile.bin_s):
        policy = period_policy(period, direction.vehicle_capacity, profile.bin_s, overload_share)
        row = _observed_row(direction, start_s)
        if row is None or daily is None:
            missing.setdefault(period, []).append(start_s)
            bins.append(BinFrequency(start_s, dict.fromkeys(Method, policy.min_frequency), 0.0, None, None))
            continue
        peak = max(range(len(row)), key=row.__getitem__)
        bins.append(BinFrequency(start_s, bin_frequencies(row, profile.segment_km, daily[0], policy), row[peak],
                                 peak, short_turn_hint(row, profile.segment_km, policy)))
    no_demand = tuple(_no_demand(period, starts, profile.bin_s) for period, starts in missing.items())
    return FrequencyPlan(direction.route_id, direction.direction_id, method, tuple(bins),
                         _parameters(direction, overload_share),
                         daily_peak_segment=None if daily is None else daily[0],
                         daily_peak_load=0.0 if daily is None else daily[1], bindings=no_demand)


def _average_load_frequency(loads: Sequence[float], segment_km: Sequence[float], policy: BinPolicy) -> float:
    area = sum(load * km for load, km in zip(loads, segment_km))  # passenger-km
    return policy.rate(area / sum(segment_km), policy.desired_load)


def period_policy(period: Period, capacity: float, bin_s: int, overload_share: float) -> BinPolicy:
    """What a bin of ``period`` is sized against."""
    return BinPolicy(period.desired_load, capacity, HOUR_S / period.max_headway_s, bin_s / HOUR_S, overload_share)


def bin_periods(periods: Sequence[Period], grid_start_s: int, bin_s: int) -> list[tuple[int, Period]]:
    """Each bin of the profile's grid that the periods overlap, with the period
    covering most of it (the earlier on a tie): periods fitted to a line's first
    and last departures (06:15, say) cut hourly bins, and a bin has one policy."""
    first, end = periods[0].start_s, periods[-1].end_s
    start = first - (first - grid_start_s) % bin_s
    plan = []
    for bin_start in range(start, end, bin_s):
        overlap = [min(p.end_s, bin_start + bin_s) - max(p.start_s, bin_start) for p in periods]
        plan.append((bin_start, periods[max(range(len(periods)), key=lambda i: (overlap[i], -i))]))
    return plan


def _observed_row(direction: DirectionInput, start_s: int) -> tuple[float, ...] | None:
    profile = direction.profile
    index = (start_s - profile.start_s) // profile.bin_s
    if 0 <= index < profile.bins and is_observed(profile.loads[index]):
        return profile.loads[index]
    return None


def _no_demand(period: Period, starts: list[int], bin_s: int) -> Binding:
    total = (period.end_s - period.start_s) // bin_s
    span = f"period {period.name} ({clock(period.start_s)}-{clock(period.end_s)})"
    which = (f"has no demand data: its {total} bin(s)" if len(starts) == total
             else f"has no demand data in {len(starts)} of its {total} bins ({', '.join(map(clock, starts[:5]))}):"
                  " they")
    return Binding("no_demand", f"{span} {which} run the policy headway of {period.max_headway_s / 60:g} min "
                   f"({HOUR_S / period.max_headway_s:.2f} vehicles/h)", amount=len(starts), unit="bins",
                   period=period.name)


def _parameters(direction: DirectionInput, overload_share: float) -> dict[str, float]:
    profile = direction.profile
    parameters = {"capacity": direction.vehicle_capacity, "route_km": profile.route_km,
                  "bin_s": float(profile.bin_s), "overload_share": overload_share,
                  "short_turn_spare_share": SHORT_TURN_SPARE_SHARE}
    for period in direction.periods:
        parameters[f"desired_load[{period.name}]"] = period.desired_load
        parameters[f"max_headway_s[{period.name}]"] = float(period.max_headway_s)
        parameters[f"min_frequency[{period.name}]"] = HOUR_S / period.max_headway_s
    return parameters
