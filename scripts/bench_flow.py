"""Benchmark: passenger flow from taps (issue 11) on a simulated weekday of the demo city.

    .venv/bin/python scripts/bench_flow.py [--day 2026-11-25] [--seed 7] [--out DIR] [--sweep]

``--out DIR`` also writes the simulated day there as ``transit simulate``
does (reports, taps, truth), to replay it with ``transit replay --taps``.
``--sweep`` also runs the inference again on the same tracked day for each
walking limit, ride penalty and expansion setting of ``SWEEP`` (how the
defaults were chosen; about 20 s each on an idle machine).

The day: ridership raised to about 150,000 taps (a city of 700,000), riders'
days chained (``feeds.simulator.riders``), POS reader clocks off (every reader
by a normal 5 s, one in ten by a minute to an hour either way), GPS noise,
jumps and dropouts as by default. Tracking runs without vehicle assignments
through ``replay_days`` (the replay path); then ``transit.flow.day.infer_flow``.

Targets (issue 11): boarding stop right for >= 99% of taps; an alighting stop
for >= 78% of taps, >= 93% of those within one stop; the load at every line and
direction's peak-load point in the peak hour within 10% of the truth.

Baselines in the same run: boarding stop = the stop nearest to the tap's
position, as the simulator stamps it (the stop itself: an upper bound) and as a
reader fed by the bus terminal would (the vehicle's last GPS fix at the tap);
alighting = none; loads = the same boardings with their riders spread evenly
over the later stops of the trip (no chaining).
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np

from feeds.democity import build_demo_feed, stop_demand
from feeds.replay.runner import ReplayDay, replay_days
from feeds.simulator import SimulatedDay, SimulationParams, simulate_day
from feeds.simulator.files import write_day
from feeds.simulator.riders import with_rider_days
from transit.flow.day import DayFlow, infer_flow
from transit.flow.dwells import list_dwells
from transit.flow.loads import segment_loads, trip_flows
from transit.flow.params import FlowParams
from transit.flow.scoring import (
    PeakLoad, TrueJourney, TrueSegment, peak_errors, peak_hour, peak_per_line, score_flow,
    score_peak_loads, true_segments,
)
from transit.flow.walk import StopPlane, stop_plane
from transit.gtfs.feed import load_feed
from transit.gtfs.tables import write_tables
from transit.model.network import Network
from transit.model.service_days import to_unix
from transit.privacy import pseudonymise
from transit.records import Tap

DAY_PARAMS = SimulationParams(
    boardings_per_stop_hour=17.5, chained_riders=True,
    reader_clock_sigma_s=5.0, reader_clock_off_share=0.1,
)
# Riders who go on from any stop within 400 m alike and run more errands: a
# harder test of chaining, run on the same tracked day for comparison.
HARDER_RIDERS = replace(DAY_PARAMS, chain_nearest_first=False, chain_walk_m=400.0,
                        chain_onward_share=0.4)
KEY = b"bench-flow-key"
# Each a change to the default ``FlowParams``: the walking limit for chaining
# (the literature's 400 m to 2 km), the penalty per metre ridden of the
# alighting stop's generalised cost, and the expansion's smallest group and bins.
SWEEP = ([{"walk_m": w} for w in (400.0, 600.0, 800.0, 1000.0, 1200.0, 1500.0, 2000.0)]
         + [{"ride_penalty": r} for r in (0.05, 0.15, 0.3)]
         + [{"min_chained": m} for m in (1, 10, 20)]
         + [{"bin_s": b} for b in (1800.0, 7200.0)])


def simulate(day: date, seed: int) -> tuple[Network, SimulatedDay]:
    started = time.perf_counter()
    tables = build_demo_feed(seed)
    network = load_feed(write_tables(tables), "demo.zip").network
    simulated = simulate_day(network, day, seed=seed, params=DAY_PARAMS,
                             demand=stop_demand(tables))
    print(f"demo city (seed {seed}), {day}: {len(simulated.taps):,} taps, "
          f"{len(simulated.reports):,} GPS reports, {simulated.stats.vehicles} vehicles "
          f"(simulated in {time.perf_counter() - started:.0f} s)")
    return network, simulated


def track(network: Network, simulated: SimulatedDay) -> tuple:
    started = time.perf_counter()
    result = replay_days(network, [ReplayDay(str(simulated.service_date), simulated.reports)])
    print(f"tracking without assignments (replay_days): {len(result.events):,} stop events "
          f"in {time.perf_counter() - started:.0f} s")
    return result.events


def pseudonymised(simulated: SimulatedDay) -> list[Tap]:
    """The taps as stored: accounts through the keyed hash, as ingest does."""
    return [Tap(t.tap_id, t.vehicle_id, t.timestamp, t.medium, pseudonymise(t.account, KEY),
                t.lat, t.lon, t.received_at) for t in simulated.taps]


def truth_of(simulated: SimulatedDay) -> dict[str, TrueJourney]:
    return {j.tap_id: TrueJourney(j.tap_id, j.trip_id, j.board_stop_id, j.board_sequence - 1,
                                  j.alight_sequence - 1, j.boarded_at) for j in simulated.journeys}


def segments_of(simulated: SimulatedDay, truth: dict[str, TrueJourney]) -> list[TrueSegment]:
    """The true riders per segment (from the journeys, as the replay's scoring
    counts them), put in the hour by the true departures."""
    departures = {(p.trip_id, p.stop_sequence - 1): p.departure for p in simulated.passages}
    return true_segments(truth.values(), lambda t, k: departures[(t, k)])


def hour_of(network: Network, simulated: SimulatedDay) -> tuple[float, float]:
    return peak_hour((j.boarded_at for j in simulated.journeys), network.timezone)


def chainable_share(plane: StopPlane, simulated: SimulatedDay, walk_m: float) -> tuple[float, ...]:
    """From the truth: share of taps whose rider's next boarding that day (the
    first, for the last trip) is within ``walk_m`` of the true alighting stop,
    the most a method that never guesses can chain; and the single-trip share."""
    days: dict[str, list] = defaultdict(list)
    for j in simulated.journeys:
        days[j.account].append(j)
    near = single = 0
    for rides in days.values():
        rides.sort(key=lambda j: j.boarded_at)
        if len(rides) == 1:
            single += 1
            continue
        for i, ride in enumerate(rides):
            anchor = rides[(i + 1) % len(rides)]
            near += plane.distance_m(ride.alight_stop_id, anchor.board_stop_id) <= walk_m
    total = len(simulated.journeys)
    return near / total, single / total, total / len(days)


def nearest_stops(plane: StopPlane, lats: np.ndarray, lons: np.ndarray) -> list[str]:
    """The stop nearest to each point, in chunks to bound memory."""
    ids = sorted(plane.index, key=plane.index.__getitem__)
    x, y = plane.project(lats, lons)
    found: list[str] = []
    for at in range(0, len(x), 4096):
        d = np.hypot(x[at:at + 4096, None] - plane.x[None, :], y[at:at + 4096, None] - plane.y[None, :])
        found.extend(ids[i] for i in np.argmin(d, axis=1).tolist())
    return found


def last_fix_positions(simulated: SimulatedDay) -> tuple[np.ndarray, np.ndarray]:
    """Per tap, the position of its vehicle's last GPS fix at the true tap time."""
    fixes: dict[str, list] = defaultdict(list)
    for r in simulated.reports:
        fixes[r.vehicle_id].append((r.timestamp, r.lat, r.lon))
    arrays = {v: np.array(sorted(f)) for v, f in fixes.items()}
    true_time = {j.tap_id: j.boarded_at for j in simulated.journeys}
    lats, lons = np.empty(len(simulated.taps)), np.empty(len(simulated.taps))
    for k, tap in enumerate(simulated.taps):
        track = arrays[tap.vehicle_id]
        at = max(0, int(np.searchsorted(track[:, 0], true_time[tap.tap_id], side="right")) - 1)
        lats[k], lons[k] = track[at, 1], track[at, 2]
    return lats, lons


