"""The reports' arrayed computation (``TimetableCalls``, ``list_delays``,
``list_observed_headways``) gives exactly what the per-event reference
(``tests.console.reference_reports``, the code it replaced) gives: every
delay in every cell, in the same order, and every headway pair, bit for
bit; on a simulated day, on one whose buses overtake, leave at the same
second and miss stops, on loops, odd stop_sequence values and events the
network does not have; and the day's events read back from PostgreSQL as
columns are the events stored."""

from __future__ import annotations

import dataclasses
import random
from datetime import timedelta

import asyncpg
import numpy as np
import pytest

from tests.cli.observed import events_and_taps
from tests.console.reference_reports import day_events
from tests.console.reference_reports import list_delays as reference_delays
from tests.console.reference_reports import list_observed_headways as reference_headways
from tests.replay.helpers import _network_and_zip
from tests.simulator.helpers import WEEKDAY
from transit.api.console.report_data import compute_event_reports
from transit.console.adherence import line_adherence, list_delays
from transit.console.headways import ScheduledHeadways
from transit.console.regularity import line_regularity, list_observed_headways
from transit.console.timetable_calls import TimetableCalls
from transit.model.network import Network
from transit.model.service_days import service_day_origin
from transit.records import DayEvents, StopEvent
from transit.store.stop_events import list_day_events, upsert_stop_events


def _same(network: Network, events: list[StopEvent]) -> None:
    calls = TimetableCalls.of(network)
    columns = day_events(events)
    delays, expected = list_delays(calls, columns), reference_delays(network, events)
    # The same cells, each with the same delays in the events' order (lists compare in order).
    assert delays.by_cell == expected.by_cell and delays.unmatched == expected.unmatched
    observed, reference = list_observed_headways(calls, columns), reference_headways(network,
                                                                                     ScheduledHeadways(network), events)
    assert observed == reference and line_regularity(observed) == line_regularity(reference)
    assert line_adherence(delays) == line_adherence(expected)


def test_a_simulated_day_comes_out_exactly_as_before() -> None:
    network, _ = _network_and_zip()
    events, _ = events_and_taps()
    random.Random(3).shuffle(events)
    _same(network, events)
    assert sum(len(p) for p in reference_headways(network, ScheduledHeadways(network), events).values()) > 1000


def _looped(network: Network) -> Network:
    """Each pattern ending where it starts (a loop: its first stop called
    twice) and numbered 10, 20, 30 ...; line L2's trips on a service that
    never runs."""
    patterns = {pid: dataclasses.replace(p, stop_ids=(*p.stop_ids[:-1], p.stop_ids[0]),
                                         stop_sequences=tuple(10 * (i + 1) for i in range(len(p.stop_ids))))
                for pid, p in network.patterns.items()}
    trips = {tid: dataclasses.replace(t, service_id="never") if t.route_id == "L2" else t
             for tid, t in network.trips.items()}
    return dataclasses.replace(network, patterns=patterns, trips=trips)


def _rough_day(network: Network, seed: int) -> list[StopEvent]:
    """Every call of every trip, its bus up to 10 minutes off (so buses
    overtake), on whole half-minutes (so some leave at the same second),
    some departures missed (the arrival kept, or neither), and events of
    trips and stop_sequences the network does not have."""
    rng = random.Random(seed)
    origin = service_day_origin(WEEKDAY, network.timezone).timestamp()
    events = []
    for trip in network.trips.values():
        pattern = network.patterns[trip.pattern_id]
        for i, stop_id in enumerate(pattern.stop_ids):
            left = origin + trip.departures[i] + 30 * rng.randint(-20, 20)
            arrival, departure = (left - 30, left) if rng.random() > 0.1 else (
                (left, None) if rng.random() > 0.3 else (None, None))
            events.append(StopEvent(WEEKDAY, trip.trip_id, pattern.sequence_at(i), stop_id, "v", arrival, departure))
    first = events[0]
    events += [dataclasses.replace(first, trip_id="no-such-trip"), dataclasses.replace(first, stop_sequence=7),
               dataclasses.replace(first, stop_sequence=10_000), dataclasses.replace(first, stop_sequence=-1)]
    rng.shuffle(events)
    return events


@pytest.mark.parametrize("seed", [1, 2])
def test_overtaking_ties_misses_loops_and_unknown_calls_come_out_exactly_as_before(seed: int) -> None:
    network, _ = _network_and_zip()
    _same(network, _rough_day(network, seed))
    looped = _looped(network)
    events = _rough_day(looped, seed)
    _same(looped, events)
    observed = list_observed_headways(TimetableCalls.of(looped), day_events(events))
    assert [key for key in observed if key[0] == "L2"] == []  # its service does not run: no timetable headway
    assert list_delays(TimetableCalls.of(looped), day_events(events)).unmatched == 4


def test_a_day_without_events_has_no_cells_and_no_headways() -> None:
    network, _ = _network_and_zip()
    empty = DayEvents(WEEKDAY, [], np.array([], dtype=np.int64), [], np.array([]), np.array([]))
    calls = TimetableCalls.of(network)
    assert list_delays(calls, empty).by_cell == {} and list_observed_headways(calls, empty) == {}


def test_a_weekend_day_is_measured_against_its_own_timetable() -> None:
    network, _ = _network_and_zip()
    events, _ = events_and_taps()
    sunday = WEEKDAY + timedelta(days=(6 - WEEKDAY.weekday()))
    moved = [dataclasses.replace(e, service_date=sunday) for e in events]
    _same(network, moved)


def test_columns_of_unequal_length_are_refused() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        DayEvents(WEEKDAY, ["t"], np.array([1, 2]), ["s"], np.array([1.0]), np.array([1.0]))


async def test_the_days_events_read_as_columns_are_the_events_stored(clean_pool: asyncpg.Pool) -> None:
    network, _ = _network_and_zip()
    # One event per trip and stop_sequence (another replaces it when stored).
    events = list({(e.trip_id, e.stop_sequence): e for e in reversed(_rough_day(network, 4))}.values())
    await upsert_stop_events(clean_pool, events)
    columns = await list_day_events(clean_pool, WEEKDAY)
    stored = sorted(zip(columns.trip_ids, columns.stop_sequences.tolist(), columns.stop_ids,
                        np.nan_to_num(columns.arrivals, nan=-1.0).tolist(),
                        np.nan_to_num(columns.departures, nan=-1.0).tolist()))
    assert stored == sorted((e.trip_id, e.stop_sequence, e.stop_id, -1.0 if e.arrival is None else e.arrival,
                             -1.0 if e.departure is None else e.departure) for e in events)
    reports = compute_event_reports(TimetableCalls.of(network), columns, 0.0)
    assert reports.delays == reference_delays(network, events) and reports.events == len(events)
    assert len(await list_day_events(clean_pool, WEEKDAY + timedelta(days=1))) == 0
