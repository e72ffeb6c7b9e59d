"""The stop page in a real (headless) Chromium, on the running demo service.

The whole service runs (test database, generated demo city, simulated fleet at
30x from 07:30); the stop page routes are served next to it from the service's
own live snapshot and clock. The page must show live arrivals and then redraw
itself from its JSON with a newer time.

Chromium is Debian's (/usr/bin/chromium), driven by Playwright; the test never
downloads a browser and skips when that one is missing.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import time
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import web
from rich.console import Console

from signage.pages import add_stop_page_routes
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, NEEDS_CHROMIUM
from transit.arrivals import StopTimetable
from transit.boards.lines import StopLines
from transit.bootstrap import Service, open_service
from transit.config import Config

REFRESH_S = 2.0  # the page's own refresh, shortened from 15 s so the test sees one

pytestmark = [pytest.mark.slow, NEEDS_CHROMIUM]
async_playwright = pytest.importorskip("playwright.async_api").async_playwright


@pytest_asyncio.fixture(loop_scope="session")
async def demo(empty_database_url: str, tmp_path: Path) -> AsyncIterator[Service]:
    config = Config(database_url=empty_database_url, data_dir=tmp_path / "data", http_port=0,
                    jt808_port=0, speed=30.0)
    async with open_service(config, Console(quiet=True), demo=True, start=time(7, 30)) as running:
        yield running
        running.check()


@pytest_asyncio.fixture(loop_scope="session")
async def pages_url(demo: Service) -> AsyncIterator[str]:
    """The stop pages of the running service, as the lead will wire them into its app."""
    context = demo.context
    app = web.Application()
    add_stop_page_routes(app, network=context.network, timetable=StopTimetable(context.network),
                         snapshot=lambda: context.live.snapshot, clock=context.clock,
                         refresh_s=REFRESH_S)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    yield f"http://{host}:{port}"
    await runner.cleanup()


def busiest_stop(service: Service) -> str:
    network = service.context.network
    lines = StopLines(network, StopTimetable(network))
    return max(sorted(network.stops), key=lambda stop: len(lines.list_lines(stop)))


async def test_stop_page_shows_live_arrivals_and_refreshes_itself(
    demo: Service, pages_url: str, tmp_path: Path
) -> None:
    stop_id = busiest_stop(demo)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 360, "height": 740}, locale="zh-CN",
        )
        try:
            page = browser.pages[0] if browser.pages else await browser.new_page()
            live_bus = "#lines .bus:not(:has(.plan))"  # a predicted bus: no "计划" mark
            for _ in range(30):  # the fleet needs a few simulated minutes to be tracked
                await page.goto(f"{pages_url}/s/{stop_id}")
                if await page.locator(live_bus).count():
                    break
                await page.wait_for_timeout(1000)
            demo.check()
            assert await page.locator(live_bus).count(), "no live (predicted) arrival shown"
            name = demo.context.network.stops[stop_id].name
            assert await page.locator("h1").inner_text() == name
            first_minutes = await page.locator(f"{live_bus} .min").first.inner_text()
            assert re.fullmatch(r"\d+ 分钟|即将到站", first_minutes)
            before = await page.locator("#updated").inner_text()
            board_before = await page.locator("#lines").inner_text()

            # The page's own timer fetches the JSON and redraws: the service clock
            # runs 30x, so within a refresh the time shown moves on.
            await page.wait_for_function(
                "before => document.getElementById('updated').textContent !== before",
                arg=before, timeout=REFRESH_S * 5 * 1000,
            )
            after = await page.locator("#updated").inner_text()
            assert after > before
            assert await page.locator("#stale").is_hidden()
            await page.wait_for_function(
                "before => document.getElementById('lines').innerText !== before",
                arg=board_before, timeout=REFRESH_S * 10 * 1000,
            )
            assert await page.locator("#lines .bus").count()
            await page.screenshot(path=str(tmp_path / "stop-page.png"), full_page=True)
            assert (tmp_path / "stop-page.png").stat().st_size > 0
        finally:
            await browser.close()
