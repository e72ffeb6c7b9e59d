"""Whether a line direction's demand and policy can be sized by Ceder's methods.

Error policy: every problem is a ``Binding`` naming the input that is wrong, in the
planner's terms (a stop, a segment, a bin's clock time, a period), and all of them
are reported together before any frequency is computed. Missing demand is not an
error: a bin whose loads are all NaN (not observed), or a period past the end of the
profile, runs the policy headway and the plan says so (see ``frequencies``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from optimizer.timetable.model import Binding, DirectionInput, LoadProfile, Period


def clock(seconds: int) -> str:
    """``07:30`` for service-day seconds (``25:10`` past midnight, as GTFS writes it)."""
    hours, rest = divmod(seconds, 3600)
    return f"{hours:02d}:{rest // 60:02d}"


def is_observed(row: Sequence[float]) -> bool:
    """A bin with demand data; a bin of NaN loads was not counted (checks refuse half-counted bins)."""
    return not any(math.isnan(load) for load in row)


def direction_problems(direction: DirectionInput, overload_share: float) -> list[Binding]:
    """Everything that stops a frequency plan for ``direction``; empty when it can be sized."""
    profile = direction.profile
    if len(profile.stop_ids) < 2:
        stops = ", ".join(profile.stop_ids) or "none"
        return [Binding("one_stop", f"pattern {profile.pattern_id} has {len(profile.stop_ids)} stop ({stops}) "
                        "and so no segment for passengers to ride: a frequency needs at least two stops",
                        amount=len(profile.stop_ids), unit="stops")]
    shape = _profile_shape(profile)
    if shape:
        return shape + _policy(direction, overload_share)
    policy = _policy(direction, overload_share)
    fit = [] if policy else _bins_against_periods(profile, direction.periods)  # needs periods in a row
    return _negative_loads(profile) + _half_counted_bins(profile) + policy + fit


def _profile_shape(profile: LoadProfile) -> list[Binding]:
    segments = len(profile.stop_ids) - 1
    problems = []
    if len(profile.segment_km) != segments:
        problems.append(Binding("load_profile", f"pattern {profile.pattern_id} has {len(profile.stop_ids)} stops "
                                f"but {len(profile.segment_km)} segment lengths; it needs {segments}"))
    short = [i for i, km in enumerate(profile.segment_km) if not km > 0]
    if short:
        problems.append(Binding("load_profile", "segments must be longer than 0 km (the load-profile methods weigh "
                                f"loads by length): {_segment_list(profile, short)} are not",
                                amount=len(short), unit="segments"))
    if profile.bin_s <= 0:
        problems.append(Binding("load_profile", f"the load profile's bins are {profile.bin_s} s long; "
                                "they must be longer than 0 s", amount=profile.bin_s, unit="s"))
    ragged = [b for b, row in enumerate(profile.loads) if len(row) != segments]
    if ragged:
        problems.append(Binding("load_profile", f"the load profile must give a load for each of the {segments} "
                                f"segments in every bin; bin(s) {ragged[:5]} do not", amount=len(ragged), unit="bins"))
    return problems


def _policy(direction: DirectionInput, overload_share: float) -> list[Binding]:
    problems = []
    if not direction.vehicle_capacity > 0:
        problems.append(Binding("capacity", f"the vehicle capacity is {direction.vehicle_capacity} passengers; "
                                "it must be more than 0", amount=direction.vehicle_capacity, unit="passengers"))
    if not 0 <= overload_share <= 1:
        problems.append(Binding("overload_share", f"the share of the route allowed over the desired load is "
                                f"{overload_share}; it must be between 0 and 1", amount=overload_share))
    if not direction.periods:
        problems.append(Binding("periods", "no period is given: each bin needs a period's desired load and "
                                "policy headway"))
    for period in direction.periods:
        problems.extend(_period_problems(period))
    for before, after in zip(direction.periods, direction.periods[1:]):
        if before.end_s != after.start_s:
            gap = "a gap" if after.start_s > before.end_s else "an overlap"
            problems.append(Binding("periods", f"periods {before.name} and {after.name} leave {gap} between "
                                    f"{clock(min(before.end_s, after.start_s))} and "
                                    f"{clock(max(before.end_s, after.start_s))}: periods must follow each other "
                                    "without gaps or overlaps", amount=after.start_s - before.end_s, unit="s",
                                    period=after.name))
    return problems


def _period_problems(period: Period) -> list[Binding]:
    problems = []
    if period.end_s <= period.start_s:
        problems.append(Binding("periods", f"period {period.name} ends at {clock(period.end_s)}, not after it "
                                f"starts ({clock(period.start_s)})", period=period.name))
    if period.max_headway_s <= 0:
        problems.append(Binding("max_headway", f"period {period.name} has a policy headway of "
                                f"{period.max_headway_s} s; it must be more than 0", amount=period.max_headway_s,
                                unit="s", period=period.name))
    if not period.desired_load > 0:
        problems.append(Binding("desired_load", f"period {period.name} has a desired load of {period.desired_load} "
                                "passengers per vehicle; it must be more than 0", amount=period.desired_load,
                                unit="passengers", period=period.name))
    return problems


def _negative_loads(profile: LoadProfile) -> list[Binding]:
    found = [(load, b, i) for b, row in enumerate(profile.loads) for i, load in enumerate(row) if load < 0]
    if not found:
        return []
    load, b, i = min(found)
    return [Binding("load_profile", f"the load profile has {len(found)} negative load(s), the lowest {load:g} "
                    f"passengers on segment {_segment_name(profile, i)} in the "
                    f"{clock(profile.start_s + b * profile.bin_s)} bin: a load counts passengers on board and "
                    "cannot be negative", amount=load, unit="passengers")]


def _half_counted_bins(profile: LoadProfile) -> list[Binding]:
    half = [b for b, row in enumerate(profile.loads)
            if not is_observed(row) and not all(math.isnan(load) for load in row)]
    if not half:
        return []
    times = ", ".join(clock(profile.start_s + b * profile.bin_s) for b in half[:5])
    return [Binding("load_profile", f"bin(s) {times} have loads on some segments and none (NaN) on others: "
                    "a bin is counted on every segment or not at all", amount=len(half), unit="bins")]


def _bins_against_periods(profile: LoadProfile, periods: Sequence[Period]) -> list[Binding]:
    """No passengers in a bin that no period overlaps (a bin a period boundary
    cuts belongs to the period covering most of it: ``frequencies.bin_periods``)."""
    span_start, span_end = periods[0].start_s, periods[-1].end_s
    outside = [profile.start_s + b * profile.bin_s for b, row in enumerate(profile.loads)
               if (profile.start_s + (b + 1) * profile.bin_s <= span_start
                   or profile.start_s + b * profile.bin_s >= span_end)
               and any(load > 0 for load in row)]
    if not outside:
        return []
    times = ", ".join(clock(t) for t in outside[:5])
    return [Binding("bins_periods", f"the load profile carries passengers in {len(outside)} bin(s) "
                    f"outside every period ({clock(span_start)}-{clock(span_end)}), at {times}: "
                    "no period gives them a desired load or policy headway; add a period or cut the "
                    "profile", amount=len(outside), unit="bins")]


def _segment_name(profile: LoadProfile, i: int) -> str:
    return f"{i} ({profile.stop_ids[i]} -> {profile.stop_ids[i + 1]})"


def _segment_list(profile: LoadProfile, segments: list[int]) -> str:
    return ", ".join(_segment_name(profile, i) if i + 1 < len(profile.stop_ids) else str(i) for i in segments[:5])
