"""The reports over HTTP on a real PostgreSQL, on a small simulated weekday
stored as the service would hold it (stop events, its built passenger
flow): each page and CSV for a user scoped to line L1 carries L1's figures,
equal to the pure functions' on the same data, and nothing of L2; the
adherence heat map is inline SVG without style; accuracy comes from the
live state's running scores; bad days and lines out of scope are refused."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import AsyncIterator

import asyncpg
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from feeds.flow.build import infer_day
from tests.api.console_helpers import add, log_in
from tests.cli.observed import events_and_taps
from tests.console.reference_reports import day_events
from tests.clock import Clock
from tests.replay.helpers import _network_and_zip
from tests.simulator.helpers import WEEKDAY
from transit.api.app import ServiceContext, init_app
from transit.api.console import ConsoleSettings
from transit.flow.day import DayFlow
from transit.model.network import Network
from transit.records import StopEvent
from transit.console.adherence import adherence_cells, line_adherence, list_delays
from transit.console.regularity import line_regularity, list_observed_headways
from transit.console.timetable_calls import TimetableCalls
from transit.live.tracking import LiveSnapshot, LiveTracking
from transit.model.service_days import to_unix
from transit.prediction.accuracy import MethodAccuracy
from transit.store.flow import replace_flow_day
from transit.store.schedules import insert_version
from transit.store.stop_events import upsert_stop_events
from transit.tracking.tracker import Tracker

NOON = to_unix(WEEKDAY, 12 * 3600, "Asia/Shanghai")
DAY = WEEKDAY.isoformat()
# The client (logged in as a viewer of L1), the live state, and the day's network, stop events and flow.
Served = tuple[TestClient, LiveTracking, tuple[Network, list[StopEvent], DayFlow]]


async def _ok() -> int:
    return 1


@pytest_asyncio.fixture(loop_scope="session")
async def served(clean_pool: asyncpg.Pool) -> AsyncIterator[Served]:
    network, data = _network_and_zip()
    events, taps = events_and_taps()
    await upsert_stop_events(clean_pool, events)
    version = await insert_version(clean_pool, source="small.zip", sha256=hashlib.sha256(data).hexdigest(),
                                   feed_zip=data, summary={}, start=None, end=None, make_live=True)
    flow, od, transfers = infer_day(network, events, taps)
    await replace_flow_day(clean_pool, flow, WEEKDAY, version, NOON, od=od, transfers=transfers)
    await add(clean_pool, "wang", "viewer:lines=L1")
    clock = Clock(NOON)
    live = LiveTracking(Tracker(network), clock)
    client = TestClient(TestServer(init_app(ServiceContext(network, version, live, _ok, clock), store=clean_pool,
                                            console=ConsoleSettings(), wall_clock=clock)))
    await client.start_server()
    await log_in(client, "wang")
    try:
        yield client, live, (network, events, flow)
    finally:
        await client.close()


async def _text(client: TestClient, path: str, status: int = 200) -> str:
    answer = await client.get(path)
    assert answer.status == status, path
    return await answer.text()


async def _csv(client: TestClient, path: str) -> list[dict[str, str]]:
    answer = await client.get(path)
    assert answer.status == 200 and answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert answer.headers["Content-Disposition"].startswith("attachment; filename=")
    body = (await answer.read()).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


async def test_the_index_lists_the_days_with_data(served: Served) -> None:
    client, _, _ = served
    page = await _text(client, "/console/reports")
    for name in ("accuracy", "adherence", "regularity", "ridership"):
        assert f'id="to-{name}"' in page
    assert f'href="/console/reports/adherence?day={DAY}">{DAY}</a>' in page
    assert f'href="/console/reports/ridership?day={DAY}">{DAY}</a>' in page
    assert 'id="to-reports"' in await _text(client, "/console/")


async def test_adherence_per_line_and_its_heat_map_for_the_lines_in_scope(served: Served) -> None:
    client, _, (network, events, _) = served
    delays = list_delays(TimetableCalls.of(network), day_events(events))
    page = await _text(client, f"/console/reports/adherence?day={DAY}")
    expected = line_adherence(delays)["L1"]
    assert 'id="adherence-chart"' in page and f"<td class=num>{expected.calls}</td>" in page
    assert f'href="/console/reports/adherence?day={DAY}&amp;line=L1"' in page and "line=L2" not in page
    rows = await _csv(client, f"/console/reports/adherence.csv?day={DAY}")
    cells = [c for c in adherence_cells(delays) if c.route_id == "L1"]
    assert len(rows) == len(cells) and {r["route_id"] for r in rows} == {"L1"}
    assert sum(int(r["calls"]) for r in rows) == expected.calls
    assert float(rows[0]["median_delay_s"]) == round(cells[0].count.median_s, 4)
    line = await _text(client, f"/console/reports/adherence?day={DAY}&line=L1")
    assert 'id="adherence-map-0"' in line and 'id="adherence-map-1"' in line and '<svg xmlns=' in line
    svg = line[line.index("<svg"):line.index("</svg>")]
    assert "style=" not in svg and svg.count("<rect") >= len([c for c in cells if c.direction_id == 0])


async def test_regularity_and_its_csv_hold_the_pure_figures(served: Served) -> None:
    client, _, (network, events, _) = served
    expected = [r for r in line_regularity(list_observed_headways(TimetableCalls.of(network), day_events(events)))
                if r.route_id == "L1"]
    page = await _text(client, f"/console/reports/regularity?day={DAY}")
    assert 'id="regularity-chart"' in page and f'class="level-{expected[0].level}"' in page
    rows = await _csv(client, f"/console/reports/regularity.csv?day={DAY}")
    assert [(r["route_id"], int(r["direction_id"]), int(r["headways"]), r["level"]) for r in rows] == [
        (e.route_id, e.direction_id, e.headways, e.level) for e in expected]
    assert abs(float(rows[0]["cv_h"]) - expected[0].cv_h) < 1e-4


async def test_ridership_from_the_stored_flow(served: Served) -> None:
    client, _, (_, _, flow) = served
    page = await _text(client, f"/console/reports/ridership?day={DAY}")
    assert 'id="ridership-chart"' in page and 'id="ridership-map"' in page
    rows = await _csv(client, f"/console/reports/ridership.csv?day={DAY}")
    assert {r["route_id"] for r in rows} == {"L1"} and [r["peak_direction_id"] for r in rows] == ["0", "1"]
    boarded = sum(s.boardings for s in flow.stops if s.route_id == "L1")
    assert abs(float(rows[0]["boardings"]) - boarded) < 1e-3
    heaviest = max(s.load for s in flow.loads if s.route_id == "L1")
    assert abs(float(rows[0]["max_load"]) - heaviest) < 1e-3
    none = await _text(client, "/console/reports/ridership?day=2026-01-01")
    assert "尚未推算客流" in none


async def test_accuracy_comes_from_the_live_states_running_scores(served: Served) -> None:
    client, live, _ = served
    assert "服务启动以来尚无已评判的预测" in await _text(client, "/console/reports/accuracy")
    live.snapshot = LiveSnapshot(NOON, accuracy=(
        MethodAccuracy("L1", 0, "0-3 min", "published", 12, 31.0, 5.0, 0.9),
        MethodAccuracy("L1", 0, "0-3 min", "schedule", 12, 150.0, 100.0, 0.2),
        MethodAccuracy("L2", 0, "0-3 min", "published", 99, 1.0, 0.0, 1.0)))
    page = await _text(client, "/console/reports/accuracy?lang=en")
    assert 'id="accuracy-chart"' in page and "<td class=num>0:31</td>" in page
    rows = await _csv(client, "/console/reports/accuracy.csv")
    assert [(r["route_id"], r["scored"], r["mae_s"], r["timetable_mae_s"]) for r in rows] == [
        ("L1", "12", "31.0", "150.0"), ("*", "12", "31.0", "150.0")]


async def test_bad_days_and_lines_out_of_scope_are_refused(served: Served) -> None:
    client, _, _ = served
    assert "运营日格式应为 YYYY-MM-DD" in await _text(client, "/console/reports/adherence?day=2026-13-01", 400)
    assert "不在您负责的线路" in await _text(client, f"/console/reports/adherence?day={DAY}&line=L2", 403)
    assert (await client.get(f"/console/reports/adherence.csv?day={DAY}&line=L2")).status == 403
    assert (await client.get(f"/console/reports/adherence?day={DAY}&line=L99")).status == 404
    assert "没有到离站记录" in await _text(client, "/console/reports/regularity?day=2026-01-01")
    client.session.cookie_jar.clear()
    answer = await client.get("/console/reports/adherence.csv", allow_redirects=False)
    assert answer.status == 303 and answer.headers["Location"].startswith("/console/login?next=")
