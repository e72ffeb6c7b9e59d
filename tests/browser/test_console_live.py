"""The live view and the alarms in a real (headless) Chromium, on a small
simulated city: two lines, a bus every 10 minutes each way, and a road
works on line 1 from 07:55 to 08:05 that holds one bus for minutes, so
the bus behind it catches up (the simulator makes the bunching).

The test plays the simulated day's GPS reports into the live state itself
on a hand-set service clock (as ``transit demo`` plays them on a running
one), so it can say when a report arrived: a bus on the ladder moves within
2 s of a new report; a dispatcher of line 1 acknowledges the bunching
alarm the watch raised; a viewer gets no form and is refused a post.
Screenshots go to ``out/console-screens/`` (named in docs/console.md).

Chromium is Debian's (/usr/bin/chromium), driven by Playwright; the test never
downloads a browser and skips when that one is missing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
from aiohttp import web

from feeds.simulator.day import simulate_day
from feeds.simulator.params import Incident, SimulationParams
from tests.api.console_helpers import PASSWORD, add
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, NEEDS_CHROMIUM
from tests.clock import Clock
from tests.simulator.helpers import WEEKDAY, make_network
from transit.api.app import BACKGROUND, ServiceContext, init_app
from transit.api.console import ConsoleSettings
from transit.live.tracking import LiveTracking
from transit.model.service_days import service_day_origin
from transit.records import VehicleReport
from transit.store.alarms import list_open_alarms
from transit.tracking.tracker import Tracker

SCREENS = Path(__file__).resolve().parents[2] / "out" / "console-screens"
NETWORK = make_network(lines=2, stops_per_line=12, headway_s=600, layover_s=540)
ORIGIN = service_day_origin(WEEKDAY, NETWORK.timezone).timestamp()
ROAD_WORKS = Incident(frozenset({"L1-0-S06"}), 7.92, 8.09, 8.0)  # into stop 6 of line 1, 8x slower

pytestmark = [pytest.mark.slow, NEEDS_CHROMIUM]
async_playwright = pytest.importorskip("playwright.async_api").async_playwright


@dataclass
class City:
    url: str
    live: LiveTracking
    clock: Clock
    reports: list[VehicleReport]
    played: int = 0

    def play_until(self, hours: float) -> float:
        """Apply every report received before ``hours`` into the day; the instant."""
        until = ORIGIN + hours * 3600
        batch = []
        while self.played < len(self.reports) and self.reports[self.played].received_at <= until:
            batch.append(self.reports[self.played])
            self.played += 1
        self.clock.now = until
        self.live.apply(batch)
        return until


async def _ok() -> int:
    return 1


@pytest_asyncio.fixture(loop_scope="session")
async def city(clean_pool: asyncpg.Pool) -> AsyncIterator[City]:
    await add(clean_pool, "wang", "dispatcher:lines=L1", display_name="王芳")
    await add(clean_pool, "zhao", "viewer", display_name="赵敏")
    params = SimulationParams(incidents=(ROAD_WORKS,), dropouts_per_hour=0.0, backlogs_per_hour=0.0)
    day = await asyncio.to_thread(simulate_day, NETWORK, WEEKDAY, seed=5, params=params)
    clock = Clock(ORIGIN + 7.5 * 3600)
    live = LiveTracking(Tracker(NETWORK), clock)
    app = init_app(ServiceContext(NETWORK, 1, live, _ok, clock), store=clean_pool,
                   console=ConsoleSettings(alarm_every_s=0.5), wall_clock=time.time)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    tasks = [asyncio.create_task(work()) for name, work in app[BACKGROUND] if name.startswith("console_")]
    reports = [r for r in day.reports if r.received_at >= ORIGIN + 7.5 * 3600]
    city = City("http://{}:{}".format(*runner.addresses[0][:2]), live, clock, reports)
    city.play_until(7.95)  # the buses are tracked on their trips
    try:
        yield city
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await runner.cleanup()


async def _log_in(browser, city: City, username: str):  # type: ignore[no-untyped-def]
    page = await browser.new_page()
    await page.goto(f"{city.url}/console/login")
    await page.fill("#username", username)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{city.url}/console/")
    return page


async def test_a_live_bus_moves_and_a_bunching_alarm_is_acknowledged(
        city: City, clean_pool: asyncpg.Pool, tmp_path: Path) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
            page = await _log_in(context, city, "wang")
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            sockets: list[str] = []
            page.on("websocket", lambda ws: sockets.append(ws.url))

            await page.goto(f"{city.url}/console/live")
            assert await page.locator("#vehicles circle").count() >= 4
            assert await page.locator('#lines tr[data-route="L1"].live').count() == 1
            await page.screenshot(path=str(SCREENS / "live.png"), full_page=True)

            await page.goto(f"{city.url}/console/lines/L1")
            await page.wait_for_function("document.querySelectorAll('#buses g').length >= 2")
            assert f"{city.url.replace('http', 'ws')}/console/socket?view=line&route=L1" in sockets
            moved = await _bus_moves_after_a_report(page, city)
            assert moved < 2.0, f"the ladder moved {moved:.2f} s after the report"
            await page.screenshot(path=str(SCREENS / "ladder.png"), full_page=True)

            alarm_id = await _play_until_bunching(city, clean_pool)
            viewer = await _log_in(await browser.new_context(viewport={"width": 1400, "height": 900},
                                                             locale="en"), city, "zhao")
            await viewer.goto(f"{city.url}/console/alarms?lang=en")
            viewer_row = viewer.locator(f'tr[data-alarm="{alarm_id}"]')
            assert await viewer_row.locator("td").first.inner_text() == "Bunching"
            assert "only a dispatcher of this line may acknowledge" in await viewer_row.inner_text()
            assert await viewer_row.locator("input[name=note]").count() == 0
            await viewer.screenshot(path=str(SCREENS / "alarms-viewer-en.png"), full_page=True)
            status = await viewer.evaluate(
                """id => fetch('/console/alarms/' + id + '/ack', {method: 'POST', headers: {'X-CSRF-Token':
                     document.querySelector('input[name=csrf_token]').value,
                     'Content-Type': 'application/x-www-form-urlencoded'}, body: 'note=mine'}).then(r => r.status)""",
                alarm_id)
            assert status == 403  # a viewer may not, whatever the page shows

            await page.goto(f"{city.url}/console/alarms")
            row = page.locator(f'tr[data-alarm="{alarm_id}"]')
            assert await row.locator("td").first.inner_text() == "串车"
            await page.screenshot(path=str(SCREENS / "alarms.png"), full_page=True)
            await row.locator("input[name=note]").fill("<b>已联系</b> 后车司机，原地等候 2 分钟")
            await row.locator("button[type=submit]").click()
            await page.wait_for_url(f"{city.url}/console/alarms")
            state = await page.locator(f'tr[data-alarm="{alarm_id}"] td.ack').inner_text()
            assert "已确认" in state and "wang（调度员）" in state and "<b>已联系</b> 后车司机" in state
            assert await page.locator(f'tr[data-alarm="{alarm_id}"] b').count() == 0  # the note stays text
            await page.screenshot(path=str(SCREENS / "alarms-acknowledged.png"), full_page=True)
            assert errors == []

            # The viewer's open page hears of it over its socket and redraws its list.
            await viewer.wait_for_function(
                f"""document.querySelector('tr[data-alarm="{alarm_id}"]').className === 'acknowledged'""",
                timeout=5000)
            await viewer.goto(f"{city.url}/console/lines/L1?lang=en")
            await viewer.screenshot(path=str(SCREENS / "ladder-en.png"), full_page=True)
        finally:
            await browser.close()


async def _bus_moves_after_a_report(page, city: City) -> float:  # type: ignore[no-untyped-def]
    """Seconds from a report reaching the live state to the ladder showing it."""
    before = await page.evaluate(
        "Object.fromEntries([...document.querySelectorAll('#buses g')]"
        ".map(g => [g.dataset.vehicle, g.getAttribute('transform')]))")
    city.play_until(7.95 + 45 / 3600)  # 45 s more of the day: every bus reports at least once
    reported = time.monotonic()
    await page.wait_for_function(
        """before => [...document.querySelectorAll('#buses g')].some(
             g => before[g.dataset.vehicle] && before[g.dataset.vehicle] !== g.getAttribute('transform'))""",
        arg=before, timeout=5000)
    return time.monotonic() - reported


async def _play_until_bunching(city: City, pool: asyncpg.Pool) -> int:
    """Play the day on until the watch raises a bunching alarm on line 1 (the
    road works hold a bus; the next catches it up): the alarm's id."""
    hours = 7.95 + 45 / 3600
    while hours < 8.6:
        hours += 30 / 3600
        city.play_until(hours)
        await asyncio.sleep(0.6)  # a round of the watch
        found = [a for a in await list_open_alarms(pool) if a.key.startswith("bunching:L1:")]
        if found:
            return found[0].id
    raise AssertionError("the simulated road works made no bunching")
