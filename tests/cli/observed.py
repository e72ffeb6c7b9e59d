"""A small simulated day as the database would hold it: the schedule zip, its
stop events (from the true passages) and its taps (pseudonymised)."""

from __future__ import annotations

from tests.replay.helpers import _day, _network_and_zip
from tests.simulator.helpers import WEEKDAY
from transit.privacy import pseudonymise
from transit.records import StopEvent, Tap
from transit.store.embedded import create_pool
from transit.store.stop_events import upsert_stop_events
from transit.store.taps import insert_taps


def events_and_taps() -> tuple[list[StopEvent], list[Tap]]:
    network, _ = _network_and_zip()
    day = _day()
    events = [StopEvent(WEEKDAY, p.trip_id, network.patterns[network.trips[p.trip_id].pattern_id]
                        .sequence_at(p.stop_sequence - 1), p.stop_id, p.vehicle_id, p.arrival,
                        p.departure) for p in day.passages]
    taps = [Tap(t.tap_id, t.vehicle_id, t.timestamp, t.medium, pseudonymise(t.account, b"k"),
                t.lat, t.lon, t.received_at) for t in day.taps]
    return events, taps


def schedule_zip() -> bytes:
    return _network_and_zip()[1]


async def store_observed(dsn: str, events: list[StopEvent], taps: list[Tap]) -> None:
    pool = await create_pool(dsn)
    try:
        await upsert_stop_events(pool, events)
        await insert_taps(pool, taps)
    finally:
        await pool.close()