def print_boardings(plane: StopPlane, simulated: SimulatedDay, flow: DayFlow,
                    truth: dict[str, TrueJourney]) -> None:
    score = score_flow(flow.boardings, flow.chains.alightings, truth)
    taps = simulated.taps
    stamped = nearest_stops(plane, np.array([t.lat for t in taps]), np.array([t.lon for t in taps]))
    fed = nearest_stops(plane, *last_fix_positions(simulated))
    stamped_right = sum(s == truth[t.tap_id].board_stop_id for s, t in zip(stamped, taps))
    fed_right = sum(s == truth[t.tap_id].board_stop_id for s, t in zip(fed, taps))
    print(f"boarding stop right (trip and stop): {score.share(score.boarding_right):.2%} of "
          f"{score.taps:,} taps (target >= 99%); stop alone {score.share(score.boarding_stop_right):.2%}")
    print(f"  baseline, nearest stop to the tap's stamped position (the stop itself): "
          f"{stamped_right / len(taps):.2%} (stop alone, no trip)")
    print(f"  baseline, nearest stop to the vehicle's last GPS fix at the tap: "
          f"{fed_right / len(taps):.2%} (stop alone, no trip)")
    print(f"  unplaced: {dict((k.value, v) for k, v in flow.counts.unplaced.items())}; "
          f"duplicates {flow.counts.duplicates}")


