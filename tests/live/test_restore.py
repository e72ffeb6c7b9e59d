"""Restart without forgetting today: the stored reports rebuild the live state
a running service would have had."""

from __future__ import annotations

import asyncpg
import pytest

from feeds.simulator import simulate_day
from tests.clock import Clock
from tests.simulator.helpers import WEEKDAY, make_network
from transit.live.restore import restore_rest, restore_start, restore_today
from transit.live.tracking import LiveTracking
from transit.model.service_days import to_unix
from transit.prediction.history import History
from transit.prediction.predictor import Predictor
from transit.ingest import to_tap
from transit.records import StopEvent, Tap
from transit.store.reports import insert_reports, stream_reports_received
from transit.store.taps import insert_taps, list_taps
from transit.tracking.tracker import Tracker

NOON = to_unix(WEEKDAY, 12 * 3600, "Asia/Shanghai")


async def test_a_restart_at_noon_rebuilds_trips_and_learning(clean_pool: asyncpg.Pool) -> None:
    network = make_network(lines=2, stops_per_line=10)
    day = simulate_day(network, WEEKDAY, seed=21)
    morning = [r for r in day.reports if r.received_at < NOON]
    # Yesterday's late reports are not today's: the rebuild starts at 03:00.
    yesterday = [r for r in morning if r.received_at < NOON - 9 * 3600]
    assert not yesterday
    await insert_reports(clean_pool, morning)

    # The service that never stopped, given the reports as stored (speeds are
    # kept as 4-byte reals, times to the microsecond).
    stored = [r for chunk in [c async for c in stream_reports_received(clean_pool, 0, NOON)]
              for r in chunk]
    assert len(stored) == len(morning)
    running_events: list[StopEvent] = []
    running = LiveTracking(Tracker(network), Clock(NOON), running_events.extend,
                           Predictor(network, History()))
    for start in range(0, len(stored), 500):
        running.apply(stored[start:start + 500])

    # The service restarted at noon.
    restored_events: list[StopEvent] = []
    restarted = LiveTracking(Tracker(network), Clock(NOON), restored_events.extend,
                             Predictor(network, History()))
    restored = await restore_today(clean_pool, restarted, network.timezone, Clock(NOON))

    assert restored.reports == len(morning) and restored.events == len(restored_events) > 100
    assert restored_events == running_events  # the same passages, written again (upsert)
    live, rebuilt = running.snapshot, restarted.snapshot
    assert rebuilt.at == NOON and rebuilt.vehicles == live.vehicles
    on_trips = [v for v in live.vehicles.values() if v.trip is not None]
    assert on_trips, "the morning has buses on trips at noon"
    # Predictions for the buses out now, from what the whole morning taught.
    taught = Predictor(network, History())
    taught.observe(running_events)
    published = {p.trip.trip_id: p for p in rebuilt.predictions.by_trip.values()}
    checked = 0
    for state in on_trips:
        if state.timestamp < NOON - 300:
            continue  # silent for long: its predictions are withdrawn, not frozen
        assert state.trip is not None
        expected = taught.predict(state)[0]
        assert published[state.trip.trip_id].stops == expected.stops
        checked += 1
    assert checked > 0


async def test_nothing_stored_restores_nothing(clean_pool: asyncpg.Pool) -> None:
    network = make_network(lines=1, stops_per_line=5)
    live = LiveTracking(Tracker(network), Clock(NOON), predictor=Predictor(network, History()))
    restored = await restore_today(clean_pool, live, network.timezone, Clock(NOON))
    assert (restored.reports, restored.events) == (0, 0)
    assert live.snapshot.vehicles == {}


async def test_a_restart_rebuilds_the_buses_crowding_from_the_live_taps(clean_pool: asyncpg.Pool) -> None:
    network = make_network(lines=1, stops_per_line=10)
    day = simulate_day(network, WEEKDAY, seed=5)
    await insert_reports(clean_pool, [r for r in day.reports if r.received_at < NOON])
    taps = [t for t in (to_tap(raw, b"key") for raw in day.taps) if isinstance(t, Tap) and t.received_at < NOON]
    # A back-office file's rows (no position) never went live: they stay out.
    imported = [Tap(f"file-{t.tap_id}", t.vehicle_id, t.timestamp, t.medium, t.account_hash, None, None,
                    NOON - 60) for t in taps[:50]]
    await insert_taps(clean_pool, taps + imported)
    stored_reports = [r for chunk in [c async for c in stream_reports_received(clean_pool, 0, NOON)]
                      for r in chunk]
    stored_taps = [t for t in await list_taps(clean_pool, 0, NOON + 3600) if t.lat is not None]

    running = LiveTracking(Tracker(network), Clock(NOON))
    merged = sorted([*stored_reports, *stored_taps], key=lambda item: item.received_at)
    for start in range(0, len(merged), 500):
        running.apply(merged[start:start + 500])
    restarted = LiveTracking(Tracker(network), Clock(NOON))
    restored = await restore_today(clean_pool, restarted, network.timezone, Clock(NOON))

    assert restored.taps == len(taps) > 100
    assert running.crowding.boarded > 0
    assert restarted.snapshot.crowding == running.snapshot.crowding
    assert restarted.crowding.boarded == running.crowding.boarded


async def test_two_passes_with_reports_stored_between_them_rebuild_the_same_state(clean_pool: asyncpg.Pool) -> None:
    """A switching service restores in two passes (``restore_start`` while the
    old version still takes reports, ``restore_rest`` once it closed): the
    reports stored meanwhile, and those received before the first pass ended
    but committed after it, are applied once each, in order: as one restore."""
    network = make_network(lines=2, stops_per_line=10)
    day = simulate_day(network, WEEKDAY, seed=21)
    eleven = NOON - 3600
    late = [r for r in day.reports if eleven - 30 <= r.received_at < eleven]  # committed after the first pass
    assert late
    await insert_reports(clean_pool, [r for r in day.reports if r.received_at < eleven - 30])

    two_events: list[StopEvent] = []
    two = LiveTracking(Tracker(network), Clock(NOON), two_events.extend, Predictor(network, History()))
    start = await restore_start(clean_pool, two, network.timezone, Clock(eleven))
    assert start.tail  # what it applied in the last minute, for the second pass to skip
    await insert_reports(clean_pool, late + [r for r in day.reports if eleven <= r.received_at < NOON])
    both = await restore_rest(clean_pool, two, Clock(NOON), start)

    one_events: list[StopEvent] = []
    one = LiveTracking(Tracker(network), Clock(NOON), one_events.extend, Predictor(network, History()))
    single = await restore_today(clean_pool, one, network.timezone, Clock(NOON))
    assert both.reports == single.reports == len([r for r in day.reports if r.received_at < NOON])
    assert two_events == one_events and len(one_events) > 100
    assert two.snapshot.vehicles == one.snapshot.vehicles
