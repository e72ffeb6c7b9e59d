"""Benchmark: arrival predictions on a simulated congested weekday of the demo
city after a week of simulated history, against two baselines computed in the
same run (schedule only; schedule plus the vehicle's current delay).

    .venv/bin/python scripts/bench_prediction.py [--seed 7] [--history-days 5]

History: the tracker's stop events of the week before (Mon-Fri), learned with
transit.prediction.history. Scored day: Monday, with peaks 15% heavier and an
incident doubling running times on the middle of line 1 (both directions)
from 07:30 to 10:00, which history has never seen. Predictions are published
every 60 s per vehicle (as a GTFS-RT consumer would poll), each scored against
the simulator's true arrival. Targets (issue 4): MAE at least 40% below the
delay-carried-forward baseline in every bucket; >= 85% inside the bands up to
15 minutes. Prints the predict() cost per report too.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import date, timedelta

import numpy as np

from feeds.democity import build_demo_feed, stop_demand
from feeds.simulator import Incident, SimulationParams, simulate_day
from transit.gtfs.feed import load_feed
from transit.gtfs.tables import write_tables
from transit.model.network import Network
from transit.model.service_days import active_service_ids
from transit.prediction.baselines import delay_carried_forward, schedule_only
from transit.prediction.history import History, learn_history
from transit.prediction.predictor import Predictor
from transit.prediction.scoring import PredictionRecord, score_predictions, to_records
from transit.records import StopEvent
from transit.tracking.tracker import Tracker

PUBLISH_EVERY_S = 60.0
SCORED_DAY = date(2026, 11, 23)  # a Monday


def congested(network: Network) -> SimulationParams:
    base = SimulationParams()
    pattern = network.patterns[next(p for p in network.patterns if p.startswith("L01:0"))]
    middle = pattern.stop_ids[len(pattern.stop_ids) // 4: 3 * len(pattern.stop_ids) // 4]
    back = next(p for p in network.patterns.values() if p.route_id == "L01" and p.direction_id == 1)
    corridor = frozenset(middle) | frozenset(s for s in back.stop_ids if s in set(middle))
    return SimulationParams(
        congestion=tuple((a, b, 1 + (f - 1) * 2 if f > 1 else f) for a, b, f in base.congestion),
        incidents=(Incident(corridor, 7.5, 10.0, 2.0),),
    )


def track_day(network: Network, reports) -> list[StopEvent]:  # type: ignore[no-untyped-def]
    tracker = Tracker(network)
    return [e for r in reports for e in tracker.observe(r).events]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--history-days", type=int, default=5)
    args = parser.parse_args()
    tables = build_demo_feed(args.seed)
    network = load_feed(write_tables(tables), "demo.zip").network
    demand = stop_demand(tables)

    history = History()
    started = time.perf_counter()
    for back in range(args.history_days, 0, -1):
        day = SCORED_DAY - timedelta(days=7) + timedelta(days=args.history_days - back)
        simulated = simulate_day(network, day, seed=args.seed + day.toordinal(), demand=demand)
        history = learn_history(network, track_day(network, simulated.reports), history)
    print(f"history: {len(history.days)} days learned ({time.perf_counter() - started:.0f} s), "
          f"{len(history.running):,} segment-bins")

    simulated = simulate_day(network, SCORED_DAY, seed=args.seed + SCORED_DAY.toordinal(),
                             demand=demand, params=congested(network))
    actual: dict[tuple[date, str, int], float] = {}
    for p in simulated.passages:
        pattern = network.patterns[network.trips[p.trip_id].pattern_id]
        actual[(SCORED_DAY, p.trip_id, pattern.sequence_at(p.stop_sequence - 1))] = (
            p.departure if p.stop_sequence == 1 else p.arrival)

    services = {d: active_service_ids(network, d) for d in (SCORED_DAY - timedelta(days=1), SCORED_DAY)}
    models: dict[str, Callable] = {  # type: ignore[type-arg]
        "model": None,
        "schedule": lambda s: schedule_only(network, s, services[s.trip.service_date]),
        "delay carried forward": lambda s: delay_carried_forward(network, s, services[s.trip.service_date]),
    }
    records: dict[str, list[PredictionRecord]] = {name: [] for name in models}
    tracker, predictor = Tracker(network), Predictor(network, history)
    last_published: dict[str, float] = {}
    costs: list[float] = []
    for report in simulated.reports:
        observation = tracker.observe(report)
        predictor.observe(observation.events)
        state = observation.state
        if state is None or state.trip is None:
            continue
        tick = time.perf_counter()
        ours = predictor.predict(state)
        costs.append(time.perf_counter() - tick)
        if report.timestamp - last_published.get(state.vehicle_id, -1e18) < PUBLISH_EVERY_S:
            continue
        last_published[state.vehicle_id] = report.timestamp
        records["model"] += to_records(ours)
        for name in ("schedule", "delay carried forward"):
            records[name] += to_records(models[name](state))

    scores = {name: score_predictions(recs, actual) for name, recs in records.items()}
    print(f"{SCORED_DAY} congested (peaks x{1 + 0.2 * 2:.2f}+, incident on line 1 07:30-10:00): "
          f"{len(simulated.reports):,} reports")
    print(f"{'horizon':>10} {'model':>28} {'delay carried fwd':>28} {'schedule':>28}   MAE vs DCF")
    for i, bucket in enumerate(scores["model"]):
        cells = []
        for name in ("model", "delay carried forward", "schedule"):
            s = scores[name][i]
            cells.append(f"{s.mae_s:6.0f} {s.median_abs_s:5.0f} {s.p90_abs_s:5.0f} {s.within_band:6.1%}")
        dcf = scores["delay carried forward"][i].mae_s
        print(f"{bucket.label:>10} {cells[0]:>28} {cells[1]:>28} {cells[2]:>28}   "
              f"{(1 - bucket.mae_s / dcf):+.0%} (n={bucket.count:,})")
    print("columns: MAE, median |error|, p90 |error| (s), share inside the band")
    cost = np.asarray(costs) * 1000
    print(f"predict() per report: median {np.median(cost):.2f} ms, p99 {np.percentile(cost, 99):.2f} ms "
          f"({len(cost):,} calls)")


if __name__ == "__main__":
    main()