def print_alightings(flow: DayFlow, truth: dict[str, TrueJourney]) -> None:
    score = score_flow(flow.boardings, flow.chains.alightings, truth)
    print(f"alighting stop inferred: {score.share(score.alighting_inferred):.2%} of taps "
          f"(target >= 78%); of those exact {score.exact_share:.2%}, within one stop "
          f"{score.within_one_share:.2%} (target >= 93%); baseline: none (0%)")
    print(f"  not chained: {dict((k.value, v) for k, v in flow.counts.unchained.items())}")
    for label, to_first in (("to the next boarding", False),
                            ("to the day's first boarding (last trips)", True)):
        subset = {k: a for k, a in flow.chains.alightings.items() if a.to_first == to_first}
        part = score_flow(flow.boardings, subset, truth)
        print(f"  chained {label}: {len(subset):,}, exact {part.exact_share:.2%}, "
              f"within one stop {part.within_one_share:.2%}")


def print_ride_lengths(network: Network, flow: DayFlow, truth: dict[str, TrueJourney]) -> None:
    """A diagnosis from the truth: how far riders chained and not chained truly
    rode. The expansion spreads the unchained as their chained peers alighted;
    if they ride further, no spreading by boarding group can see it."""
    rides: dict[str, list[float]] = defaultdict(list)
    for b in flow.boardings:
        true = truth[b.tap_id]
        if b.trip_id == true.trip_id:
            dists = network.patterns[b.pattern_id].stop_dists
            outcome = ("chained" if b.tap_id in flow.chains.alightings
                       else flow.chains.failures[b.tap_id].value)
            rides[outcome].append(dists[true.alight_index] - dists[true.board_index])
    print("  true ride, mean km (truth): " + ", ".join(
        f"{k} {np.mean(v) / 1000:.2f} ({len(v):,})" for k, v in sorted(rides.items())))


def print_loads(network: Network, simulated: SimulatedDay, flow: DayFlow, events: Sequence,
                truth_journeys: dict[str, TrueJourney]) -> None:
    hour = hour_of(network, simulated)
    truth = segments_of(simulated, truth_journeys)
    trips = list_dwells(network, events).trips
    # The baseline: the same boardings, nobody chained, riders spread evenly downstream.
    even = trip_flows(network, flow.boardings, {}, trips, replace(FlowParams(), min_chained=10**9))
    # A diagnosis, not a method: the chained journeys given their true stop.
    placed = {b.tap_id: b for b in flow.boardings}
    true_stops = {t: replace(a, stop_index=truth_journeys[t].alight_index)
                  for t, a in flow.chains.alightings.items()
                  if placed[t].trip_id == truth_journeys[t].trip_id
                  and placed[t].stop_index < truth_journeys[t].alight_index}
    oracle = trip_flows(network, flow.boardings, true_stops, trips)
    print(f"loads at the peak-load points, peak hour {_clock(network, simulated, hour[0])} "
          f"(riders through the segment in the hour; target: every line within 10%)")
    for label, loads in (("trip chaining, expanded", flow.loads),
                         ("baseline, even alighting", segment_loads(network, even)),
                         ("diagnosis, chained riders' true stops", segment_loads(network, oracle))):
        by_direction = score_peak_loads(network, loads, truth, hour)
        for scope, peaks in (("lines", peak_per_line(by_direction)),
                             ("lines x directions", by_direction)):
            print(f"  {label}, {len(peaks)} {scope}: {_errors(peaks)}")
        if label.startswith("trip"):
            worst = sorted(peak_per_line(by_direction), key=lambda p: -abs(p.error))[:3]
            print("    worst lines: " + "; ".join(_peak(p) for p in worst))


def _errors(peaks: Sequence[PeakLoad]) -> str:
    e = peak_errors(peaks)
    if e is None:
        return "no peak-load point"
    return (f"within 10% for {e.within}; |error| median {e.median:.1%}, p90 {e.p90:.1%}, "
            f"max {e.max:.1%}")


def _peak(p: PeakLoad) -> str:
    return (f"{p.route_id} dir {p.direction_id} after {p.from_stop_id}: "
            f"{p.estimated:.0f} vs {p.true_riders} ({p.error:+.1%})")


def _clock(network: Network, simulated: SimulatedDay, instant: float) -> str:
    seconds = instant - to_unix(simulated.service_date, 0, network.timezone)
    return f"{int(seconds // 3600):02d}:00"


