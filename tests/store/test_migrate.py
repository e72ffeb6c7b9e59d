import asyncio
import pathlib

import asyncpg
import pytest

from transit.store.embedded import create_pool
from transit.store.migrate import MigrationError, apply_migrations, load_migrations
from transit.store.reports import list_reports

EXPECTED_TABLES = {"schema_migrations", "schedule_versions", "vehicle_reports", "stop_events", "taps",
                   "users", "user_roles", "user_sessions", "audit_log",
                   "flow_days", "flow_stop_bins", "flow_segment_loads", "timetable_drafts", "flow_od",
                   "flow_transfers", "alarms", "line_alarm_thresholds", "draft_approvals",
                   "schedule_publications", "pos_readers", "sign_messages", "draft_charts",
                   "console_day_reports"}


async def _tables(pool: asyncpg.Pool) -> set[str]:
    rows = await pool.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {row["tablename"] for row in rows}


def test_shipped_migrations_are_in_order() -> None:
    names = [m.name for m in load_migrations()]
    assert names[0] == "0001_initial"
    assert names == sorted(names)


async def test_migrations_apply_once_then_are_idempotent(empty_database_url: str) -> None:
    pool = await create_pool(empty_database_url)
    try:
        shipped = [m.name for m in load_migrations()]
        assert shipped[:2] == ["0001_initial", "0002_reports_by_receipt"]
        assert await apply_migrations(pool) == shipped
        assert await apply_migrations(pool) == []
        assert await _tables(pool) == EXPECTED_TABLES
        recorded = await pool.fetch("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
        assert [(r["version"], r["name"]) for r in recorded] == list(enumerate(shipped, start=1))
        assert recorded[0]["applied_at"] is not None
    finally:
        await pool.close()


async def test_two_pools_migrating_at_once_apply_each_file_once(empty_database_url: str) -> None:
    pools = [await create_pool(empty_database_url) for _ in range(2)]
    try:
        results = await asyncio.gather(*(apply_migrations(p) for p in pools))
        shipped = [m.name for m in load_migrations()]
        # Each file once, by either pool: they take turns file by file, so one
        # may apply the first files and the other the rest.
        assert sorted(results[0] + results[1]) == shipped
        assert await pools[0].fetchval("SELECT count(*) FROM schema_migrations") == len(shipped)
    finally:
        for p in pools:
            await p.close()


async def test_failing_migration_is_rolled_back_and_later_ones_not_run(
    empty_database_url: str, tmp_path: pathlib.Path
) -> None:
    (tmp_path / "0001_first.sql").write_text("CREATE TABLE first (id int);")
    (tmp_path / "0002_broken.sql").write_text("CREATE TABLE broken (id int); SELECT no_such_column FROM first;")
    (tmp_path / "0003_third.sql").write_text("CREATE TABLE third (id int);")
    pool = await create_pool(empty_database_url)
    try:
        with pytest.raises(asyncpg.UndefinedColumnError):
            await apply_migrations(pool, tmp_path)
        assert await _tables(pool) == {"schema_migrations", "first"}
        (tmp_path / "0002_broken.sql").write_text("CREATE TABLE broken (id int);")
        assert await apply_migrations(pool, tmp_path) == ["0002_broken", "0003_third"]
    finally:
        await pool.close()


def test_badly_named_or_duplicate_files_are_refused(tmp_path: pathlib.Path) -> None:
    (tmp_path / "1_short.sql").write_text("")
    with pytest.raises(MigrationError, match="NNNN"):
        load_migrations(tmp_path)
    (tmp_path / "1_short.sql").unlink()
    (tmp_path / "0001_a.sql").write_text("")
    (tmp_path / "0001_b.sql").write_text("")
    with pytest.raises(MigrationError, match="version 1"):
        load_migrations(tmp_path)


async def test_reports_stored_before_the_trip_descriptor_columns_stay_valid(
    empty_database_url: str, tmp_path: pathlib.Path
) -> None:
    shipped = load_migrations()
    for migration in shipped:
        if migration.name < "0008":
            (tmp_path / f"{migration.name}.sql").write_text(migration.sql)
    pool = await create_pool(empty_database_url)
    try:
        await apply_migrations(pool, tmp_path)
        await pool.execute(
            "INSERT INTO vehicle_reports (vehicle_id, ts, received_at, lat, lon, source) "
            "VALUES ('bus-1', to_timestamp(1771257515), to_timestamp(1771257516), 38.9, -77.0, 'gtfsrt')")
        assert await apply_migrations(pool) == [m.name for m in shipped if m.name >= "0008"]
        (old,) = await list_reports(pool, "bus-1", 0, 2e9)
        assert (old.trip_id, old.route_id, old.direction_id, old.start_date) == (None, None, None, None)
        assert old.lat == 38.9 and old.source == "gtfsrt"
    finally:
        await pool.close()
