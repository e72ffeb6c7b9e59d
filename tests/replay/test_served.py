"""The pieces of the live-equals-replay benchmark (scripts/bench_live_vs_replay.py):
served TripUpdates read back as records, scored with their tail, and a replay's
feed read at given instants."""

from __future__ import annotations

import math
from datetime import date

import pytest
from google.transit import gtfs_realtime_pb2

from feeds.replay.predictions import actual_from_passages
from feeds.replay.runner import ReplayDay, replay_days
from feeds.replay.scoring import first_sequences, index_to_gtfs_sequences
from feeds.replay.served import FeedSampler, score_tail, served_records
from tests.replay.helpers import SmallDay
from transit.api.gtfsrt import trip_updates_cache
from transit.freshness import LIVE_MAX_AGE_S
from transit.live.tracking import LiveSnapshot
from transit.prediction.ensemble import SelfCheckingPredictor
from transit.prediction.history import History
from transit.prediction.predictor import Predictor
from transit.prediction.scoring import PredictionRecord

DAY = date(2026, 3, 11)
T0 = 1_773_200_000.0


def _message(*stops: tuple[int, int | None, int | None]) -> gtfs_realtime_pb2.FeedMessage:
    """One trip update of trip T (first stop sequence 1) by bus B, stops (sequence, arrival, departure)."""
    message = gtfs_realtime_pb2.FeedMessage()
    update = message.entity.add(id="20260311:T").trip_update
    update.trip.trip_id, update.trip.start_date, update.vehicle.id = "T", "20260311", "B"
    for sequence, arrival, departure in stops:
        stop = update.stop_time_update.add(stop_sequence=sequence, stop_id=f"S{sequence}")
        if arrival is not None:
            stop.arrival.time = arrival
        if departure is not None:
            stop.departure.time = departure
    return message


def test_served_records_take_departures_at_first_stops_and_arrivals_elsewhere() -> None:
    message = _message((1, 100, 130), (2, 200, 210), (3, None, 300))
    records = served_records(message, T0, {"T": 1})
    assert [(r.stop_sequence, r.predicted) for r in records] == [(1, 130.0), (2, 200.0), (3, 300.0)]
    assert {(r.made_at, r.vehicle_id, r.service_date, r.trip_id) for r in records} == {(T0, "B", DAY, "T")}
    # A trip whose first stop is not known as such: its arrival, like any stop's.
    assert served_records(message, T0, {})[0].predicted == 100.0


def _record(made_at: float, predicted: float, sequence: int) -> PredictionRecord:
    return PredictionRecord(made_at, "B", DAY, "T", sequence, f"S{sequence}", predicted)


def test_score_tail_per_bucket_with_unknown_stops_left_out() -> None:
    actual = {(DAY, "T", 1): T0 + 60.0, (DAY, "T", 2): T0 + 400.0}
    records = [
        _record(T0, T0 + 50.0, 1),  # 60 s ahead, 10 s late: error +10
        _record(T0, T0 + 90.0, 1),  # error -30
        _record(T0, T0 + 700.0, 2),  # 400 s ahead (6-10 min), error -300
        _record(T0, T0 + 5.0, 3),  # never passed: not judged
    ]
    first, _, third, fourth = score_tail(records, actual)
    assert (first.label, first.count, first.mae_s, first.bias_s) == ("0-3 min", 2, 20.0, -10.0)
    assert first.p99_abs_s == pytest.approx(29.8)
    assert (third.count, third.mae_s, third.p99_abs_s, third.bias_s) == (1, 300.0, 300.0, -300.0)
    assert fourth.count == 0 and math.isnan(fourth.mae_s)


def test_feed_sampler_reads_the_last_snapshot_made_before_each_instant() -> None:
    sampler = FeedSampler([5.0, 10.0, 10.5, 30.0, 40.0], lambda s, at: f"{s.at:g}@{at:g}".encode())
    for at in (7.0, 10.0, 12.0, 20.0):
        sampler.after_batch(LiveSnapshot(at=at), (), ())
    assert [body for _, body in sampler.feeds] == [b"10@10", b"10@10.5"]  # none before the first; one made at the instant counts
    sampler.end_day(0, None)  # type: ignore[arg-type]
    assert [body for _, body in sampler.feeds][2:] == [b"20@30", b"20@40"]
    assert [at for at, _ in sampler.feeds] == [10.0, 10.5, 30.0, 40.0]


def test_a_replayed_served_feed_scores_close_to_the_truth(small: SmallDay) -> None:
    """The small simulated day replayed with the service's predictor, its
    TripUpdates read every 15 s of the hour after the first report, as the
    benchmark reads a replay: predictions to judge, and near the truth."""
    network, day = small.network, small.day
    start = min(r.received_at for r in day.reports)
    cache = trip_updates_cache(network, LIVE_MAX_AGE_S)
    sampler = FeedSampler([start + 15.0 * k for k in range(1, 241)],
                          lambda snapshot, at: cache.get(snapshot, at).protobuf)
    replay_days(network, [ReplayDay("small", day.reports)], observer=sampler,
                predictor=SelfCheckingPredictor(network, Predictor(network, History())))
    first = first_sequences(network)
    records = [r for at, body in sampler.feeds
               for r in served_records(gtfs_realtime_pb2.FeedMessage.FromString(body), at, first)]
    actual = actual_from_passages(index_to_gtfs_sequences(day.passages, network), network,
                                  {r.service_date for r in records})
    near = score_tail(records, actual)[0]
    assert len(sampler.feeds) == 240
    assert near.count > 50
    assert near.mae_s < 60.0 and near.p99_abs_s < 180.0
