"""The stop page behind the QR code: server-rendered, live where tracked, escaped."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from html.parser import HTMLParser
from urllib.parse import quote

import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.gtfs.tinyfeed import TINY_FEED, replace_line, with_changes, zip_feed
from transit.arrivals import StopTimetable
from transit.flow.crowding import Crowding, Occupancy
from transit.gtfs.feed import load_feed
from transit.live.tracking import LiveSnapshot
from transit.model.service_days import to_unix
from transit.prediction.publish import EMPTY_BOARD, update_board
from transit.prediction.types import StopPrediction, TripPrediction
from transit.tracking.state import TripRef
from signage.pages import add_stop_page_routes

NETWORK = load_feed(zip_feed(TINY_FEED), "tiny.zip").network
DAY = date(2026, 3, 2)  # a Monday
NOW = to_unix(DAY, 7 * 3600 + 58 * 60, "Asia/Shanghai")  # 07:58
NASTY_ID = "S<img src=x onerror=alert(1)>'\";DROP TABLE stops;--"


class Live:
    """The snapshot and clock a test moves by hand."""

    def __init__(self) -> None:
        self.now = NOW
        self.snapshot = LiveSnapshot(at=NOW)


def predicted_t2(made_at: float, s2_arrival: float) -> LiveSnapshot:
    ref = TripRef("T2", "R1", 0, DAY, 8 * 3600, "B1")
    stops = (StopPrediction(2, "S2", s2_arrival, s2_arrival + 20, 30.0),)
    board = update_board(EMPTY_BOARD, "TC0001", [TripPrediction(ref, "TC0001", made_at, 120.0, stops)], made_at)
    return LiveSnapshot(at=made_at, predictions=board)


async def client_for(network, live: Live) -> TestClient:  # type: ignore[no-untyped-def]
    app = web.Application()
    add_stop_page_routes(app, network=network, timetable=StopTimetable(network),
                         snapshot=lambda: live.snapshot, clock=lambda: live.now)
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


@pytest_asyncio.fixture(loop_scope="session")
async def live() -> Live:
    return Live()


@pytest_asyncio.fixture(loop_scope="session")
async def client(live: Live) -> AsyncIterator[TestClient]:
    client = await client_for(NETWORK, live)
    yield client
    await client.close()


class Elements(HTMLParser):
    """Tags and text of a page; fails on nothing, so we check what it saw."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Elements:
    parsed = Elements()
    parsed.feed(html)
    return parsed


async def test_page_is_rendered_with_the_timetable_when_no_bus_is_tracked(client: TestClient) -> None:
    response = await client.get("/s/S2")
    assert response.status == 200
    assert response.content_type == "text/html"
    html = await response.text()
    text = "".join(parse(html).text)
    assert "红旗街十字" in text and "1路" in text and "开往 七一路口" in text
    # T2 is timetabled at S2 at 08:04, six minutes after 07:58.
    assert '<span class="min">6 分钟</span><span class="plan">计划 08:04</span>' in html
    # T1's S2 time is interpolated (07:05); the night bus at 24:45 is the last of the service day.
    assert "首班 07:05　末班 00:45" in text
    assert "更新于 07:58:00" in text
    assert '<noscript><meta http-equiv="refresh"' in html
    assert "http://" not in html and "https://" not in html  # nothing fetched from elsewhere


async def test_json_has_the_live_prediction_and_no_timetable_mark(client: TestClient, live: Live) -> None:
    live.snapshot = predicted_t2(NOW - 10, NOW + 150)
    response = await client.get("/s/S2.json")
    assert response.status == 200
    data = await response.json()
    (line,) = data["lines"]
    assert (line["line"], line["headsign"]) == ("1路", "七一路口")
    assert line["next"] == [{"minutes": 2, "predicted": True, "clock": "08:00", "crowding": None}]
    assert data["updated"] == "07:58:00"
    html = await (await client.get("/s/S2")).text()
    assert '<span class="min">2 分钟</span></span>' in html


async def test_last_stop_boards_nobody_and_says_so(client: TestClient) -> None:
    data = await (await client.get("/s/S3.json")).json()
    assert data["name"] == "七一路口" and data["lines"] == []


async def test_unknown_stop_is_a_chinese_404_with_the_id_escaped(client: TestClient) -> None:
    response = await client.get("/s/" + quote(NASTY_ID, safe=""))
    assert response.status == 404
    html = await response.text()
    assert "找不到这个站点" in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "img" not in parse(html).tags
    assert (await client.get("/s/" + quote(NASTY_ID, safe="") + ".json")).status == 404


async def test_a_stop_id_with_html_and_sql_in_it_is_served_escaped() -> None:
    csv_id = '"' + NASTY_ID.replace('"', '""') + '"'
    stops = replace_line("stops", "S2,红旗街十字", f"{csv_id},红旗街<b>十字</b>")
    stop_times = TINY_FEED["stop_times"].replace(",S2,", f",{csv_id},")
    network = load_feed(with_changes(stops=stops, stop_times=stop_times), "nasty.zip").network
    assert NASTY_ID in network.stops
    live = Live()
    client = await client_for(network, live)
    try:
        response = await client.get("/s/" + quote(NASTY_ID, safe=""))
        assert response.status == 200
        html = await response.text()
        parsed = parse(html)
        assert "img" not in parsed.tags and "b" not in parsed.tags
        assert "红旗街<b>十字</b>" in "".join(parsed.text)  # shown as text, not markup
        # The script fetches the JSON by a relative, percent-encoded URL.
        assert f'data-json="{quote(NASTY_ID, safe="")}.json"' in html
        data = await (await client.get("/s/" + quote(NASTY_ID, safe="") + ".json")).json()
        assert data["stop_id"] == NASTY_ID
    finally:
        await client.close()


async def test_the_bus_s_crowding_is_on_the_page_and_in_its_json(client: TestClient, live: Live) -> None:
    predicted = predicted_t2(NOW - 10, NOW + 150)
    crowding = Crowding("TC0001", "T2", DAY, 70.0, 88, Occupancy.CRUSHED_STANDING_ROOM_ONLY, True, 75, NOW - 20)
    live.snapshot = LiveSnapshot(at=predicted.at, predictions=predicted.predictions,
                                 crowding={"TC0001": crowding})
    data = await (await client.get("/s/S2.json")).json()
    assert data["lines"][0]["next"][0]["crowding"] == {
        "status": "crushed_standing_room_only", "percentage": 88, "label": "拥挤", "learned": True}
    html = await (await client.get("/s/S2")).text()
    assert '<span class="min">2 分钟</span><span class="crowd">拥挤</span></span>' in html
    live.snapshot = LiveSnapshot(at=NOW)
