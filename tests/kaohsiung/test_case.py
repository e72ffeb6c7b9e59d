"""The case from a slice of the real week: GTFS that our loader takes, trips
planned without the scored day's running times, split runs joined, the same
files every time."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from feeds.kaohsiung.case import KaohsiungCase, PlannedTrip, build_case, end_before_next, service_date_of
from feeds.kaohsiung.files import write_case
from feeds.kaohsiung.source import KaohsiungWeek
from feeds.replay.readers import read_assignments_csv, read_true_passages_csv
from feeds.replay.sources import load_day
from tests.kaohsiung.conftest import SLICE_DATES, SLICE_PARAMS
from transit.gtfs.feed import load_feed_file
from transit.model.service_days import active_service_ids

SCORED = SLICE_DATES[-1]


def test_the_gtfs_loads_with_one_pattern_per_route_and_direction(slice_case: KaohsiungCase,
                                                                 tmp_path: Path) -> None:
    files = write_case(slice_case, tmp_path)
    loaded = load_feed_file(files.gtfs)
    network = loaded.network
    assert network.timezone == "Asia/Taipei"
    assert sorted((p.route_id, p.direction_id) for p in network.patterns.values()) == [
        (r, d) for r in ("11", "122", "16") for d in (0, 1)]
    assert len(network.trips) == len(slice_case.trips) > 20
    for day in SLICE_DATES:
        (service,) = active_service_ids(network, day)
        of_day = {t.service_id for t in network.trips.values() if t.trip_id.startswith(day.strftime("%Y%m%d"))}
        assert of_day == {service}
    for trip in network.trips.values():
        times = [t for pair in zip(trip.arrivals, trip.departures) for t in pair]
        assert times == sorted(times)
    # Every stop a pattern lists lies on its shape (the shapes that stop short are lengthened).
    assert all(p.stop_dists[-1] <= network.shapes[p.shape_id].length + 1 for p in network.patterns.values())
    assert not [w for w in loaded.warnings if w.level.name == "ERROR"]


def test_the_files_read_back_through_the_replay_readers(slice_case: KaohsiungCase, tmp_path: Path) -> None:
    files = write_case(slice_case, tmp_path)
    folders = files.day_folders()
    assert [f.name for f in folders] == [d.isoformat() for d in SLICE_DATES]
    day = load_day(folders[-1])
    assert day.bad == 0 and day.day.reports == slice_case.reports[SCORED]
    truth = read_true_passages_csv(files.truth)
    assert truth == list(slice_case.truth)
    assignments = read_assignments_csv(files.assignments)
    network = load_feed_file(files.gtfs).network
    for (day_, vehicle), block in assignments.items():
        assert block in network.trips_by_block and vehicle in block and day_.strftime("%Y%m%d") in block


def test_the_same_week_gives_the_same_files(slice_week: KaohsiungWeek, slice_case: KaohsiungCase,
                                            tmp_path: Path) -> None:
    first = write_case(slice_case, tmp_path / "a")
    second = write_case(build_case(slice_week, SLICE_PARAMS), tmp_path / "b")
    for name in ("assignments.csv", "truth_passages.csv", "runs.csv", "reports/2018-11-11/reports.csv"):
        assert _digest(first.gtfs.parent / name) == _digest(second.gtfs.parent / name), name
    assert load_feed_file(first.gtfs).network == load_feed_file(second.gtfs).network


def test_the_scored_days_timetable_knows_its_departures_but_not_its_running_times(
        slice_week: KaohsiungWeek, slice_case: KaohsiungCase) -> None:
    # Day 7 runs slow at first and fast at the end (same first two and last fixes).
    def warped(run):  # type: ignore[no-untyped-def]
        if service_date_of(run.times[0]) != SCORED or len(run.times) < 4:
            return run
        start, span = run.times[1], run.times[-1] - run.times[1]
        inner = tuple(start + span * ((t - start) / span) ** 2 for t in run.times[2:-1])
        return dataclasses.replace(run, times=run.times[:2] + inner + run.times[-1:])
    other = build_case(dataclasses.replace(slice_week, runs=tuple(warped(r) for r in slice_week.runs)),
                       SLICE_PARAMS)
    assert other.running_times == slice_case.running_times
    assert other.truth != slice_case.truth
    # Departures are the day's own (a run seen first mid-route is planned back from there),
    # and a trip is shortened to end before its bus's next departure: a trip and its
    # bus's next one leaving as before are planned the same.
    before, after = _next_departures(slice_case), _next_departures(other)
    alike = [run for run, leaving in after.items() if before.get(run) == leaving]
    assert len(alike) >= 0.3 * len([t for t in slice_case.trips if t.service_date == SCORED])
    planned = {t.run_id: t.arrivals for t in slice_case.trips}
    assert all(t.arrivals == planned[t.run_id] for t in other.trips if t.run_id in alike)


def _next_departures(case: KaohsiungCase) -> dict[str, tuple[int, int | None]]:
    """Run id -> (its trip's departure, the departure of its block's next trip) on the scored day."""
    blocks: dict[str, list[PlannedTrip]] = {}
    for trip in case.trips:
        if trip.service_date == SCORED:
            blocks.setdefault(trip.block_id, []).append(trip)
    result = {}
    for trips in blocks.values():
        trips.sort(key=lambda t: t.departures[0])
        for trip, following in zip(trips, trips[1:] + [None]):
            result[trip.run_id] = (trip.departures[0], following.departures[0] if following else None)
    return result


def test_a_run_the_feed_split_mid_trip_is_one_trip(slice_case: KaohsiungCase) -> None:
    # 485-FP's 05:20 run on day 7: RunUUID 29e1d898... ends at stop 30, 10fe34cc... is seen
    # at stop 33 only, 0e9fe162... goes on from stop 33 to the last, 41.
    (joined,) = [r for r in slice_case.runs if r.run_id.startswith("29e1d898")]
    assert joined.run_id.count("+") >= 1 and joined.trip_id is not None
    assert joined.passages >= 35 and joined.missed <= 6
    assert len({r.trip_id for r in slice_case.runs if r.trip_id}) == len(slice_case.trips)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _trip(trip_id: str, start: int, minutes: int) -> PlannedTrip:
    times = tuple(start + 60 * m for m in range(0, minutes + 1, minutes // 4))
    return PlannedTrip(trip_id, "11", 0, SCORED, "B", trip_id, "V", times, times)


def test_a_planned_trip_ends_before_its_block_leaves_again_when_it_is_a_little_long() -> None:
    trips = [_trip("a", 21600, 40), _trip("b", 21600 + 38 * 60, 40), _trip("c", 21600 + 50 * 60, 40)]
    fitted, squeezed, overlapping = end_before_next(trips)
    assert [t.trip_id for t in fitted] == ["a", "b", "c"]
    assert fitted[0].arrivals[-1] <= fitted[1].departures[0] and fitted[0].departures[0] == 21600
    assert fitted[0].arrivals == tuple(sorted(fitted[0].arrivals))
    # b would need to lose 70% of its length to end before c leaves: left as it is, and counted.
    assert (squeezed, overlapping) == (1, 1) and fitted[1] == trips[1]
