"""Benchmark: live crowding (issue 11, item 5) on a few lines of the demo city.

    .venv/bin/python scripts/bench_crowding.py [--lines 6] [--seed 7]

Two simulated weekdays of the same lines (riders' days chained, reader clocks
off, GPS noise and dropouts as by default). The first is the built day:
tracked (``replay_days``), its flow inferred (``infer_flow``) and its OD matrix
taken as ``transit flow build`` stores it (``stop_od``), from which the
alighting shares are learned. The second runs live: its GPS reports and taps,
in the order received, through ``LiveTracking`` (tracking, stop events, the
crowding book), taps checked as ingest checks them. Every minute of the peak
hour each bus on a trip is compared with how many riders were truly on board.

Target (issue 11): a bus's estimated load within 15% of the truth on average in
the peak hour (here: the sum of absolute errors over the sum of true loads,
over every bus and minute). Baselines in the same run: the riders spread evenly
over the later stops (no built day); and the taps of the trip so far with
nobody getting off.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

import numpy as np

from feeds.democity import build_demo_feed, stop_demand
from feeds.replay.runner import ReplayDay, replay_days
from feeds.simulator import SimulatedDay, SimulationParams, simulate_day
from transit.flow.alighting_shares import AlightingShares
from transit.flow.crowding import find_crowding
from transit.flow.day import infer_flow
from transit.flow.od import stop_od
from transit.gtfs.feed import load_feed
from transit.gtfs.tables import write_tables
from transit.ingest import to_tap
from transit.live.crowding import CrowdingBook
from transit.live.tracking import LiveTracking
from transit.model.network import Network
from transit.model.service_days import to_unix
from transit.records import Tap, VehicleReport
from transit.tracking.tracker import Tracker
from transit.validation import Refusal

PARAMS = SimulationParams(boardings_per_stop_hour=17.5, chained_riders=True,
                          reader_clock_sigma_s=5.0, reader_clock_off_share=0.1)
BUILT_DAY, LIVE_DAY = date(2026, 11, 24), date(2026, 11, 25)  # Tuesday, Wednesday
KEY = b"bench-crowding-key"
SAMPLE_EVERY_S = 60.0


def some_lines(network: Network, count: int) -> Network:
    """The network cut to its first ``count`` routes (by id) and what they use."""
    routes = {r: network.routes[r] for r in sorted(network.routes)[:count]}
    patterns = {p: pat for p, pat in network.patterns.items() if pat.route_id in routes}
    trips = {t: trip for t, trip in network.trips.items() if trip.pattern_id in patterns}
    stops = {s for pat in patterns.values() for s in pat.stop_ids}
    blocks = {b: kept for b, ts in network.trips_by_block.items()
              if (kept := tuple(t for t in ts if t in trips))}
    return Network(network.agency_name, network.timezone,
                   {s: network.stops[s] for s in stops}, routes,
                   {pat.shape_id: network.shapes[pat.shape_id] for pat in patterns.values()},
                   patterns, trips, network.calendars, blocks)


def learned_shares(network: Network, day: SimulatedDay) -> AlightingShares:
    """The built day: tracked, its flow inferred, its OD matrix as stored."""
    events = replay_days(network, [ReplayDay(str(day.service_date), day.reports)]).events
    taps = [t for t in (to_tap(raw, KEY) for raw in day.taps) if isinstance(t, Tap)]
    flow = infer_flow(network, events, taps)
    od = stop_od(network, flow.boardings, flow.chains.alightings)
    print(f"built day {day.service_date}: {len(taps):,} taps, {len(events):,} stop events, "
          f"{flow.counts.chained_share:.1%} chained, {len(od):,} OD rows")
    return AlightingShares(network, od)


def peak_hour(network: Network, day: SimulatedDay) -> tuple[float, float]:
    origin = to_unix(day.service_date, 0, network.timezone)
    hours = np.bincount([int((j.boarded_at - origin) // 3600) for j in day.journeys])
    start = origin + 3600 * int(np.argmax(hours))
    return start, start + 3600


class Truth:
    """Riders truly on board each vehicle at an instant."""

    def __init__(self, day: SimulatedDay) -> None:
        rides: dict[str, tuple[list[float], list[float]]] = {}
        for j in day.journeys:
            on, off = rides.setdefault(j.vehicle_id, ([], []))
            on.append(j.boarded_at)
            off.append(j.alighted_at)
        self._rides = {v: (np.sort(on), np.sort(off)) for v, (on, off) in rides.items()}

    def on_board(self, vehicle_id: str, at: float) -> int:
        on, off = self._rides.get(vehicle_id, (np.empty(0), np.empty(0)))
        return int(np.searchsorted(on, at, "right") - np.searchsorted(off, at, "right"))


def run_live(network: Network, day: SimulatedDay, shares: AlightingShares,
             window: tuple[float, float]) -> dict[str, list[float]]:
    """Absolute errors and true loads per method, sampled over ``window``."""
    now = [0.0]
    live = LiveTracking(Tracker(network), lambda: now[0], crowding=CrowdingBook(network, shares))
    even = CrowdingBook(network)  # the baseline, fed the same states and events
    taps_on_trip: dict[tuple[str, str], int] = {}
    truth = Truth(day)
    items: list[VehicleReport | Tap] = list(day.reports)
    refused = 0
    for raw in day.taps:
        tap = to_tap(raw, KEY)
        refused += isinstance(tap, Refusal)
        if isinstance(tap, Tap):
            items.append(tap)
    items.sort(key=lambda i: i.received_at)
    found: dict[str, list[float]] = {"truth": [], "learned": [], "even": [], "no_alighting": []}
    sample = window[0]
    for item in items:
        if item.received_at > window[1]:
            break
        while item.received_at >= sample:
            _sample(live, even, taps_on_trip, truth, sample, found)
            sample += SAMPLE_EVERY_S
        now[0] = item.received_at
        if isinstance(item, Tap):
            state = live.snapshot.vehicles.get(item.vehicle_id)
            even.tap(item, state, item.received_at)
            if state is not None and state.trip is not None:
                key = (item.vehicle_id, state.trip.trip_id)
                taps_on_trip[key] = taps_on_trip.get(key, 0) + 1
        events = live.apply([item])
        state = live.snapshot.vehicles.get(item.vehicle_id)
        if isinstance(item, VehicleReport) and state is not None:
            even.moved(state, item.received_at)
        if events:
            even.passed(events, item.received_at)
    print(f"live day {day.service_date}: {len(day.reports):,} reports, {len(day.taps):,} taps "
          f"({refused:,} refused at ingest: reader clocks over 3 h ahead, or faults); "
          f"placed {live.crowding.boarded:,}, unplaced {dict(live.crowding.unplaced)}")
    return found


def _sample(live: LiveTracking, even: CrowdingBook, taps_on_trip: dict[tuple[str, str], int],
            truth: Truth, at: float, found: dict[str, list[float]]) -> None:
    learned, evenly = live.snapshot.crowding, even.publish()
    for state in live.snapshot.list_live(at, 120.0):
        if state.trip is None:
            continue
        trip = state.trip
        found["truth"].append(truth.on_board(state.vehicle_id, at))
        for name, book in (("learned", learned), ("even", evenly)):
            estimate = find_crowding(book, state.vehicle_id, trip.trip_id, trip.service_date)
            found[name].append(0.0 if estimate is None else estimate.load)
        found["no_alighting"].append(taps_on_trip.get((state.vehicle_id, trip.trip_id), 0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=6)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    tables = build_demo_feed(args.seed)
    network = some_lines(load_feed(write_tables(tables), "demo.zip").network, args.lines)
    demand = stop_demand(tables)
    days = [simulate_day(network, d, seed=args.seed + n, params=PARAMS, demand=demand)
            for n, d in enumerate((BUILT_DAY, LIVE_DAY))]
    print(f"demo city (seed {args.seed}), {args.lines} lines, {len(network.stops)} stops: "
          f"simulated in {time.perf_counter() - started:.0f} s")
    shares = learned_shares(network, days[0])
    window = peak_hour(network, days[1])
    found = run_live(network, days[1], shares, window)
    true = np.array(found["truth"], dtype=float)
    print(f"peak hour: {len(true):,} bus-minutes, mean true load {true.mean():.1f} riders")
    print("method           mean abs error   / mean true load   (target <= 15%)   mean bias")
    for name in ("learned", "even", "no_alighting"):
        signed = np.array(found[name]) - true
        error = np.abs(signed)
        print(f"{name:<16} {error.mean():>8.2f} riders   {error.sum() / true.sum():>8.1%}"
              f"   {signed.mean():>+16.2f} riders")
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