def print_clocks(simulated: SimulatedDay, flow: DayFlow) -> None:
    true = simulated.reader_offsets
    clocks = flow.clocks.values()
    errors = np.array([abs(c.offset_s - true[c.vehicle_id]) for c in clocks])
    off = [c for c in clocks if abs(true[c.vehicle_id]) >= 60]
    found = sum(abs(c.offset_s - true[c.vehicle_id]) <= 10 for c in off)
    print(f"reader clocks: {len(errors)} readers, {sum(c.estimated for c in clocks)} estimated; "
          f"|estimated - true| median {np.median(errors):.1f} s, p90 "
          f"{np.percentile(errors, 90):.1f} s, max {errors.max():.1f} s; "
          f"{found} of {len(off)} readers a minute or more off found within 10 s")
    print("  a minute or more off (true -> estimated, s): " + ", ".join(
        f"{true[c.vehicle_id]:+.0f}->{c.offset_s:+.0f}"
        for c in sorted(off, key=lambda c: true[c.vehicle_id])))
    baseline = np.array([abs(true[c.vehicle_id]) for c in clocks])
    print(f"  baseline (reader clocks taken as right): |error| median {np.median(baseline):.1f} s, "
          f"max {baseline.max():.1f} s")


def print_riders(plane: StopPlane, simulated: SimulatedDay) -> None:
    chainable, single, per_rider = chainable_share(plane, simulated, FlowParams().walk_m)
    print(f"riders' days (truth): {per_rider:.2f} trips per card, {single:.1%} of taps on "
          f"single-trip days, {chainable:.1%} of taps chainable within {FlowParams().walk_m:.0f} m "
          f"(the most a method that never guesses can chain)")


def print_harder_riders(network: Network, plane: StopPlane, simulated: SimulatedDay,
                        events: Sequence) -> None:
    """The same tracked day and taps, the accounts chained by riders who go on
    from any stop within 400 m alike and run more errands (``HARDER_RIDERS``)."""
    by_tap = {t.tap_id: t for t in simulated.taps}
    taps, journeys = with_rider_days(network, [by_tap[j.tap_id] for j in simulated.journeys],
                                     simulated.journeys, HARDER_RIDERS, np.random.default_rng(1))
    harder = replace(simulated, taps=tuple(taps), journeys=tuple(journeys))
    print("--- the same day, riders chained harder (any stop within 400 m alike, more errands)")
    print_riders(plane, harder)
    flow = infer_flow(network, events, pseudonymised(harder))
    truth = truth_of(harder)
    print_alightings(flow, truth)
    peaks = peak_per_line(score_peak_loads(network, flow.loads, segments_of(harder, truth),
                                           hour_of(network, harder)))
    print(f"  peak-load points, {len(peaks)} lines: {_errors(peaks)}")


def print_sweep(network: Network, simulated: SimulatedDay, events: Sequence, taps: list[Tap],
                truth: dict[str, TrueJourney]) -> None:
    """The alighting and peak-load figures with each setting of ``SWEEP``."""
    segments, hour = segments_of(simulated, truth), hour_of(network, simulated)
    print("--- sweep: one setting changed from the defaults at a time")
    for change in SWEEP:
        flow = infer_flow(network, events, taps, replace(FlowParams(), **change))
        score = score_flow(flow.boardings, flow.chains.alightings, truth)
        by_direction = score_peak_loads(network, flow.loads, segments, hour)
        lines = peak_per_line(by_direction)
        bias = float(np.mean([p.error for p in lines]))
        setting = ", ".join(f"{k}={v:g}" for k, v in change.items())
        print(f"  {setting}: inferred {score.share(score.alighting_inferred):.2%}, exact "
              f"{score.exact_share:.2%}, within one {score.within_one_share:.2%}; peak loads "
              f"{_errors(lines)}, mean error {bias:+.1%}; lines x directions "
              f"{peak_errors(by_direction).within} of {len(by_direction)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--day", type=date.fromisoformat, default=date(2026, 11, 25))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, help="also write the simulated day to this folder")
    parser.add_argument("--sweep", action="store_true",
                        help="also run the inference with each setting of SWEEP")
    args = parser.parse_args()
    network, simulated = simulate(args.day, args.seed)
    if args.out:
        print(f"simulated day written to {write_day(simulated, args.out)}")
    plane = stop_plane(network)
    print_riders(plane, simulated)
    events = track(network, simulated)
    taps = pseudonymised(simulated)
    started = time.perf_counter()
    flow = infer_flow(network, events, taps)
    print(f"inference (clocks, boardings, chaining, expansion, loads): "
          f"{time.perf_counter() - started:.1f} s for {len(taps):,} taps")
    truth = truth_of(simulated)
    print_boardings(plane, simulated, flow, truth)
    # The same, reader clocks taken as right: what (b) is worth to (a).
    unset = infer_flow(network, events, taps, replace(FlowParams(), clock_min_taps=10**9))
    unset_score = score_flow(unset.boardings, {}, truth)
    print(f"  without correcting reader clocks: {unset_score.share(unset_score.boarding_right):.2%}")
    print_alightings(flow, truth)
    print_ride_lengths(network, flow, truth)
    print_loads(network, simulated, flow, events, truth)
    print_clocks(simulated, flow)
    print_harder_riders(network, plane, simulated, events)
    if args.sweep:
        print_sweep(network, simulated, events, taps, truth)


if __name__ == "__main__":
    main()
