"""The replay runner: every input format gives the same events, days run in order,
results hold what the brief promises."""

from __future__ import annotations

from datetime import timedelta

import pytest

from feeds.jt808.bindings import load_bindings
from feeds.replay.runner import ReplayDay, latest_events, replay_days
from feeds.replay.scoring import index_to_gtfs_sequences, score
from feeds.replay.sources import InputFormat, ReadOptions, load_day, load_days
from tests.replay.helpers import SmallDay
from transit.live.tracking import LiveSnapshot
from transit.records import StopEvent
from transit.tracking.scoring import TruePassage
from transit.tracking.tracker import Tracker


def _key(e: StopEvent) -> tuple[object, ...]:
    return (e.service_date, e.trip_id, e.stop_sequence, e.vehicle_id)


def _truth(small: SmallDay) -> list[TruePassage]:
    return index_to_gtfs_sequences([TruePassage(p.trip_id, p.stop_sequence, p.arrival, p.departure,
                                                p.vehicle_id) for p in small.day.passages], small.network)


def test_formats_are_detected(small: SmallDay) -> None:
    options = ReadOptions(bindings=load_bindings(small.bindings))
    kinds = [load_day(p, options).format for p in
             (small.folder, small.capture, small.gtfsrt_csv, small.pb_folder)]
    assert kinds == [InputFormat.CSV, InputFormat.JT808, InputFormat.GTFSRT_CSV, InputFormat.GTFSRT_PB]


def test_every_format_gives_the_same_events(small: SmallDay) -> None:
    options = ReadOptions(bindings=load_bindings(small.bindings))
    results = {p.name: replay_days(small.network, [load_day(p, options).day])
               for p in (small.folder, small.capture, small.gtfsrt_csv, small.pb_folder)}
    base = {_key(e): e for e in results["day"].events}
    assert len(base) > 4000
    assert set(results["vp.csv"].events) == set(results["day"].events)  # same fixes exactly
    for name in ("day.808", "pb"):
        # The wire rounds: 1e-6 degree and 0.1 km/h (JT/T 808), float32 degrees
        # (GTFS-RT); a fix on a stop zone's edge may then count one fix later.
        other = {_key(e): e for e in results[name].events}
        assert other.keys() == base.keys(), name
        close = [abs((other[k].arrival or 0) - (base[k].arrival or 0)) <= 1.0 for k in base]
        assert sum(close) >= 0.995 * len(close), name
    for result in results.values():
        assert result.outcomes == results["day"].outcomes


def test_live_path_scores_as_the_bare_tracker(small: SmallDay) -> None:
    tracker = Tracker(small.network)
    bare = [e for r in small.day.reports for e in tracker.observe(r).events]
    result = replay_days(small.network, [ReplayDay("d", small.day.reports)])
    assert set(result.events) == set(latest_events(bare))
    assert result.raw_events == len(bare)
    assert dict(result.outcomes) == {o.value: n for o, n in tracker.counts.items()}
    assert sum(result.outcomes.values()) == result.reports == len(small.day.reports)
    truth = _truth(small)
    assert score(result.events, truth, small.network).detected_share > 0.8
    day = result.days[0]
    assert day.reports == len(small.day.reports) and day.seconds > 0 and day.reports_per_s > 0


def test_assignments_put_every_trip_on_its_vehicle(small: SmallDay) -> None:
    assignments = {(small.day.service_date, v): b for v, b in small.day.assignments.items()}
    result = replay_days(small.network, [ReplayDay("d", small.day.reports)], assignments=assignments)
    assert score(result.events, _truth(small), small.network).assignment_share > 0.95


def test_several_days_run_in_order_on_one_tracker(small: SmallDay) -> None:
    shift = timedelta(days=1).total_seconds()  # the same day again, the day after
    shifted = tuple(type(r)(r.vehicle_id, r.timestamp + shift, r.lat, r.lon, r.speed_mps, r.bearing,
                            r.source, r.received_at + shift) for r in small.day.reports)
    seen: list[str] = []
    result = replay_days(small.network, [ReplayDay("one", small.day.reports), ReplayDay("two", shifted)],
                         on_events=lambda events: seen.extend(e.service_date.isoformat() for e in events))
    one, two = result.days
    assert (one.label, two.label) == ("one", "two")
    assert {e.service_date for e in one.events} == {small.day.service_date}
    next_day = small.day.service_date + timedelta(days=1)
    # Known tracker weakness (reported to the lead): a run left unfinished in the
    # evening is resumed by the bus's first fix next morning, and the stops in
    # between get passages interpolated across the night, dated the day before;
    # the bus's first trip of the new day is partly lost meanwhile. When written:
    # 5,271 events on the second day against 5,376 on the first, plus 114 stale.
    assert sum(e.service_date == next_day for e in two.events) >= 0.97 * len(one.events)
    stale = [e for e in two.events if e.service_date != next_day]
    assert len(stale) < 0.05 * len(two.events)
    # Overall, the latest of each event wins: a stale event replaces its day-one original.
    assert {_key(e)[:3] for e in result.events} == {_key(e)[:3] for e in one.events + two.events}
    assert len(seen) == result.raw_events == one.raw_events + two.raw_events
    assert set(seen[:one.raw_events]) == {small.day.service_date.isoformat()}  # day one first
    assert result.reports == 2 * len(small.day.reports)


def test_folder_of_day_folders_is_several_days(small: SmallDay, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for name in ("2025-03-12", "2025-03-13"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "reports.csv").write_text(
            (small.folder / "reports.csv").read_text(encoding="utf-8"), encoding="utf-8")
    days = load_days([tmp_path])
    assert [d.day.label for d in days] == ["2025-03-12", "2025-03-13"]


def test_snapshots_every_simulated_interval(small: SmallDay) -> None:
    snapshots: list[LiveSnapshot] = []
    reports = small.day.reports[:3000]
    replay_days(small.network, [ReplayDay("d", reports)], snapshot_every_s=60, on_snapshot=snapshots.append)
    span = reports[-1].received_at - reports[0].received_at
    assert abs(len(snapshots) - span / 60) <= 2
    minutes = [int(s.at // 60) for s in snapshots]
    assert minutes == sorted(set(minutes))  # one per simulated minute at most
    assert snapshots[-1].vehicles


def test_progress_ends_at_the_total(small: SmallDay) -> None:
    calls: list[tuple[int, int]] = []
    replay_days(small.network, [ReplayDay("d", small.day.reports)], progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (len(small.day.reports), len(small.day.reports))
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_trip_agreement_counts_reports_naming_a_trip(small: SmallDay) -> None:
    day = load_day(small.gtfsrt_csv).day
    agreement = replay_days(small.network, [day]).trip_agreement
    assert agreement is not None
    named = sum(1 for t in day.feed_trip_ids or () if t)
    assert agreement.compared == named
    assert agreement.share > 0.9


def test_feed_trip_ids_must_align() -> None:
    with pytest.raises(ValueError):
        ReplayDay("d", (), ("T1",))
